"""The whole review loop in Chromium: an analyst submits, a reviewer returns it from the admin queue with a
comment, the analyst fixes and resubmits, the reviewer approves, and readers see it on the home page."""

import pytest
from playwright.sync_api import expect

from reports.models import ReviewState
from tests.browser.test_entry import field, log_in
from tests.factories import PASSWORD, make_assessment, make_incident, make_source

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def new_page(browser):
    page = browser.new_context().new_page()
    page.set_default_timeout(10_000)
    return page


def admin_log_in(page, live_server, user):
    page.goto(f"{live_server.url}/admin/login/?next=/admin/reports/incident/")
    page.get_by_label("Username:").fill(user.username)
    page.get_by_label("Password:").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def decide_in_admin(page, live_server, code, action, comment):
    page.goto(f"{live_server.url}/admin/reports/incident/")  # the pending queue, by default
    row = page.get_by_role("row").filter(has_text=code)
    row.get_by_role("checkbox").check()
    page.locator("select[name=action]").select_option(label=action)
    page.get_by_role("button", name="Go").click()
    page.get_by_role("textbox").first.fill(comment)
    page.locator("input[type=submit]").click()


def test_analyst_and_reviewer_take_an_incident_from_draft_to_the_home_page(live_server, browser, analyst, reviewer):
    incident = make_incident(
        code="CS3000",
        title="Strike on the bakery",
        review_state=ReviewState.DRAFT,
        created_by=analyst,
        last_edited_by=analyst,
    )
    make_source(incident)
    make_assessment(incident, killed_min=4, killed_max=6)
    analyst_page, reviewer_page, reader_page = new_page(browser), new_page(browser), new_page(browser)

    log_in(analyst_page, live_server, analyst, next_path=f"/work/incidents/{incident.code}/")
    analyst_page.get_by_role("button", name="Submit for review").click()
    expect(analyst_page.locator(".state")).to_have_text("Pending review")

    admin_log_in(reviewer_page, live_server, reviewer)
    expect(reviewer_page.get_by_role("row").filter(has_text="CS3000")).to_have_count(1)
    decide_in_admin(reviewer_page, live_server, "CS3000", "Request changes to selected…", "Name the bakery")
    expect(reviewer_page.locator(".messagelist")).to_contain_text("Request changes: 1 incident (CS3000)")

    analyst_page.goto(f"{live_server.url}/work/")
    row = analyst_page.get_by_role("row").filter(has_text="CS3000")
    expect(row).to_contain_text("Name the bakery")
    row.get_by_role("link", name="CS3000").click()
    analyst_page.get_by_role("link", name="Edit").click()
    analyst_page.locator("#id_title").fill("Strike on the Al-Amal bakery")
    field(analyst_page, "Why this change (kept in the history)").fill("Named the bakery")
    analyst_page.get_by_role("button", name="Save draft").click()
    analyst_page.get_by_role("button", name="Submit for review").click()
    expect(analyst_page.locator(".state")).to_have_text("Pending review")

    decide_in_admin(reviewer_page, live_server, "CS3000", "Approve selected incidents or changes…", "Checked")
    expect(reviewer_page.locator(".messagelist")).to_contain_text("Approve: 1 incident (CS3000)")

    reader_page.goto(live_server.url + "/")
    for listed in ("latest", "recently-published"):  # the home page's two short lists
        item = reader_page.locator(f"section[aria-labelledby={listed}] li").filter(has_text="CS3000")
        expect(item).to_contain_text("4–6 killed")
    for page in (analyst_page, reviewer_page, reader_page):
        page.context.close()
