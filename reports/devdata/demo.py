"""A small, deterministic, fictional data set so a new user sees a working app.

Nothing in it is real: the country, places, belligerents, assessors and figures are invented, every incident
code starts with DEMO-, every source points at example.org, and pages that show it carry a banner.
"""

import datetime
import random
import secrets

from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_noop

from reports.models import (
    Assessment,
    Assessor,
    AssessorKind,
    Belligerent,
    BelligerentRole,
    DatePrecision,
    Grading,
    Incident,
    IncidentBelligerent,
    LocationPrecision,
    NonCredibleReason,
    OfficialStatement,
    OfficialVerdict,
    ReviewState,
    Source,
    StatementItem,
    StatementItemRole,
    StrikeStatus,
    StrikeType,
)
from reports.models.changes import changes_collected
from reports.roles import create_user_in_role

DEMO_CODE_PREFIX = "DEMO-"
DEMO_ASSESSOR_SLUG = "demo-command"
DEMO_COUNTRY = "Demoland (fictional)"
DEMO_USERS = [("demo-analyst", "analyst"), ("demo-reviewer", "reviewer"), ("demo-admin", "admin")]

# (English, Arabic, governorate, latitude, longitude): invented places on an invented map.
PLACES = [
    ("Al-Nahr", "النهر", "River Province", "35.101", "38.502"),
    ("Tal Abyad Sharqi", "تل أبيض الشرقي", "River Province", "35.240", "38.911"),
    ("Wadi al-Zaytun", "وادي الزيتون", "North Province", "36.204", "37.118"),
    ("Kafr Jadid", "كفر جديد", "North Province", "36.017", "36.781"),
    ("Bab al-Souq", "باب السوق", "North Province", "36.150", "37.002"),
    ("Ayn al-Ghazal", "عين الغزال", "Coast Province", "35.412", "35.950"),
    ("Ras al-Bahr", "رأس البحر", "Coast Province", "35.520", "35.801"),
    ("Old City", "المدينة القديمة", "Capital Province", "33.510", "36.300"),
    ("Hayy al-Matar", "حي المطار", "Capital Province", "33.430", "36.520"),
    ("Jisr al-Hadid", "جسر الحديد", "River Province", "35.330", "39.980"),
    ("Qaryat al-Rumman", "قرية الرمان", "East Province", "34.900", "40.410"),
    ("Mazraat al-Nakhil", "مزرعة النخيل", "East Province", "34.460", "40.900"),
]

# Review states of the 36 demo incidents, in code order: most published, a few at every other step.
STATES = (
    [ReviewState.PUBLISHED] * 26
    + [ReviewState.PENDING] * 4
    + [ReviewState.DRAFT] * 2
    + [ReviewState.CHANGES_REQUESTED, ReviewState.REJECTED, ReviewState.RETRACTED, ReviewState.DRAFT]
)
GRADINGS = [Grading.FAIR, Grading.CONFIRMED, Grading.WEAK, Grading.FAIR, Grading.CONTESTED, Grading.DISCOUNTED]
FIRST_DATE = datetime.date(2016, 3, 1)


def demo_loaded():
    # The demo's own assessor: a lookup in a small table, cheap enough for every public page's banner (a
    # code prefix search would scan every incident).
    return Assessor.objects.filter(slug=DEMO_ASSESSOR_SLUG).exists()


def real_data_present():
    return Incident.objects.exclude(code__startswith=DEMO_CODE_PREFIX).exists()


def load_demo_data():
    """Create the demo records, with the figures recounted once at the end rather than after each save (in
    one transaction, like an import). Returns the number of incidents created."""
    with changes_collected():
        return _create_demo_records()


