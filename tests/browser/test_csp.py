"""The Content-Security-Policy allows no inline script or style: Chromium reports no violation on the public
pages, the analyst pages (whose "Add a row" script is an external file) or the admin, and the admin's own
scripts still work under it."""

import pytest

from reports.models import ReviewState
from tests.browser.test_review import admin_log_in, new_page
from tests.factories import make_assessment, make_incident, make_source

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def violations_on(page):
    found = []
    page.on(
        "console",
        lambda message: found.append((page.url, message.text)) if "Content Security Policy" in message.text else 0,
    )
    return found


def test_no_page_breaks_the_policy(live_server, browser, admin_user):
    published = make_incident(code="CS0100")
    make_assessment(published)
    make_source(published)
    draft = make_incident(code="CS0101", review_state=ReviewState.DRAFT, created_by=admin_user)
    page = new_page(browser)
    found = violations_on(page)
    for path in ["/", "/incidents/", f"/incidents/{published.code}/", "/methodology/", "/accounts/login/"]:
        page.goto(live_server.url + path)
    admin_log_in(page, live_server, admin_user)
    for path in [
        "/admin/",
        "/admin/reports/incident/?state=all",
        f"/admin/reports/incident/{draft.pk}/change/",
        f"/admin/reports/incident/{draft.pk}/history/",
        "/admin/reports/assessment/add/",
        "/admin/auth/user/",
        "/work/",
        "/work/incidents/new/",
        f"/work/incidents/{draft.code}/",
    ]:
        page.goto(live_server.url + path)
    assert found == []


def test_the_admin_scripts_run_under_the_policy(live_server, browser, admin_user):
    make_incident(code="CS0102")
    page = new_page(browser)
    found = violations_on(page)
    admin_log_in(page, live_server, admin_user)
    page.goto(f"{live_server.url}/admin/reports/incident/?state=all")
    # The changelist's "select all" checkbox is driven by the admin's actions.js.
    page.locator("#action-toggle").check()
    assert page.locator("input.action-select").first.is_checked()
    assert found == []


def test_the_api_docs_page_runs_under_the_policy(live_server, browser):
    """Swagger UI, from drf-spectacular-sidecar's static files, with its start-up script as a file of its own."""
    page = new_page(browser)
    found = violations_on(page)
    page.goto(f"{live_server.url}/api/v1/docs/")
    page.locator(".opblock-tag", has_text="incidents").first.wait_for()
    assert page.locator(".opblock-tag").count() >= 6
    assert found == []
