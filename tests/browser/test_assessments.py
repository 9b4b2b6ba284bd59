"""In Chromium, the verdict list follows the assessor: on the new-assessment page and in the incident form's
assessment rows, those added by the script included, with no breach of the Content-Security-Policy."""

import pytest
from playwright.sync_api import expect

from reports.models import ReviewState
from reports.models.vocabulary import Grading, OfficialVerdict
from tests.browser.test_csp import violations_on
from tests.browser.test_entry import log_in
from tests.factories import make_incident, monitor_assessor, official_assessor

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def verdicts_offered(select):
    return set(select.locator("option").evaluate_all("options => options.map(o => o.value).filter(Boolean)"))


def test_the_verdict_list_follows_the_assessor(live_server, page, analyst):
    incident = make_incident(code="CS3000", review_state=ReviewState.DRAFT, created_by=analyst)
    found = violations_on(page)
    log_in(page, live_server, analyst, f"/work/incidents/{incident.code}/assessments/new/?assessor=")
    page.goto(f"{live_server.url}/work/incidents/{incident.code}/assessments/new/?assessor={official_assessor().pk}")
    assessor, verdict = page.locator("#id_assessor"), page.locator("#id_verdict")
    assert verdicts_offered(verdict) == set(OfficialVerdict.values)  # as the server sent it
    verdict.select_option("credible")

    assessor.select_option(label="Airwars")
    assert verdicts_offered(verdict) == set(Grading.values)
    assert verdict.input_value() == ""  # "credible" is no monitor's grade
    assessor.select_option(value="")
    assert verdicts_offered(verdict) == set(OfficialVerdict.values + Grading.values)

    # In the incident form, a row added by the script follows its own assessor.
    page.goto(f"{live_server.url}/work/incidents/{incident.code}/edit/")
    page.get_by_role("button", name="Add an assessment").click()
    expect(page.locator("#id_assessments-1-assessor")).to_be_visible()
    page.locator("#id_assessments-1-assessor").select_option(label="CJTF-OIR")
    page.locator("#id_assessments-0-assessor").select_option(str(monitor_assessor().pk))
    assert verdicts_offered(page.locator("#id_assessments-1-verdict")) == set(OfficialVerdict.values)
    assert verdicts_offered(page.locator("#id_assessments-0-verdict")) == set(Grading.values)
    assert found == []
