"""Workflow 2 on a tablet (1024x768, touch, not a phone), in Debian's chromium against the demo
organisation: sade, a service supervisor, closes the day: approves the emergency exception
awaiting her, records a locked disposition (2c) for a case whose phone route failed, then
supersedes it with a rebook. Screenshots of each step go to test-artifacts/."""
import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from .pages import TABLET, assert_no_overflow, business_today, deadline_minutes, header_kept, mark_header, sign_in

API = "/api/v1/recovery-cases"
DEMO_EXCEPTION = "sibling is the only way to check safety"  # pwa/demo.py: the exception awaiting approval


@pytest.fixture
def tablet_page(open_page):
    return open_page(TABLET)


def group(page, legend: str):
    return page.get_by_role("group", name=legend, exact=True)


def api_case(page, recovery_id: int) -> dict:
    response = page.request.get(f"{API}/{recovery_id}")
    assert response.ok, response.status
    return response.json()


def recovery_id_of(card) -> int:
    href = card.locator(".item-head a").first.get_attribute("href")
    return int(re.search(r"/recovery/(\d+)$", href).group(1))


@pytest.fixture
def snap(shoot):
    """A full-page screenshot from the top: the tablet's header is sticky, and a page shot while
    scrolled would show it in the middle."""

    def _snap(page, name):
        page.evaluate("window.scrollTo(0, 0)")
        return shoot(page, name)

    return _snap