def _create_demo_records():
    rng = random.Random(2017)  # fixed seed: the same fictional data every time  # nosec B311
    coalition = Belligerent.objects.create(name=gettext_noop("Demo Coalition (fictional)"), slug="demo-coalition")
    air_force = Belligerent.objects.create(
        name=gettext_noop("Demo Republic Air Force (fictional)"), slug="demo-air-force"
    )
    command = Assessor.objects.create(
        name=gettext_noop("Demo Coalition Command (fictional)"),
        slug=DEMO_ASSESSOR_SLUG,
        kind=AssessorKind.OFFICIAL,
    )
    command.speaks_for.add(coalition)
    monitors = [
        Assessor.objects.create(
            name=gettext_noop("Demo Monitor (fictional)"), slug="demo-monitor", kind=AssessorKind.MONITOR
        ),
        Assessor.objects.create(
            name=gettext_noop("Second Demo Monitor (fictional)"), slug="demo-monitor-2", kind=AssessorKind.MONITOR
        ),
    ]
    strike_types = list(StrikeType.objects.filter(slug__in=["airstrike", "drone-strike", "artillery"]))

    for number, state in enumerate(STATES, start=1):
        incident = _demo_incident(number, state, rng)
        incident.strike_types.set(rng.sample(strike_types, k=rng.randint(1, min(2, len(strike_types)))))
        attributed = coalition if number % 3 else air_force
        IncidentBelligerent.objects.create(incident=incident, belligerent=attributed, role=BelligerentRole.SUSPECTED)
        if number % 7 == 0:
            other = air_force if attributed == coalition else coalition
            IncidentBelligerent.objects.create(incident=incident, belligerent=other, role=BelligerentRole.SUSPECTED)
        _demo_assessments(incident, monitors, command if attributed == coalition else None, rng)
        _demo_sources(incident, rng)

    _demo_statements(command)
    # Published from the moment the whole record exists: what came before is its making, not a later change.
    Incident.objects.filter(code__startswith=DEMO_CODE_PREFIX, review_state=ReviewState.PUBLISHED).update(
        published_at=timezone.now()
    )
    return len(STATES)


def _demo_incident(number, state, rng):
    english, arabic, governorate, latitude, longitude = PLACES[number % len(PLACES)]
    date = FIRST_DATE + datetime.timedelta(days=number * 29 + rng.randint(0, 20))
    return Incident.objects.create(
        code=f"{DEMO_CODE_PREFIX}{number:03d}",
        title=f"Fictional strike near {english}",
        summary=(
            f"Fictional demo incident {number}: local sources reported a strike on a residential area of "
            f"{english}. Invented for demonstration; no real event is described."
        ),
        date_start=date,
        date_precision=DatePrecision.DAY,
        country=DEMO_COUNTRY,
        governorate=governorate,
        place_name=english,
        place_name_ar=arabic,
        latitude=latitude,
        longitude=longitude,
        location_precision=LocationPrecision.TOWN,
        strike_status=rng.choice([StrikeStatus.LIKELY, StrikeStatus.CONTESTED, StrikeStatus.DECLARED]),
        grading=GRADINGS[number % len(GRADINGS)],
        civilian_harm_reported=True,
        review_state=state,
        # Pending cases of different ages, so the review queue has an oldest first.
        submitted_at=timezone.now() - datetime.timedelta(days=40 - number) if state == ReviewState.PENDING else None,
    )


def _demo_assessments(incident, monitors, official, rng):
    """A monitor range for every incident, a second monitor for some, and for coalition incidents the
    official verdict's history: under review first, then credible or non-credible months later."""
    low = rng.randint(0, 12)
    high = low + rng.randint(0, 15)
    Assessment.objects.create(
        incident=incident,
        assessor=monitors[0],
        verdict=incident.grading,
        assessed_on=incident.date_start + datetime.timedelta(days=10),
        killed_min=low,
        killed_max=high,
        injured_min=rng.randint(0, 5),
        injured_max=rng.randint(5, 20),
        children_killed_min=low // 3,
        children_killed_max=high // 3,
    )
    if rng.random() < 0.4:
        Assessment.objects.create(
            incident=incident,
            assessor=monitors[1],
            verdict=Grading.FAIR,
            assessed_on=incident.date_start + datetime.timedelta(days=21),
            killed_min=max(low - 1, 0),
            killed_max=high + 2,
        )
    if official is None:
        return
    Assessment.objects.create(
        incident=incident,
        assessor=official,
        verdict=OfficialVerdict.UNDER_REVIEW,
        assessed_on=incident.date_start + datetime.timedelta(days=30),
    )
    outcome = rng.random()
    decided_on = incident.date_start + datetime.timedelta(days=150 + rng.randint(0, 120))
    if outcome < 0.45:
        conceded = rng.randint(1, max(low, 1))
        Assessment.objects.create(
            incident=incident,
            assessor=official,
            verdict=OfficialVerdict.CREDIBLE,
            assessed_on=decided_on,
            killed_min=conceded,
            killed_max=conceded,
            quote="Fictional: the command assessed that the strike unintentionally killed civilians.",
        )
    elif outcome < 0.85:
        Assessment.objects.create(
            incident=incident,
            assessor=official,
            verdict=OfficialVerdict.NON_CREDIBLE,
            non_credible_reason=rng.choice([NonCredibleReason.INSUFFICIENT_EVIDENCE, NonCredibleReason.NO_STRIKE]),
            assessed_on=decided_on,
        )


