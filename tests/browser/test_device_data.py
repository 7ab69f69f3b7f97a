"""Nothing left on a shared or lost phone: the service worker deletes the stored case pages when the sign-in ends
by any path (the sign-out form, DELETE /api/v1/session, the server's idle timeout, any 401) and after they go
unused, and never serves them offline after that. Entries waiting to send are kept, and shown only to the user
who saved them once signed in again (Debian's chromium, a phone context, a demo server of its own)."""
import re

import pytest
from playwright.sync_api import expect

from .conftest import demo_server
from .pages import sign_in
from .test_offline_phone import (
    CACHES, DETAIL, OUTBOX, bar, idle_for, my_day_ready_offline, new_phone, open_case_links, save_offline, when,
)

PAGES = "continuity-pages-v1"
STORED = "() => caches.open('continuity-pages-v1').then(c => c.keys()).then(k => k.map(r => new URL(r.url).pathname))"


@pytest.fixture(scope="module")
def device_server(demo_database, tmp_path_factory):
    with demo_server(demo_database, tmp_path_factory.mktemp("device-db")) as served:
        yield served


@pytest.fixture
def ctx(chromium_browser, device_server):
    context = new_phone(chromium_browser, device_server[0])
    yield context
    context.close()


def stored(page) -> list[str]:
    return page.evaluate(STORED) if PAGES in page.evaluate(CACHES) else []


def ready(page) -> str:
    my_day_ready_offline(page)
    case_url = open_case_links(page)[0]
    page.wait_for_function(f"() => caches.open('{PAGES}').then(c => c.match('{case_url}')).then(Boolean)")
    return case_url


def offline_shows_no_case(ctx, page, case_url):
    ctx.set_offline(True)
    page.goto(case_url)
    expect(page.locator("body")).not_to_contain_text("Log an attempt")
    assert page.locator("html").get_attribute("data-from-cache") is None
    ctx.set_offline(False)


def test_delete_api_v1_session_deletes_the_stored_pages(ctx):
    page = ctx.new_page()
    case_url = ready(page)
    assert case_url in stored(page)
    status = page.evaluate("""() => fetch('/api/v1/session').then(r => r.json()).then(s => fetch('/api/v1/session',
        {method: 'DELETE', headers: {'X-CSRFToken': s.csrf_token}})).then(r => r.status)""")
    assert status == 204
    assert stored(page) == []
    offline_shows_no_case(ctx, page, case_url)


def test_the_servers_idle_ending_deletes_them_at_the_next_request(ctx, device_server):
    page = ctx.new_page()
    case_url = ready(page)
    idle_for(device_server[1], "olu", hours=2)
    page.goto("/recovery")
    page.wait_for_url(re.compile(r"/sign-in"))
    page.wait_for_function(f"() => caches.keys().then(k => !k.includes('{PAGES}'))")
    offline_shows_no_case(ctx, page, case_url)


def test_a_401_to_the_outbox_deletes_the_pages_and_keeps_the_entry(ctx, device_server):
    page = ctx.new_page()
    case_url = ready(page)
    ctx.set_offline(True)
    page.goto(case_url)
    save_offline(page, DETAIL.format(day=when(2)) + " (kept through a 401)")
    [entry] = page.evaluate(OUTBOX)
    idle_for(device_server[1], "olu", hours=2)
    ctx.set_offline(False)
    result = page.evaluate("() => ContinuityOutbox.flush()")
    assert result["status"] == "signed-out"
    assert stored(page) == []
    assert [e["client_id"] for e in page.evaluate(OUTBOX)] == [entry["client_id"]]


def test_pages_unused_for_longer_than_the_idle_timeout_are_not_served_offline(ctx):
    page = ctx.new_page()
    case_url = ready(page)
    # The phone lay unused: the last use of the stored pages was 8 days ago (beyond the idle timeout too).
    page.evaluate("() => ContinuityOutbox.setMeta('pages_used_at', Date.now() - 8 * 86400000)")
    ctx.set_offline(True)
    page.goto(case_url)
    expect(page.locator("body")).not_to_contain_text("Log an attempt")
    ctx.set_offline(False)
    assert stored(page) == []
    forgotten = page.evaluate("() => ContinuityOutbox.getMeta('pages_forgotten')")
    assert forgotten["why"] == "unused"


def test_waiting_entries_are_shown_only_to_their_author_once_signed_in_again(ctx):
    page = ctx.new_page()
    case_url = ready(page)
    label = page.evaluate("() => document.title")
    ctx.set_offline(True)
    page.goto(case_url)
    save_offline(page, DETAIL.format(day=when(2)) + " (hidden while signed out)")
    [entry] = page.evaluate(OUTBOX)
    ctx.route("**/api/v1/sync", lambda route: route.fulfill(status=503, body="Service Unavailable"))
    ctx.set_offline(False)
    page.goto("/recovery")
    page.get_by_role("button", name="Sign out").click()
    page.locator("#signout-warning").get_by_role("button", name="Sign out anyway").click()
    page.wait_for_url("**/sign-in")
    assert stored(page) == []
    # Signed out: the outbox page lists no entry, only that one waits for its author.
    page.goto("/outbox")
    expect(page.locator("[data-outbox-view]")).to_contain_text("stay here until they sign in on this device")
    expect(page.locator("[data-outbox-view]")).not_to_contain_text(entry["case_label"] or label)
    assert page.locator("[data-outbox-view] [data-client-id]").count() == 0
    # Another outreach worker signs in on the phone: still not shown to them, and not sent.
    sign_in(page, "otto")
    page.goto("/outbox")
    assert page.locator("[data-outbox-view] [data-client-id]").count() == 0
    expect(bar(page).locator(".outbox-others")).to_contain_text("1 entry saved by olu wait for olu to sign in")
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/sign-in")
    # The author again: the entry is theirs to see (and sends once the server takes entries).
    sign_in(page, "olu")
    expect(bar(page).locator(".outbox-count")).to_have_text("1 waiting to send")
    ctx.unroute("**/api/v1/sync")
    page.reload()
    expect(bar(page).locator(".outbox-count")).to_have_text("Nothing waiting to send")
    assert page.evaluate(OUTBOX) == []

