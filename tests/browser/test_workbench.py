"""The west Mosul story in Chromium, as issue 19 tells it: an analyst records the 17 March 2017 strike and the
coalition's 30 April 2017 statement, finds both again from the workbench, proposes the 25 May 2017 concession
and sees its diff; a reviewer approves all three from the one queue, back on it after each; a reader sees the
incident under "Recently published"."""

import os
import re

import pytest
from playwright.sync_api import expect

from reports.models import Incident, OfficialStatement, ReviewState
from tests.browser.test_entry import field, log_in

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
# Where to keep screenshots to look at (e.g. SCREENSHOT_DIR=/tmp/shots); none are taken without it.
SHOTS = os.environ.get("SCREENSHOT_DIR", "")


def new_page(browser, width=1280):
    page = browser.new_context(viewport={"width": width, "height": 900}).new_page()
    page.set_default_timeout(10_000)
    return page


def screenshot(page, name):
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, name), full_page=True)


def fits(page):
    """Nothing on the page scrolls sideways."""
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]


def record_the_strike(page):
    page.get_by_role("link", name="New incident").click()
    code = field(page, "Code").input_value()
    assert re.fullmatch(r"INC-\d{5}", code)  # the next free code, kept
    page.locator("#id_title").fill("Strike on al-Jadida, west Mosul")
    field(page, "Date").fill("2017-03-17")
    field(page, "Country").fill("Iraq")
    field(page, "Place name (English)").fill("Al-Jadida")
    field(page, "Place name (Arabic)").fill("الجديدة")
    page.locator("#id_belligerents-0-belligerent").select_option(label="US-led coalition")
    page.locator("#id_sources-0-url").fill("https://example.org/al-jazeera-mosul")
    page.locator("#id_sources-0-publisher").fill("الجزيرة")
    page.locator("#id_sources-0-title").fill("مقتل مدنيين في غارة على الموصل")
    page.locator("#id_assessments-0-assessor").select_option(label="CJTF-OIR")
    page.locator("#id_assessments-0-verdict").select_option(label="Open / under review")
    page.locator("#id_assessments-0-assessed_on").fill("2017-03-28")
    page.get_by_role("button", name="Add an assessment").click()
    page.locator("#id_assessments-1-assessor").select_option(label="Airwars")
    page.locator("#id_assessments-1-verdict").select_option(label="Fair")
    page.locator("#id_assessments-1-assessed_on").fill("2017-03-25")
    page.locator("#id_assessments-1-killed_min").fill("101")  # "over 100 dead": at least 101, no upper bound
    page.locator("#id_assessments-1-killed_max_open").check()
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text(f"Saved {code} as a draft.")).to_be_visible()
    page.get_by_role("button", name="Submit for review").click()
    expect(page.locator("h1 .state")).to_have_text("Pending review")
    return code


def record_the_statement(page):
    page.goto(page.url.split("/work/")[0] + "/work/")
    page.get_by_role("link", name="Record an official statement").click()
    page.locator("#id_assessor").select_option(label="CJTF-OIR")
    page.locator("#id_published_on").fill("2017-04-30")
    page.locator("#id_civilians_killed").fill("352")
    page.locator("#id_reports_under_review").fill("42")
    page.get_by_role("button", name="Record the statement").click()
    expect(page.get_by_text("Recorded the statement of 2017-04-30")).to_be_visible()
    expect(page.locator("h1 .state")).to_have_text("Awaiting approval")


def decide_from_the_queue(page, row_text, comment):
    """Open the queue, decide on the row, confirm with a comment: back on the queue, the row gone."""
    page.get_by_role("link", name="Workbench", exact=True).click()
    row = page.locator("table.queue tr").filter(has_text=row_text)
    row.get_by_role("link", name="Decide").click()
    page.get_by_label("Approve").check()
    page.get_by_label("Comment for the author").fill(comment)
    page.get_by_role("button", name="Confirm the decision").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Workbench")
    assert page.url.endswith("/work/")
    expect(page.locator("table.queue tr").filter(has_text=row_text)).to_have_count(0)