def _demo_sources(incident, rng):
    for position in range(1, rng.randint(1, 3) + 1):
        Source.objects.create(
            incident=incident,
            position=position,
            url=f"https://example.org/demo/{incident.code.lower()}/report-{position}",
            publisher=rng.choice(["Demo Local News", "Demo Observatory", "Demo Civil Defence"]),
            title=f"Fictional report {position} on {incident.place_name}",
            language=rng.choice(["Arabic", "English"]),
            published_on=incident.date_start + datetime.timedelta(days=position - 1),
        )


def _demo_statements(command):
    april = OfficialStatement.objects.create(
        assessor=command,
        published_on=datetime.date(2017, 4, 30),
        title="Fictional monthly civilian casualty report",
        countries=f"{DEMO_COUNTRY}; Neighbourland (fictional)",
        period_start=datetime.date(2016, 3, 1),
        period_start_precision=DatePrecision.MONTH,
        caveats="Does not include a strike still under investigation (fictional).",
        civilians_killed=21,
        reports_received=30,
        reports_credible=8,
        reports_non_credible=14,
        reports_under_review=8,
        url="https://example.org/demo/statements/2017-04-30",
        approved_at=timezone.now(),
    )
    _demo_statement_items(april, command)
    OfficialStatement.objects.create(
        assessor=command,
        published_on=datetime.date(2018, 12, 31),
        title="Fictional annual civilian casualty report",
        period_start=datetime.date(2016, 3, 1),
        civilians_killed=38,
        reports_received=24,
        reports_credible=10,
        reports_non_credible=12,
        reports_under_review=2,
        url="https://example.org/demo/statements/2018-12-31",
        approved_at=timezone.now(),
    )


def _demo_statement_items(statement, command):
    """What the fictional April statement says beside its total, as the real one of 30 April 2017 does."""
    under_review = (
        Assessment.objects.filter(assessor=command, verdict=OfficialVerdict.UNDER_REVIEW)
        .filter(incident__review_state=ReviewState.PUBLISHED, assessed_on__lte=statement.published_on)
        .order_by("incident__date_start", "pk")
        .first()
    )
    items = [
        StatementItem(
            role=StatementItemRole.PERIOD,
            description="Killed from November 2016 to 9 March 2017 (fictional)",
            civilians_killed=5,
            period_start=datetime.date(2016, 11, 1),
            period_end=datetime.date(2017, 3, 9),
        ),
        StatementItem(
            role=StatementItemRole.NEWLY_DISCLOSED, description="Found by an audit (fictional)", civilians_killed=3
        ),
        StatementItem(
            role=StatementItemRole.NOT_ATTRIBUTABLE, description="Reported earlier (fictional)", civilians_killed=1
        ),
    ]
    if under_review is not None:
        items.append(
            StatementItem(
                role=StatementItemRole.EXCLUDED,
                description="Under investigation (fictional)",
                incident=under_review.incident,
            )
        )
    for item in items:
        item.statement = statement
        item.save()


def create_demo_users():
    """Create the demo staff users that do not exist yet. Returns [(username, role, password)] for those
    created: their passwords are shown once and kept nowhere in clear."""
    usernames = [username for username, _role in DEMO_USERS]
    existing = set(get_user_model().objects.filter(username__in=usernames).values_list("username", flat=True))
    created = []
    for username, role in DEMO_USERS:
        if username not in existing:
            password = secrets.token_urlsafe(12)
            create_user_in_role(username, role, password)
            created.append((username, role, password))
    return created
