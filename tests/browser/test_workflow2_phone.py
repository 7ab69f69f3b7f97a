"""Workflow 2 on a phone (390x844), in Debian's chromium against the demo organisation: olu, an
outreach worker, reads My day, opens an instructed recovery case (2a) and logs three attempts
(2b), one through the emergency-exception path. Screenshots of each step go to test-artifacts/."""
import re
import uuid
from datetime import datetime, timedelta, timezone

from playwright.sync_api import expect

from pwa.governance.vocab import RESCUE_BY_MODALITY, labelled

from .pages import (BUSINESS_ZONE, assert_no_overflow, business_today, deadline_minutes, header_kept,
                    mark_header, sign_in)

API = "/api/v1/recovery-cases"


def group(page, legend: str):
    """A radio/checkbox group by its legend (fieldset -> role group)."""
    return page.get_by_role("group", name=legend, exact=True)


def api_case(page, recovery_id: int) -> dict:
    """The recovery case as the JSON API gives it (the page's own session cookie)."""
    response = page.request.get(f"{API}/{recovery_id}")
    assert response.ok, response.status
    return response.json()


def parse_utc(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def route_hrefs(case: dict) -> set[str]:
    """The tap-to-call/text/email links the person's approved routes should give."""
    hrefs = set()
    for route in case["contact_routes"]:
        if not route["approved"]:
            continue
        digits = route["value"].replace(" ", "")
        if route["channel"] in ("phone_call", "emergency_contact"):
            hrefs.add("tel:" + digits.split(",")[-1])
        elif route["channel"] == "sms":
            hrefs.add("sms:" + digits)
        elif route["channel"] == "email":
            hrefs.add("mailto:" + route["value"])
    return hrefs


def more_details(page):
    """Open the attempt form's "Time, barrier and rescue offer" (closed for the common attempt)."""
    more = page.locator("details[data-attempt-more]")
    if more.get_attribute("open") is None:
        more.locator("> summary").click()
    expect(more).to_have_attribute("open", "")


def save_attempt(page) -> dict:
    """Tap "Save attempt"; returns the form as the browser sent it (after app.js stamped it).
    Waits until htmx has swapped in the answer, so the next step never acts on the old page."""
    page.evaluate("() => { window.__settled = new Promise(resolve => document.body.addEventListener("
                  "'htmx:afterSettle', resolve, {once: true})); }")
    with page.expect_request(lambda r: r.method == "POST" and r.url.endswith("/attempts")) as sent:
        page.get_by_role("button", name="Save attempt").click()
    page.evaluate("() => window.__settled.then(() => true)")
    body = sent.value.post_data or ""
    from urllib.parse import parse_qs

    return {k: v[-1] for k, v in parse_qs(body, keep_blank_values=True).items()}


def test_outreach_worker_opens_a_case_and_logs_three_attempts(phone_page, shoot):
    page = phone_page
    sign_in(page, "olu")
    expect(page).to_have_url(re.compile(r"/recovery$"))
    expect(page.get_by_role("heading", name="My day", exact=True)).to_be_visible()

    # --- My day: high-risk first, then nearest deadline; time left, missed service, routes ----
    cards = page.locator("main article.item")
    assert cards.count() >= 3
    # Cases to work come first (high-risk, then nearest deadline); dispositioned ones after.
    todo = page.locator("main article.item:has(.deadline)")
    risk = [c.get_attribute("class").split().count("high") for c in todo.all()]
    assert risk == sorted(risk, reverse=True) and risk[0] == 1, f"not high-risk first: {risk}"
    shown = todo.locator(".deadline").all_inner_texts()
    for level in set(risk):
        minutes = [deadline_minutes(t.split(": ", 1)[1]) for t, r in zip(shown, risk) if r == level]
        assert minutes == sorted(minutes), f"not nearest deadline first: {shown}"
    statuses = cards.locator(".item-head .status").all_inner_texts()
    done = [s == "Dispositioned" for s in statuses]
    assert done == sorted(done), f"a dispositioned case before one still to work: {statuses}"
    instructed = None
    for card in cards.all():
        link = card.locator(".item-head a").first
        recovery_id = int(re.search(r"/recovery/(\d+)$", link.get_attribute("href")).group(1))
        case = api_case(page, recovery_id)
        assert case["assigned_outreach_worker"] == "olu"
        expect(card.locator(".missed")).to_contain_text(re.compile(r"Missed: .+ \("))
        if case["status"] in ("instructed", "open"):  # time left: "Open: 35 min left"
            label, left = card.locator(".deadline").inner_text().split(": ", 1)
            assert label == {"instructed": "Open", "open": "Disposition"}[case["status"]]
            deadline_minutes(left)
        else:  # dispositioned: nothing due, the locked instruction instead
            expect(card.locator(".deadline")).to_have_count(0)
            expect(card).to_contain_text("Locked: ")
        links = {a.get_attribute("href") for a in
                 card.locator("a[href^='tel:'], a[href^='sms:'], a[href^='mailto:']").all()}
        assert links == route_hrefs(case), f"{case['case_ref']}: {links} != approved routes"
        if case["status"] == "instructed" and instructed is None and not case["priority_raised"]:
            instructed = (card, recovery_id, case)
    # A high-risk case, or a repeat miss raised in priority (section 4), comes before the rest, whatever its deadline.
    expect(cards.first.locator(".tag.risk").first).to_contain_text(re.compile("High risk|Repeat miss"))
    shoot(page, "w2-phone-01-my-day")
    assert_no_overflow(page)
    for target in cards.first.locator("a.button").all():
        assert target.bounding_box()["height"] >= 44, "a route button is smaller than 44 px"

    # --- 2a: open an instructed case -------------------------------------------------------
    assert instructed, "the demo keeps an instructed North case for olu"
    card, recovery_id, case = instructed
    expect(card.locator(".status")).to_have_text("Instructed")
    mark_header(page)
    card.get_by_role("link", name="Open case").click()
    expect(page).to_have_url(re.compile(rf"/recovery/{recovery_id}$"))
    expect(page.get_by_role("heading", name="Open the recovery case")).to_be_visible()
    assert header_kept(page), "Open case reloaded the page instead of an htmx swap"
    assert page.locator("input[type=radio]:checked").count() == 0, "an answer is pre-selected"
    page.get_by_role("button", name="Open case").click()
    expect(page.get_by_role("alert")).to_contain_text("Not saved")
    for legend in ("Recovery priority tier", "Approved contact route to use", "Immediate welfare concern?",
                   "Service impact score (1 low – 5 severe)"):
        expect(group(page, legend).locator("p.error")).to_be_visible()
    expect(page.locator(".field.invalid:has(#next_checkpoint_date) p.error")).to_be_visible()
    assert page.locator("input[type=radio]:checked").count() == 0, "a failed save chose an answer"
    shoot(page, "w2-phone-02-open-form-errors")
    assert_no_overflow(page)

    group(page, "Recovery priority tier").get_by_label("2", exact=True).check()
    preferred = next(r for r in case["contact_routes"] if r["approved"] and r["preferred"])
    group(page, "Approved contact route to use").get_by_label(re.compile(re.escape(preferred["value"]))).first.check()
    group(page, "Immediate welfare concern?").get_by_label("No", exact=True).check()
    group(page, "Service impact score (1 low – 5 severe)").get_by_label("3", exact=True).check()
    page.get_by_label("Next checkpoint date").fill((business_today() + timedelta(days=2)).isoformat())
    page.get_by_role("button", name="Open case").click()
    expect(page.get_by_role("status")).to_contain_text("Recovery case opened")
    expect(page.locator("h1 .status")).to_have_text("Open")
    assert header_kept(page)
    shoot(page, "w2-phone-03-case-opened")
    assert_no_overflow(page)

    # --- 2b: the attempt form -------------------------------------------------------------
    form = page.locator("form[data-outbox=attempt]")
    expect(form).to_be_visible()
    prefilled = datetime.strptime(page.get_by_label("When the attempt happened").input_value(), "%Y-%m-%dT%H:%M")
    now_local = datetime.now(BUSINESS_ZONE).replace(tzinfo=None)
    assert abs((now_local - prefilled).total_seconds()) < 120, f"attempt_at is not now: {prefilled}"
    approved = sorted({r["channel"] for r in case["contact_routes"] if r["approved"]})
    channel_group = group(page, "Channel used")
    shown_channels = [channel_group.locator("input[type=radio]").nth(i).get_attribute("value")
                      for i in range(channel_group.locator("input[type=radio]").count())]
    assert sorted(shown_channels) == approved, f"channel radios {shown_channels} != approved {approved}"
    # A fresh form starts from the common attempt: a channel already chosen (the one olu used last, or the
    # preferred route), no barrier, nothing offered; only the outcome is asked.
    expect(channel_group.locator("input:checked")).to_have_count(1)
    assert channel_group.locator("input:checked").get_attribute("value") in approved
    expect(group(page, "Outcome").locator("input:checked")).to_have_count(0)
    expect(page.locator("details[data-attempt-more]")).not_to_have_attribute("open", "")
    more_details(page)
    expect(group(page, "Barrier signal received").locator("input:checked")).to_have_value("none")
    expect(form.locator("input[name=rescue_option]:checked")).to_have_value("none_offered")
    missed = page.locator(".summary dt:text-is('Missed') + dd").inner_text()
    modality = re.search(r"\(([^)]+)\)", missed).group(1).lower().replace(" ", "_")
    rescue = group(page, re.search(r"Rescue offered for the missed .+", form.text_content()).group(0))
    offered = [rescue.locator("input").nth(i).get_attribute("value") for i in range(rescue.locator("input").count())]
    assert offered == list(RESCUE_BY_MODALITY[modality]), f"rescue options for {modality}: {offered}"
    slot = "alternate_slot"
    for box in form.locator("label.choice, button, summary").all():
        if box.is_visible():
            assert box.bounding_box()["height"] >= 44, f"small target: {box.inner_text()!r}"

    def fill(channel_label, outcome, barrier, option, detail):
        if channel_label:
            channel_group.get_by_label(channel_label, exact=True).check()
        group(page, "Outcome").get_by_label(outcome, exact=True).check()
        more_details(page)
        group(page, "Barrier signal received").get_by_label(barrier, exact=True).check()
        rescue.get_by_label(labelled(option), exact=True).check()
        page.get_by_label("What exactly was offered").fill(detail)

    # Attempt 1: a generic callback is refused next to the field, then a named slot is saved.
    first_channel = labelled(approved[0])
    fill(first_channel, "No answer", "None", slot, "Please call us back")
    save_attempt(page)
    detail_field = page.locator(".field.invalid:has(#rescue_detail)")
    expect(detail_field.locator("p.error")).to_contain_text("generic callback")
    expect(page.get_by_label("What exactly was offered")).to_have_attribute("aria-invalid", "true")
    expect(channel_group.get_by_label(first_channel, exact=True)).to_be_checked()
    assert header_kept(page)
    shoot(page, "w2-phone-04-generic-rescue-refused")
    assert_no_overflow(page)
    day = datetime.now(BUSINESS_ZONE) + timedelta(days=2)
    page.get_by_label("What exactly was offered").fill(
        f"Offered {day:%a %d %b} at 14:00 with the same counsellor")
    tapped = datetime.now(timezone.utc)
    sent = save_attempt(page)
    expect(page.get_by_role("status")).to_have_text("Attempt saved.")
    # app.js stamped recorded_at when the worker tapped save (the template leaves it blank).
    assert sent.get("recorded_at"), f"recorded_at was not stamped: {sent}"
    stamped = parse_utc(sent["recorded_at"])
    assert abs((stamped - tapped).total_seconds()) < 10, (stamped, tapped)
    client_id = str(uuid.UUID(sent["client_id"]))
    saved = next(a for a in api_case(page, recovery_id)["attempts"] if a["client_id"] == client_id)
    assert parse_utc(saved["recorded_at"]) == stamped, (saved["recorded_at"], sent["recorded_at"])
    assert abs((parse_utc(saved["recorded_at"]) - tapped).total_seconds()) < 10
    assert saved["exception_status"] is None

    # Attempt 2: another approved channel, a modality switch.
    second = labelled(approved[1] if len(approved) > 1 else approved[0])
    fill(second, "Declined", "Transport", "switch_to_video",
         "Offered to hold the visit as a video call with the same worker this week")
    sent2 = save_attempt(page)
    expect(page.get_by_role("status")).to_have_text("Attempt saved.")
    assert sent2["client_id"] != sent["client_id"], "a new entry reused the last entry's id"
    assert str(uuid.UUID(sent2["client_id"])) == sent2["client_id"]

    # Attempt 3: the emergency-exception path (an unapproved channel needs a reason).
    more_details(page)
    exception = page.locator("details.exception")
    exception.locator("summary").click()
    others = [i.get_attribute("value") for i in exception.locator("input[name=channel]").all()]
    assert others and not set(others) & set(approved), others
    # The sibling on record (an emergency contact the person has not approved), if there is one.
    unapproved_channel = "emergency_contact" if "emergency_contact" in others else others[0]
    exception.get_by_label(labelled(unapproved_channel), exact=True).check()
    fill(None, "Reached", "Active risk", "welfare_check",
         "Asked the duty team for a same-day welfare visit this afternoon")
    save_attempt(page)  # no reason given: refused next to the channel
    expect(group(page, "Channel used").locator("p.error")).to_contain_text("emergency exception reason")
    expect(page.locator("details.exception")).to_have_attribute("open", "")
    expect(page.locator(f"details.exception input[value={unapproved_channel}]")).to_be_checked()
    page.get_by_label("Emergency exception reason").fill(
        "Phone line is dead and the person said they felt unsafe; sibling is the only way to reach them today")
    shoot(page, "w2-phone-05-emergency-exception")
    assert_no_overflow(page)
    sent3 = save_attempt(page)
    expect(page.get_by_role("status")).to_have_text("Attempt saved.")
    assert sent3["channel"] == unapproved_channel

    # --- the timeline: three attempts, newest first, the exception pending -------------------
    timeline = page.locator("ol[aria-labelledby=attempts-h] > li")
    expect(timeline).to_have_count(3)
    expect(page.locator("#attempts-h .count")).to_have_text("3")
    expect(timeline.nth(0)).to_contain_text(labelled(unapproved_channel))
    expect(timeline.nth(0)).to_contain_text("Emergency exception pending")
    expect(timeline.nth(0)).to_contain_text("sibling is the only way")
    expect(timeline.nth(0).locator(".tag.risk")).to_contain_text("Active risk")
    expect(timeline.nth(1)).to_contain_text("Switch to video")
    expect(timeline.nth(2)).to_contain_text(f"Offered {day:%a %d %b} at 14:00")
    expect(timeline.nth(1)).not_to_contain_text("Emergency exception")
    expect(timeline.nth(2)).not_to_contain_text("Emergency exception")
    attempts = api_case(page, recovery_id)["attempts"]
    assert len(attempts) == 3
    assert [a["exception_status"] for a in attempts].count("pending") == 1
    shoot(page, "w2-phone-06-timeline")
    assert_no_overflow(page)

    # Back on My day the case shows its three attempts.
    page.locator("header nav").get_by_role("link", name="My day").click()
    card = page.locator("main article.item").filter(has_text=case["case_ref"])
    expect(card).to_contain_text("3 attempts")
    assert header_kept(page)
    page.console.assert_clean()