def test_the_west_mosul_story_from_entry_to_the_front_page(live_server, browser, analyst, reviewer):
    analyst_page, reviewer_page = new_page(browser), new_page(browser)
    log_in(analyst_page, live_server, analyst)
    expect(analyst_page.get_by_role("heading", level=1)).to_have_text("Workbench")
    code = record_the_strike(analyst_page)
    record_the_statement(analyst_page)

    # Both are found again from the workbench.
    analyst_page.get_by_role("link", name="Workbench", exact=True).click()
    expect(analyst_page.locator("#pending-title + *")).to_contain_text(code)
    statements = analyst_page.locator("section", has=analyst_page.locator("#statements-title"))
    expect(statements).to_contain_text("CJTF-OIR, 2017-04-30")
    screenshot(analyst_page, "workbench-analyst-1280.png")
    fits(analyst_page)

    # The reviewer lands on one queue holding both, and approves each, back on the queue after each.
    log_in(reviewer_page, live_server, reviewer)
    queue = reviewer_page.locator("table.queue")
    expect(queue).to_contain_text(code)
    expect(queue).to_contain_text("CJTF-OIR, 2017-04-30")
    screenshot(reviewer_page, "workbench-reviewer-1280.png")
    fits(reviewer_page)
    decide_from_the_queue(reviewer_page, code, "Two sources, both assessments dated.")
    decide_from_the_queue(reviewer_page, "CJTF-OIR, 2017-04-30", "Matches the press release.")
    assert Incident.objects.get(code=code).review_state == ReviewState.PUBLISHED
    assert OfficialStatement.objects.get().approved_by == reviewer

    # On 25 May 2017 the coalition concedes 105: the analyst finds the published incident by its code and
    # proposes the new assessment, then sees what it changes.
    analyst_page.get_by_role("link", name="Workbench", exact=True).click()
    analyst_page.get_by_label("Open an incident by its code").fill(code.lower())
    analyst_page.get_by_role("button", name="Open").click()
    expect(analyst_page.get_by_role("heading", level=1)).to_contain_text(code)
    analyst_page.get_by_role("link", name="Record a new assessment").click()
    analyst_page.locator("#id_assessor").select_option(label="CJTF-OIR")
    analyst_page.get_by_role("button", name="Continue").click()  # whose assessment first: then its verdicts
    assert "Fair" not in analyst_page.locator("#id_verdict").inner_text()  # no monitor grading offered
    analyst_page.locator("#id_verdict").select_option(label="Credible")
    analyst_page.locator("#id_assessed_on").fill("2017-05-25")
    analyst_page.locator("#id_killed_min").fill("105")
    analyst_page.locator("#id_killed_max").fill("105")
    analyst_page.locator("#id_missing_min").fill("36")
    analyst_page.locator("#id_missing_max").fill("36")
    analyst_page.locator("#id_source").select_option(label="مقتل مدنيين في غارة على الموصل")
    analyst_page.locator("#id_caveat").fill("The coalition counts 36 people still unaccounted for.")
    analyst_page.get_by_role("button", name="Record the assessment").click()
    expect(analyst_page.get_by_text(f"Your change to {code} was sent for review")).to_be_visible()
    analyst_page.get_by_role("link", name="Workbench", exact=True).click()
    change = analyst_page.locator("ul.revisions li").filter(has_text=code)
    expect(change).to_contain_text("Credible")
    expect(change).to_contain_text("2017-05-25")

    decide_from_the_queue(reviewer_page, code, "Matches CJTF-OIR's May report.")
    current = Incident.objects.get(code=code).official_assessments()
    assert [(a.verdict, a.killed_min, a.killed_max) for a in current] == [("credible", 105, 105)]
    expect(reviewer_page.locator("#queue-title ~ p").first).to_have_text("Nothing awaits review.")

    reader = new_page(browser)
    reader.goto(live_server.url + "/")
    recent = reader.locator("section", has_text="Recently published")
    expect(recent).to_contain_text(code)
    recent.get_by_role("link", name=code).click()
    current = reader.locator("ul.current")
    expect(current).to_contain_text("Airwars")
    expect(current).to_contain_text("101+ civilians killed")
    expect(current).to_contain_text("36 missing or unaccounted for")
    expect(current).to_contain_text("The coalition counts 36 people still unaccounted for.")
    screenshot(reader, "public-incident-mosul-1280.png")
    for page in (analyst_page, reviewer_page, reader):
        page.context.close()
