"""Every worker and coordinator screen at phone size (390x844), and every supervisor screen at tablet size
(1024x768), in their empty, error, saved and offline states: axe-core finds nothing, no text in <main> is
under 16 px, every target is 44x44 px or spaced (WCAG 2.2 2.5.8), nothing scrolls sideways (audit.py).
The walk runs on its own copy of the demo (it saves things). Screenshots go to test-artifacts/audit-*.png."""
import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from .audit import Walk
from .conftest import PHONE, demo_server
from .pages import TABLET, business_today, sign_in


@pytest.fixture(scope="module")
def audit_server(demo_database, tmp_path_factory):
    with demo_server(demo_database, tmp_path_factory.mktemp("audit-db")) as (base_url, _app):
        yield base_url


@pytest.fixture
def device(chromium_browser, audit_server):
    """device(PHONE or TABLET): a page of a new context. axe-core is added as a script tag, which the
    app's CSP would refuse: these contexts bypass the CSP (the other browser tests hold the app to it)."""
    contexts = []

    def _open(options):
        context = chromium_browser.new_context(base_url=audit_server, bypass_csp=True, **options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield _open
    for context in contexts:
        context.close()


@pytest.fixture
def walk(shoot):
    return Walk(shoot)


def group(page, legend):
    return page.get_by_role("group", name=legend, exact=True)


def test_outreach_worker_screens_at_phone_size(device, walk):
    page = device(PHONE)
    sign_in(page, "olu")
    walk.check(page, "worker-my-day")
    links = page.locator("main article.item .item-head a")
    hrefs = [a.get_attribute("href") for a in links.all()]
    assert hrefs, "olu has no case on My day"
    for number, href in enumerate(hrefs[:4]):
        page.goto(href)
        walk.check(page, f"worker-case-{number}")
    # The open form and the attempt form, each submitted empty.
    for number, href in enumerate(hrefs[:4]):
        page.goto(href)
        button = page.get_by_role("button", name=re.compile("^(Open case|Save attempt)$"))
        if button.count():
            button.click()
            expect(page.locator(".alert[role=alert]")).to_be_visible()
            walk.check(page, f"worker-case-{number}-errors")
    for path, name in (("/outbox", "worker-outbox"), ("/settings/alerts", "worker-alerts"), ("/account", "worker-account"),
                       ("/offline", "worker-offline-pages"), ("/glossary", "worker-glossary")):
        page.goto(path)
        walk.check(page, name)

    # The common attempt (phone call, no answer) in two taps, then the saved state.
    page.goto("/recovery")
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    expect(page.locator("#offline-ready")).to_contain_text("Ready offline")
    open_case = page.locator("main article.item").filter(has=page.locator(".item-head .status", has_text=re.compile("^Open$")))
    case_url = open_case.first.locator(".item-head a").first.get_attribute("href")
    page.goto(case_url)
    before = int(page.locator("a.attempt-count").get_attribute("data-logged"))
    taps = log_common_attempt(page)
    expect(page.get_by_role("status")).to_have_text("Attempt saved.")
    expect(page.locator("ol[aria-labelledby=attempts-h] > li").first).to_contain_text("No answer")
    expect(page.locator("a.attempt-count")).to_have_text(f"{before + 1} logged")
    assert taps == 2
    walk.check(page, "worker-attempt-saved")

    # No signal: saved on the device, then the case page reloaded from the device.
    page.context.set_offline(True)
    log_common_attempt(page)
    expect(page.get_by_role("heading", name="Saved on this device")).to_be_visible()
    walk.check(page, "worker-attempt-saved-offline")
    page.reload()
    expect(page.locator("a.attempt-count")).to_have_text(f"{before + 1} logged + 1 on this device")
    walk.check(page, "worker-case-offline")
    page.goto("/outbox")
    expect(page.locator("[data-outbox-view] .outbox-entry")).to_have_count(1)
    walk.check(page, "worker-outbox-waiting")
    page.context.set_offline(False)
    page.goto(case_url)
    expect(page.locator("#outbox-bar .outbox-count")).to_have_text("Nothing waiting to send")
    expect(page.locator("#outbox-bar .sync-now")).to_have_count(0)
    expect(page.locator("#outbox-bar")).not_to_contain_text("Not synced yet")
    walk.check(page, "worker-case-synced")
    walk.assert_clean()


def log_common_attempt(page) -> int:
    """Phone call, no answer: the taps it takes on a fresh attempt form (the channel is already chosen)."""
    form = page.locator("form[data-outbox=attempt]")
    expect(form.locator("input[name=channel]:checked")).to_have_count(1)
    taps = 0
    group(page, "Outcome").get_by_label("No answer", exact=True).tap()
    taps += 1
    page.get_by_role("button", name="Save attempt").tap()
    taps += 1
    return taps


def test_coordinator_screens_at_phone_size(device, walk):
    page = device(PHONE)
    sign_in(page, "cora")
    walk.check(page, "coordinator-today")
    page.locator("section[aria-labelledby=pending-h] article").first.get_by_role("link", name="Open event").click()
    expect(page.get_by_role("heading", name="Open missed-contact event")).to_be_visible()
    walk.check(page, "coordinator-new-event")
    page.get_by_role("button", name=re.compile("^(Open event|Save)")).last.click()
    expect(page.locator(".alert[role=alert]")).to_be_visible()
    walk.check(page, "coordinator-new-event-errors")
    # The detected event type is a fact; the rest answered, the event is saved.
    expect(page.locator("#event_type .fact-value")).to_be_visible()
    group(page, "Is a service-side disruption known?").get_by_label("No", exact=True).check()
    group(page, "Current contactability").get_by_label("Reachable", exact=True).check()
    page.get_by_label("Next checkpoint date").fill((business_today() + timedelta(days=3)).isoformat())
    page.get_by_role("button", name="Save and send to classification queue").click()
    expect(page.get_by_role("status")).to_contain_text("classification queue")
    walk.check(page, "coordinator-event-saved")
    page.goto("/today")
    events = [a.get_attribute("href") for a in page.locator("main a[href*='/missed-contacts/']").all()]
    for number, href in enumerate(dict.fromkeys(h for h in events if re.search(r"/missed-contacts/\d+$", h))):
        page.goto(href)
        walk.check(page, f"coordinator-event-{number}")
        release = page.get_by_role("link", name=re.compile("release", re.I))
        if release.count():
            release.first.click()
            walk.check(page, f"coordinator-release-{number}")
            page.get_by_role("button", name="Confirm and release").click()
            expect(page.locator(".alert[role=alert]")).to_be_visible()
            walk.check(page, f"coordinator-release-{number}-errors")
    page.goto("/glossary")
    walk.check(page, "coordinator-glossary")
    # A notice of absence from Today, submitted empty.
    page.goto("/today")
    notice = page.locator("main a[href*='/absence-notice']")
    if notice.count():
        page.goto(notice.first.get_attribute("href"))
        walk.check(page, "coordinator-absence-notice")
        page.locator("main form button[type=submit]").last.click()
        expect(page.locator(".alert[role=alert]")).to_be_visible()
        walk.check(page, "coordinator-absence-notice-errors")
    page.goto("/threshold-reviews")
    walk.check(page, "coordinator-reviews")
    for number, href in enumerate([a.get_attribute("href") for a in page.locator("main a[href*='/threshold-reviews/']").all()][:3]):
        page.goto(href)
        walk.check(page, f"coordinator-review-{number}")
        send = page.get_by_role("button", name=re.compile("^Save communication"))
        if send.count():
            send.click()
            expect(page.locator(".alert[role=alert]")).to_be_visible()
            walk.check(page, f"coordinator-review-{number}-errors")
        letter = page.locator("main a[href$='/letter']")
        if letter.count():
            page.goto(letter.first.get_attribute("href"))
            walk.check(page, f"coordinator-letter-{number}")
    walk.assert_clean()


def test_supervisor_screens_at_tablet_size(device, walk):
    page = device(TABLET)
    sign_in(page, "sade")
    walk.check(page, "supervisor-close-the-day")
    forms = [a.get_attribute("href") for a in page.locator("main a[href$='/disposition']").all()]
    assert forms
    page.goto(forms[0])
    walk.check(page, "supervisor-disposition")
    # Locking is irreversible: unticked, the form is not sent; ticked but empty, the server lists the problems.
    page.get_by_role("button", name=re.compile("^Lock")).click()
    expect(page.locator("#confirm_lock-error")).to_be_visible()
    walk.check(page, "supervisor-disposition-unconfirmed")
    page.locator("input[name=confirm_lock]").check()
    page.get_by_role("button", name=re.compile("^Lock")).click()
    expect(page.locator(".alert[role=alert]")).to_be_visible()
    walk.check(page, "supervisor-disposition-errors")
    page.goto("/recovery")
    walk.check(page, "supervisor-recovery-cases")
    expect(page.locator("header nav [aria-current]")).to_have_text("Recovery cases")
    page.goto(forms[0])
    expect(page.locator("header nav [aria-current]")).to_have_text("Close the day")
    page.goto("/close-the-day")
    closes = [a.get_attribute("href") for a in page.locator("main a[href$='/close']").all()]
    if closes:
        page.goto(closes[0])
        walk.check(page, "supervisor-close-case")
        page.locator("main form button[type=submit]").last.click()
        walk.check(page, "supervisor-close-case-errors")
    for path, name in (("/glossary", "supervisor-glossary"), ("/escalations", "supervisor-escalations")):
        page.goto(path)
        walk.check(page, name)
    sam = device(TABLET)
    sign_in(sam, "sam")
    walk.check(sam, "supervisor-queue")
    classify = [a.get_attribute("href") for a in sam.locator("main a[href$='/classify']").all()]
    if classify:
        sam.goto(classify[0])
        walk.check(sam, "supervisor-classify")
    walk.assert_clean()
