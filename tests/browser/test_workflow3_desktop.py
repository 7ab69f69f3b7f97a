"""Workflow 3 at a desk (1280x800), in Debian's chromium against the demo organisation: gina completes
the threshold review (3a) with the figures pre-filled and the records behind each in view, pat records
the panel determination (3b), cora communicates the decision (3c) and opens the printable letter.
Screenshots (whole page) go to test-artifacts/w3-*.png."""
import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from .pages import DESK, business_today, sign_in, sign_out

@pytest.fixture
def desk_page(open_page):
    return open_page(DESK)


def group(page, legend: str):
    return page.get_by_role("group", name=legend, exact=True)


def test_workflow3_review_determine_communicate_letter(desk_page, snap):
    page, shoot = desk_page, snap

    # --- gina: her reviews, nearest deadline first; 3a with the figures and their records ----------
    sign_in(page, "gina")
    expect(page).to_have_url(re.compile(r"/threshold-reviews$"))
    mine = page.locator("section[aria-labelledby=mine-h] article.item")
    expect(mine.first).to_be_visible()
    expect(mine.first.locator(".deadline")).to_contain_text(re.compile(r"(left|overdue)$"))
    shoot(page, "w3-01-gina-list")
    mine.first.locator("a").first.click()
    expect(page.get_by_role("heading", name=re.compile(r"^Complete the threshold review"))).to_be_visible()
    review_url = re.search(r"/threshold-reviews/\d+", page.url).group(0)
    # Each figure with the records behind it: events with classification and archive links.
    events = page.locator("#fig-threshold_event_count tbody tr")
    assert events.count() >= 3
    expect(events.first.get_by_role("link", name=re.compile(r"entry #\d+"))).to_be_visible()
    expect(page.locator("#fig-prior_recovery_completion_rate")).to_be_visible()
    expect(page.locator("#fig-service_side_disruption_count")).to_be_visible()
    expect(page.locator(".freeze")).to_contain_text("Frozen (E7)")
    shown = page.locator("#fig-threshold_event_count .value").inner_text()
    # The archive's figures are facts on the form, sent as computed: nothing to type, only to confirm.
    expect(page.locator("input[name=threshold_event_count]")).to_have_value(shown)
    expect(page.locator("input[name=threshold_event_count]")).to_have_attribute("type", "hidden")
    expect(page.locator("#threshold_event_count .facts li").first).to_contain_text(shown)
    assert page.locator("input[type=radio]:checked").count() == 0, "an answer is pre-selected"
    shoot(page, "w3-02-gina-review")

    page.get_by_role("button", name="Confirm the figures and save the review").click()  # nothing answered yet
    expect(page.locator("#continuity_risk_level-error")).to_be_visible()
    expect(page.locator("input[name=threshold_event_count]")).to_have_value(shown)
    shoot(page, "w3-03-gina-review-errors")
    group(page, "Current continuity risk level").get_by_label("Medium", exact=True).check()
    page.get_by_label("Next checkpoint date").fill((business_today() + timedelta(days=14)).isoformat())
    page.get_by_role("button", name="Confirm the figures and save the review").click()
    expect(page.get_by_role("status")).to_contain_text("Threshold review saved")
    expect(page.locator("h1 .status")).to_have_text("Awaiting determination")
    shoot(page, "w3-04-gina-reviewed")
    sign_out(page)

    # --- pat: the panel determination (3b), the full threshold record beside the form -------------
    sign_in(page, "pat")
    expect(page).to_have_url(re.compile(r"/threshold-reviews$"))
    page.goto(review_url)
    expect(page.get_by_role("heading", name="Panel determination (3b)")).to_be_visible()
    expect(page.get_by_role("heading", name="Threshold review (3a)")).to_be_visible()
    expect(page.locator("#proportionality-rules")).to_contain_text("access barriers into punishment")
    assert page.locator("input[type=radio]:checked").count() == 0
    group(page, "Panel decision").get_by_label("Warning", exact=True).check()
    group(page, "Barrier remediation status").get_by_label("In progress", exact=True).check()
    group(page, "Proportionality assessment result").get_by_label("Not affirmative", exact=True).check()
    page.get_by_label("Proportionality rationale").fill(
        "Transport support is still being arranged; a warning now would punish an access barrier.")
    page.get_by_label("Unresolved dependency count").fill("1")
    page.get_by_role("button", name="Save determination").click()
    expect(page.locator("#proportionality_result-error")).to_be_visible()
    shoot(page, "w3-05-pat-determination-error")
    group(page, "Panel decision").get_by_label("Enhanced recovery support", exact=True).check()
    page.get_by_role("button", name="Save determination").click()
    expect(page.get_by_role("status")).to_contain_text("Panel determination saved")
    expect(page.locator("h1 .status")).to_have_text("Awaiting communication")
    shoot(page, "w3-06-pat-determined")
    sign_out(page)

    # --- cora: communicate the decision (3c) and open the letter ----------------------------------
    sign_in(page, "cora")
    page.locator("header nav").get_by_role("link", name="Decisions to communicate").click()
    expect(page.get_by_role("heading", name="Decisions to communicate")).to_be_visible()
    expect(page.locator(f"section[aria-labelledby=mine-h] a[href='{review_url}']")).to_be_visible()
    shoot(page, "w3-07-cora-list")
    page.locator(f"section[aria-labelledby=mine-h] a[href='{review_url}']").click()
    expect(page.get_by_role("heading", name="Communicate the decision")).to_be_visible()
    assert page.locator("input[type=radio]:checked").count() == 0
    group(page, "Decision explained status").get_by_label("Direct contact", exact=True).check()
    page.get_by_label("Alternative pathway offered").fill(
        "Weekly transport to the Tuesday 10:00 group, and a video session on Thursdays at 18:00 with Dr Lee")
    page.get_by_label("Appeal or review route provided").fill(
        "Call the patient advocate on 555 0142 or write to the governance panel, 12 Main St, within 14 days")
    group(page, "Objection or unresolved concern raised?").get_by_label("No", exact=True).check()
    page.get_by_label("Review date").fill((business_today() + timedelta(days=30)).isoformat())
    shoot(page, "w3-08-cora-communication")
    page.get_by_role("button", name="Save communication").click()
    expect(page.get_by_role("status")).to_contain_text("Communication saved")
    expect(page.locator("h1 .status")).to_have_text("Complete")
    shoot(page, "w3-09-cora-communicated")

    page.get_by_role("link", name="Open the decision letter").click()
    letter = page.locator("article.letter")
    expect(letter).to_contain_text("we will give you extra support")
    expect(letter).to_contain_text("Tuesday 10:00 group")
    expect(letter).to_contain_text("patient advocate on 555 0142")
    expect(letter).to_contain_text("Please appeal by")
    shoot(page, "w3-10-letter")
    page.emulate_media(media="print")
    expect(page.locator("header.bar")).to_be_hidden()
    shoot(page, "w3-11-letter-print")
    page.emulate_media(media="screen")
    page.console.assert_clean()


def test_weekly_governance_and_policy_screens(desk_page, snap):
    page, shoot = desk_page, snap
    sign_in(page, "ada")
    page.locator("header nav").get_by_role("link", name="Threshold policy").click()
    expect(page.get_by_role("heading", name="Threshold policy")).to_be_visible()
    assert page.locator("input[type=radio]:checked").count() == 0
    shoot(page, "w3-12-policy")
    page.locator("header nav").get_by_role("link", name="Weekly governance").click()
    expect(page.get_by_role("heading", name="Weekly attendance governance review")).to_be_visible()
    expect(page.locator("section[aria-labelledby=obj-h]")).to_be_visible()
    shoot(page, "w3-13-weekly")
    page.get_by_role("link", name="← Previous week").click()
    expect(page).to_have_url(re.compile(r"week=\d{4}-\d{2}-\d{2}"))
    shoot(page, "w3-14-weekly-previous")
    page.console.assert_clean()