def test_supervisor_closes_the_day_with_a_disposition(tablet_page, snap):
    page = tablet_page
    sign_in(page, "sade")
    expect(page).to_have_url(re.compile(r"/close-the-day$"))
    expect(page.get_by_role("heading", name="Close the day", exact=True)).to_be_visible()

    # --- the board: cases still to close, high-risk first, with attempts and deadlines --------
    to_close = page.locator(".board[aria-labelledby=open-h] > article.item")
    assert to_close.count() >= 3
    risk = [c.get_attribute("class").split().count("high") for c in to_close.all()]
    assert risk == sorted(risk, reverse=True) and risk[0] == 1, f"not high-risk first: {risk}"
    for card in to_close.all():
        deadlines = card.locator(".deadline").all_inner_texts()
        assert deadlines, card.inner_text()
        for text in deadlines:  # "Disposition by Tue 11:00 (12 h 19 min left)"
            deadline_minutes(re.search(r"\(([^)]+)\)$", text).group(1))
    barriers = page.locator(".board ul.attempts .tag").all_inner_texts()
    assert "Technology" in barriers and "Active risk" in barriers, barriers
    # Two columns on a 1024 px tablet: the first two cards side by side.
    first, second = to_close.nth(0).bounding_box(), to_close.nth(1).bounding_box()
    assert abs(first["y"] - second["y"]) < 2 and second["x"] > first["x"] + first["width"] - 1, (first, second)
    assert first["width"] > 400
    # Nothing still to close is listed after a dispositioned case.
    done = page.locator(".board[aria-labelledby=done-h] > article.item")
    for status in done.locator(".item-head .status").all_inner_texts():
        assert status == "Dispositioned"

    # --- the emergency exception awaiting approval --------------------------------------------
    exceptions = page.locator("section.exceptions article")
    pending_before = exceptions.count()
    waiting = exceptions.filter(has_text=DEMO_EXCEPTION)
    expect(waiting).to_have_count(1)
    expect(waiting.locator(".tag.risk")).to_contain_text("Active risk")
    exception_case = recovery_id_of(waiting)
    snap(page, "w2-tablet-01-close-the-day")
    assert_no_overflow(page)

    mark_header(page)
    waiting.get_by_role("button", name="Approve").click()
    expect(page.get_by_role("status")).to_have_text("Exception decision saved.")
    expect(exceptions.filter(has_text=DEMO_EXCEPTION)).to_have_count(0)
    if pending_before > 1:
        expect(page.locator("#exc-h .count")).to_have_text(str(pending_before - 1))
    assert header_kept(page), "Approve reloaded the page instead of an htmx swap"
    statuses = [a["exception_status"] for a in api_case(page, exception_case)["attempts"]]
    assert "approved" in statuses and "pending" not in statuses, statuses

    # --- 2c: the disposition form for the case whose phone route failed ------------------------
    card = page.locator(".board[aria-labelledby=open-h] > article.item").filter(has_text="Wrong route").filter(
        has=page.get_by_role("link", name="Disposition", exact=True)).first
    expect(card).to_contain_text("exception approved")
    recovery_id = recovery_id_of(card)
    case = api_case(page, recovery_id)
    name = card.locator(".item-head a").first.inner_text()
    card.get_by_role("link", name="Disposition", exact=True).click()
    expect(page.get_by_role("heading", name=f"Recovery disposition · {name}")).to_be_visible()
    assert header_kept(page)

    evidence = page.locator("input[name=continuity_evidence]")
    assert sorted(int(v) for v in evidence.evaluate_all("els => els.map(e => e.value)")) == \
        sorted(a["id"] for a in case["attempts"]), "evidence must list exactly this case's attempts"
    assert evidence.evaluate_all("els => els.every(e => e.type === 'checkbox')")
    failed_channels = {a["channel"] for a in case["attempts"] if a["outcome"] == "wrong_route"}
    assert failed_channels, "the case chosen has a route that failed"
    routes = {r["id"]: r for r in case["contact_routes"]}
    for route_id, route in routes.items():
        label = page.locator(f"label:has(input[name=replacement_contact_route][value='{route_id}'])")
        if route["channel"] in failed_channels:
            expect(label.locator(".tag.risk")).to_contain_text("failed today")
        else:
            expect(label.locator(".tag.risk")).to_have_count(0)
    instructions = page.locator("input[name=locked_instruction]")
    assert instructions.evaluate_all("els => els.map(e => e.type)") == ["radio"] * 4, "one instruction, radios"
    assert page.locator("input:checked").count() == 0, "an answer is pre-selected"

    # Irreversible: unticked, nothing is sent; ticked, the server checks every answer.
    page.get_by_role("button", name="Lock disposition").click()
    expect(page.locator("#confirm_lock-error")).to_be_visible()
    expect(page.get_by_role("alert")).to_have_count(0)
    page.locator("input[name=confirm_lock]").check()
    page.get_by_role("button", name="Lock disposition").click()
    expect(page.get_by_role("alert")).to_contain_text("Not saved")
    for legend in ("Continuity restored?", "Replacement contact route (must be viable)",
                   "Locked instruction (exactly one)"):
        expect(group(page, legend).locator("p.error")).to_be_visible()
        expect(group(page, legend)).to_have_attribute("aria-invalid", "true")
    for field in ("unresolved_barrier_count", "review_date"):
        expect(page.locator(f".field.invalid:has(#{field}) p.error")).to_be_visible()
    assert header_kept(page)
    snap(page, "w2-tablet-02-disposition-errors")
    assert_no_overflow(page)

    # A failed route is refused as the replacement, next to the field.
    failed_route = next(i for i, r in routes.items() if r["channel"] in failed_channels)
    viable = next(i for i, r in routes.items() if r["approved"] and r["channel"] not in failed_channels)
    reached = max(case["attempts"], key=lambda a: (a["attempt_at"], a["id"]))
    group(page, "Continuity restored?").get_by_label("Yes", exact=True).check()
    page.locator(f"input[name=continuity_evidence][value='{reached['id']}']").check()
    page.locator(f"input[name=replacement_contact_route][value='{failed_route}']").check()
    page.get_by_label("Unresolved barrier count").fill("1")
    group(page, "Locked instruction (exactly one)").get_by_label("Alternate modality", exact=True).check()
    page.get_by_label("Who carries on the outreach").fill(
        "Video sessions with the same counsellor until the phone line is fixed")
    review = business_today() + timedelta(days=7)
    page.get_by_label("Review date").fill(review.isoformat())
    page.locator("input[name=confirm_lock]").check()
    page.get_by_role("button", name="Lock disposition").click()
    route_field = group(page, "Replacement contact route (must be viable)")
    expect(route_field.locator("p.error")).to_contain_text("failed in this case's attempts")
    expect(group(page, "Continuity restored?").locator("p.error")).to_have_count(0)
    expect(page.locator(f"input[name=continuity_evidence][value='{reached['id']}']")).to_be_checked()
    route_field.locator(f"input[value='{viable}']").check()
    snap(page, "w2-tablet-03-disposition-filled")
    assert_no_overflow(page)
    expect(page.locator("input[name=confirm_lock]")).to_be_checked()  # kept from the last try
    page.get_by_role("button", name="Lock disposition").click()

    # --- saved and locked ----------------------------------------------------------------------
    expect(page).to_have_url(re.compile(r"/close-the-day\?saved=\d+$"))
    expect(page.get_by_role("status")).to_have_text(f"Disposition saved and locked for {name} ({case['case_ref']}).")
    done_card = page.locator(".board[aria-labelledby=done-h] > article.item").filter(
        has=page.locator(f"a[href$='/recovery/{recovery_id}']"))
    expect(done_card).to_contain_text("Locked: Alternate modality · restored yes")
    expect(page.locator(".board[aria-labelledby=open-h]").locator(f"a[href$='/recovery/{recovery_id}']")).to_have_count(0)
    snap(page, "w2-tablet-04-disposition-saved")
    assert_no_overflow(page)
    first_disposition = api_case(page, recovery_id)["dispositions"]
    assert len(first_disposition) == 1
    first_disposition = first_disposition[0]
    assert first_disposition["continuity_evidence"] == [reached["id"]]
    assert first_disposition["replacement_contact_route"] == viable
    assert first_disposition["locked_instruction"] == "alternate_modality"
    assert first_disposition["supersedes_id"] is None

    # --- a later disposition supersedes it: a rebook with the proposed time --------------------
    done_card.get_by_role("link", name="Supersede disposition").click()
    expect(page.locator(".summary dt:text-is('Supersedes') + dd")).to_contain_text(
        f"#{first_disposition['id']}: Alternate modality")
    assert page.locator("input:checked").count() == 0
    group(page, "Continuity restored?").get_by_label("No", exact=True).check()
    page.locator(f"input[name=replacement_contact_route][value='{viable}']").check()
    page.get_by_label("Unresolved barrier count").fill("2")
    group(page, "Locked instruction (exactly one)").get_by_label("Rebook", exact=True).check()
    rebook = business_today() + timedelta(days=1)
    page.get_by_label("For rebook: the proposed new appointment").fill(f"{rebook.isoformat()}T10:00")
    page.get_by_label("Review date").fill(review.isoformat())
    page.locator("input[name=confirm_lock]").check()
    page.get_by_role("button", name="Lock disposition").click()
    expect(page.get_by_role("status")).to_contain_text("Disposition saved and locked for")
    done_card = page.locator(".board[aria-labelledby=done-h] > article.item").filter(
        has=page.locator(f"a[href$='/recovery/{recovery_id}']"))
    expect(done_card).to_contain_text(f"Locked: Rebook · restored no · supersedes #{first_disposition['id']}")

    # The case page: both dispositions, the new one referencing the first, which is unchanged.
    done_card.locator(".item-head a").first.click()
    expect(page.get_by_role("heading", name=re.compile(re.escape(name)))).to_be_visible()
    dispositions = page.locator("ol[aria-labelledby=dispositions-h] > li")
    expect(dispositions).to_have_count(2)
    expect(dispositions.nth(0)).to_contain_text("Rebook")
    expect(dispositions.nth(0)).to_contain_text(f"supersedes #{first_disposition['id']}")
    expect(dispositions.nth(0)).to_contain_text(f"rebooked {rebook:%a %d %b} 10:00")
    expect(dispositions.nth(1)).to_contain_text(f"#{first_disposition['id']}")
    expect(dispositions.nth(1)).to_contain_text("Alternate modality")
    expect(dispositions.nth(1)).to_contain_text("continuity restored: yes")
    expect(dispositions.nth(1)).to_contain_text("Video sessions with the same counsellor")
    expect(dispositions.nth(1)).to_contain_text("superseded")
    after = api_case(page, recovery_id)["dispositions"]
    assert len(after) == 2
    assert after[0] == first_disposition, "the earlier disposition was edited"
    assert after[1]["supersedes_id"] == first_disposition["id"]
    assert after[1]["locked_instruction"] == "rebook" and after[1]["rebooked_appointment_ref"]
    snap(page, "w2-tablet-05-superseded")
    assert_no_overflow(page)
    page.console.assert_clean()
