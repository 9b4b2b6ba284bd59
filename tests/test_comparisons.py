"""The headline's rules (reports/figures/comparisons.py), against figures worked out by hand on a small war:
each official assessor over the incidents of the belligerents it speaks for, beside the lead monitor's figures
for exactly those incidents; placeholders, undated verdicts, revisions without history, Discounted."""

import datetime

import pytest

from reports.figures import tallies
from reports.filters import IncidentFilter
from reports.models import Assessor, AssessorKind, Belligerent, Dating
from tests.factories import make_assessment, make_incident, monitor_assessor, official_assessor

pytestmark = pytest.mark.django_db

D = datetime.date
COALITION, RUSSIA, TURKEY = "us-led-coalition", "russian-military", "turkish-military"


def figures(**params):
    return tallies.dashboard(IncidentFilter(params))


REVISED_ON = D(2024, 12, 1)


def revised(incident, monitor, verdict, low, high, on=REVISED_ON):
    """A monitor's figures as its export holds them: the latest revision only."""
    return make_assessment(
        incident, monitor, verdict=verdict, killed_min=low, killed_max=high, assessed_on=on, dating=Dating.REVISED
    )


@pytest.fixture
def war():
    """CJTF-OIR speaks for the coalition, a Russian ministry (official) for Russia; nobody for Turkey.

    P (2017-03-10, coalition + Russia): CJTF-OIR credible 10–12 (stated 2017-04-01); Russia non-credible
      (2017-03-20); Airwars fair 20–30 (revised 2025-01-01).
    Q (2017-03-15, coalition): CJTF-OIR under review (2017-03-25), then credible "at least 5" (2017-06-01);
      Airwars confirmed 8–9 (revised 2025-02-01).
    R (2017-04-02, coalition): CJTF-OIR "not yet assessed" (2017-04-05): nobody has spoken; Airwars discounted 3–4.
    S (2017-04-10, coalition): CJTF-OIR credible 7, date unknown (on record 2024-06-01); Airwars has none.
    T (2017-05-01, coalition): no CJTF-OIR verdict; Airwars weak 1–2.
    U (2017-03-05, Turkey, Idlib): Airwars fair 100–120; a second monitor 90–95, its only assessment.
    V (2017-03-06, Russia): Airwars contested, deaths unknown.
    """
    cjtf, airwars = official_assessor(), monitor_assessor()
    ministry = Assessor.objects.create(name="Russian MoD (test)", slug="russian-mod", kind=AssessorKind.OFFICIAL)
    ministry.speaks_for.add(Belligerent.objects.get(slug=RUSSIA))
    second = Assessor.objects.create(name="Second monitor", slug="second-monitor", kind=AssessorKind.MONITOR)
    p = make_incident(belligerents=(COALITION, RUSSIA), code="P", date_start=D(2017, 3, 10))
    make_assessment(p, cjtf, verdict="credible", killed_min=10, killed_max=12, assessed_on=D(2017, 4, 1))
    make_assessment(p, ministry, verdict="non_credible", killed_min=None, killed_max=None, assessed_on=D(2017, 3, 20))
    revised(p, airwars, "fair", 20, 30, on=D(2025, 1, 1))
    q = make_incident(code="Q", date_start=D(2017, 3, 15))
    make_assessment(q, cjtf, verdict="under_review", killed_min=None, killed_max=None, assessed_on=D(2017, 3, 25))
    make_assessment(q, cjtf, verdict="credible", killed_min=5, killed_max=None, assessed_on=D(2017, 6, 1))
    revised(q, airwars, "confirmed", 8, 9, on=D(2025, 2, 1))
    r = make_incident(code="R", date_start=D(2017, 4, 2))
    make_assessment(r, cjtf, verdict="not_yet_assessed", killed_min=None, killed_max=None, assessed_on=D(2017, 4, 5))
    revised(r, airwars, "discounted", 3, 4)
    s = make_incident(code="S", date_start=D(2017, 4, 10))
    make_assessment(
        s, cjtf, verdict="credible", killed_min=7, killed_max=7, assessed_on=D(2024, 6, 1), dating=Dating.UNDATED
    )
    t = make_incident(code="T", date_start=D(2017, 5, 1))
    revised(t, airwars, "weak", 1, 2)
    u = make_incident(belligerents=(TURKEY,), code="U", date_start=D(2017, 3, 5), governorate="Idlib")
    revised(u, airwars, "fair", 100, 120)
    revised(u, second, "fair", 90, 95)
    v = make_incident(belligerents=(RUSSIA,), code="V", date_start=D(2017, 3, 6))
    revised(v, airwars, "contested", None, None)
    return {"cjtf": cjtf, "ministry": ministry}


