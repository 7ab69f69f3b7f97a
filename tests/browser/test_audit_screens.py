"""Every worker and coordinator screen at phone size (390x844), and every supervisor screen at tablet size
(1024x768), in their empty, error, saved and offline states: axe-core finds nothing, no text in <main> is
under 16 px, every target is 44x44 px or spaced (WCAG 2.2 2.5.8), nothing scrolls sideways (audit.py).
The walk runs on its own copy of the demo (it saves things). Screenshots go to test-artifacts/audit-*.png."""
import re

import pytest
from playwright.sync_api import expect

from .audit import Walk
from .conftest import PHONE, demo_server
from .pages import TABLET, sign_in


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
                       ("/offline", "worker-offline-pages")):
        page.goto(path)
        walk.check(page, name)
    walk.assert_clean()


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
    page.goto("/today")
    events = [a.get_attribute("href") for a in page.locator("main a[href*='/missed-contacts/']").all()]
    for number, href in enumerate(dict.fromkeys(h for h in events if re.search(r"/missed-contacts/\d+$", h))):
        page.goto(href)
        walk.check(page, f"coordinator-event-{number}")
        release = page.get_by_role("link", name=re.compile("release", re.I))
        if release.count():
            release.first.click()
            walk.check(page, f"coordinator-release-{number}")
    page.goto("/threshold-reviews")
    walk.check(page, "coordinator-reviews")
    for number, href in enumerate([a.get_attribute("href") for a in page.locator("main a[href*='/threshold-reviews/']").all()][:3]):
        page.goto(href)
        walk.check(page, f"coordinator-review-{number}")
    walk.assert_clean()


def test_supervisor_screens_at_tablet_size(device, walk):
    page = device(TABLET)
    sign_in(page, "sade")
    walk.check(page, "supervisor-close-the-day")
    forms = [a.get_attribute("href") for a in page.locator("main a[href$='/disposition']").all()]
    assert forms
    page.goto(forms[0])
    walk.check(page, "supervisor-disposition")
    page.get_by_role("button", name=re.compile("^Lock")).click()
    walk.check(page, "supervisor-disposition-errors")
    page.goto("/recovery")
    walk.check(page, "supervisor-recovery-cases")
    sam = device(TABLET)
    sign_in(sam, "sam")
    walk.check(sam, "supervisor-queue")
    classify = [a.get_attribute("href") for a in sam.locator("main a[href$='/classify']").all()]
    if classify:
        sam.goto(classify[0])
        walk.check(sam, "supervisor-classify")
    walk.assert_clean()