def lines(comparison):
    return {name: line["incidents"] for name, line in comparison["lines"].items()}


def span(figures, name):
    return figures[f"{name}_low"], figures[f"{name}_high"]


def test_each_official_assessor_over_its_own_belligerents_incidents(war):
    cjtf, ministry = figures()["comparisons"]  # CJTF-OIR first: the most verdicts (3 against 1)
    assert (cjtf["assessor"], cjtf["incidents"]) == ("CJTF-OIR", 5)  # P Q R S T
    assert lines(cjtf) == {"credible": 3, "open": 0, "non_credible": 0, "duplicate": 0, "none": 2}  # R, T: none
    total = cjtf["total"]
    assert span(total, "conceded") == (10 + 5 + 7, 12 + 5 + 7)  # "at least 5" counts 5 at both ends
    assert span(total, "likely") == (20 + 8, 30 + 9)  # P fair, Q confirmed
    assert span(total, "alleged") == (20 + 8 + 1, 30 + 9 + 2)  # and T weak; never R's Discounted
    assert span(total, "discounted") == (3, 4)
    assert total["monitored"] == 4  # Airwars has not assessed S
    assert span(cjtf["lines"]["credible"], "likely") == (28, 39)  # the monitor beside each line
    assert span(cjtf["lines"]["none"], "alleged") == (1, 2)
    # P is also Russia's: there only the ministry's verdict counts, beside the same Airwars figures.
    assert (ministry["incidents"], lines(ministry)["non_credible"], lines(ministry)["none"]) == (2, 1, 1)  # P, V
    assert span(ministry["total"], "conceded") == (0, 0)
    assert ministry["total"]["monitor_unknown"] == 1  # V: assessed, deaths unknown


def test_the_gap_leaves_out_concessions_the_monitor_has_not_assessed(war):
    cjtf = figures()["comparisons"][0]
    assert span(cjtf["conceded_unmonitored"], "conceded") == (7, 7)  # S, shown apart
    # Likely 28–39 against the concessions on assessed incidents, 15–17: interval arithmetic.
    assert cjtf["gap"] == {
        "official_low": 15,
        "official_high": 17,
        "low": 28 - 17,
        "high": 39 - 15,
        "ratio_low": round(28 / 17, 1),
        "ratio_high": round(39 / 15, 1),
    }
    ministry = figures()["comparisons"][1]
    assert (ministry["gap"]["low"], ministry["gap"]["high"]) == (20, 30)
    assert ministry["gap"]["ratio_low"] is ministry["gap"]["ratio_high"] is None  # over an official 0: undefined


def test_a_belligerent_filter_shows_only_the_assessors_that_speak_for_it(war, client):
    russia = figures(belligerent=RUSSIA)
    assert [c["assessor"] for c in russia["comparisons"]] == ["Russian MoD (test)"]  # not CJTF-OIR's 10–12 on P
    turkey = figures(belligerent=TURKEY)
    assert turkey["comparisons"] == []
    page = client.get("/", {"belligerent": TURKEY}).content.decode()
    assert "<bdi>Turkish military</bdi> publishes no casualty assessments." in page
    rows = {row["key"]: row for row in figures()["breakdowns"]["belligerent"]}
    assert not rows[TURKEY]["has_official"] and rows[COALITION]["has_official"]
    assert span(rows[COALITION], "official") == (22, 24)  # CJTF-OIR's own concessions
    assert span(rows[RUSSIA], "official") == (0, 0)  # the ministry's, not CJTF-OIR's on P


def test_breakdowns_give_each_monitor_its_own_figures_and_no_zero_for_not_assessed(war):
    rows = {row["key"]: row for row in figures()["breakdowns"]["governorate"]}
    airwars, second = rows["Raqqa"]["monitors"]
    assert span(airwars, "likely") == (20 + 8, 30 + 9) and second is None  # the second monitor assessed none there
    airwars, second = rows["Idlib"]["monitors"]
    assert span(airwars, "likely") == (100, 120) and span(second, "likely") == (90, 95)


def test_as_known_on_a_date_verdicts_count_from_their_statement_and_revisions_from_the_start(war, client):
    known = figures(as_of="2017-04-30")
    cjtf = known["comparisons"][0]
    assert cjtf["incidents"] == 4  # T happened later
    # P credible (stated 1 April); Q still under review; R "not yet assessed"; S's undated verdict left out.
    assert lines(cjtf) == {"credible": 1, "open": 1, "non_credible": 0, "duplicate": 0, "none": 2}
    assert span(cjtf["total"], "conceded") == (10, 12)
    assert cjtf["undated_left_out"] == 1
    assert span(cjtf["total"], "likely") == (28, 39)  # Airwars' revisions count: there is nothing older
    assert known["monitors"][0]["revised_up_to"] == "2025-02-01"
    page = client.get("/", {"as_of": "2017-04-30"}).content.decode()
    headline = page.split('class="comparison"')[1].split("</article>")[0]  # beside the official count too
    assert "As revised up to 2025-02-01; its figures as known on 2017-04-30 are not in this data." in headline
    assert "1 verdict whose date is unknown is left out" in page


def test_before_the_first_statement_nothing_is_conceded_and_the_monitor_still_shows(war):
    cjtf = next(c for c in figures(as_of="2017-03-12")["comparisons"] if c["assessor"] == "CJTF-OIR")
    assert cjtf["incidents"] == 1  # P
    assert lines(cjtf)["none"] == 1 and span(cjtf["total"], "conceded") == (0, 0)
    assert span(cjtf["total"], "likely") == (20, 30)
    assert cjtf["gap"]["ratio_low"] is None


def test_the_headline_reads_the_same_from_the_snapshot_and_from_the_records(war):
    """The unfiltered page (the snapshot, built from the summary) and a filter that forces the records agree."""
    unfiltered = figures()["comparisons"][0]
    live = figures(q="")["comparisons"][0]  # an empty search: still the unfiltered set
    assert unfiltered == live
    everything = figures(min_killed=0)["comparisons"][0]  # read from the records
    assert {k: v for k, v in everything.items() if k != "undated_left_out"} == unfiltered


def test_a_monitors_newer_revision_stays_current_beside_an_older_dated_assessment(war):
    """An analyst's dated Airwars figure of 2018, then the export's revision of 2025: today the revision counts;
    as known in 2019, the 2018 figure (the revision is dated 2025, and is not the first: it counts from then)."""
    incident = make_incident(code="W", date_start=D(2017, 6, 1))
    make_assessment(incident, monitor_assessor(), verdict="fair", killed_min=1, killed_max=1, assessed_on=D(2018, 1, 1))
    revised(incident, monitor_assessor(), "confirmed", 9, 9, on=D(2025, 1, 1))
    current = incident.assessments.current().get(assessor=monitor_assessor())
    assert (current.verdict, current.killed_min) == ("confirmed", 9)
    assert incident.assessments.current(D(2019, 1, 1)).get(assessor=monitor_assessor()).killed_min == 1


def test_the_breakdowns_official_column_counts_only_the_assessors_belligerents(war):
    """A CJTF-OIR verdict on an incident attributed to Russia alone is not the coalition's concession."""
    stray = make_incident(belligerents=(RUSSIA,), code="X", date_start=D(2017, 3, 20))
    make_assessment(stray, official_assessor(), verdict="credible", killed_min=100, killed_max=100)
    cjtf = figures()["comparisons"][0]
    years = {row["key"]: row for row in figures()["breakdowns"]["year"]}
    assert span(years["2017"], "official") == span(cjtf["total"], "conceded") == (22, 24)


def test_an_official_verdict_cannot_be_a_revision_without_history(war):
    from django.core.exceptions import ValidationError

    verdict = war["cjtf"].assessment_set.model(
        incident=make_incident(), assessor=war["cjtf"], verdict="credible", assessed_on=D(2017, 1, 1), dating="revised"
    )
    with pytest.raises(ValidationError, match="Only a monitor's figures"):
        verdict.full_clean()


def test_who_speaks_for_whom_changing_recounts_the_figures(war):
    from reports.models import TallySnapshot

    figures()
    assert TallySnapshot.get().is_fresh
    assert figures()["comparisons"][1]["incidents"] == 2  # P and V, Russia's
    war["ministry"].speaks_for.add(Belligerent.objects.get(slug=TURKEY))
    assert not TallySnapshot.get().is_fresh
    ministry = figures()["comparisons"][1]
    assert "Turkish military" in ministry["speaks_for"]
    assert ministry["incidents"] == 3  # and U, Turkey's: the summary's comparisons were recounted
    assert figures(as_of="2017-04-30")["comparisons"][1]["incidents"] == 3
    war["ministry"].speaks_for.clear()
    assert figures()["comparisons"][1]["incidents"] == 0
