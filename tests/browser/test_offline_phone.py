"""Offline field capture on a phone (390x844) in Debian's chromium: olu loads My day, loses the network, opens a
case from the device, logs attempts that wait in the outbox (IndexedDB) through a reload and a browser restart,
and sees them reach the server with their original recorded_at when the network is back. Also: a replayed batch
creates nothing, a 500 keeps the entries, an expired session keeps them until olu signs in again, a device clock
three hours off is flagged on the records, a rejected entry is corrected or discarded, signing out warns and keeps
them, and a supervisor's disposition (2c) works offline too.

How the network is cut: `context.set_offline(True)`. In this Playwright (1.65) with Debian's chromium it applies
DevTools network emulation to every target of the context, the service worker included: the worker's own fetch()
fails with "Failed to fetch" and its navigator.onLine is false (checked when this was written), so the pages,
the worker and the outbox meet the same dead network a phone in a basement does. Nothing is stubbed: the service
worker really falls back to its caches and really stores the entries. Where a test needs a server that answers
badly (500, 503) it routes /api/v1/sync at the context, which sees the page's requests (the worker never handles
/api/ requests).

These tests get their own demo server (module scope): the entries they send must not change the cases the other
screens' tests read."""
import json
import re
import struct
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from .conftest import CHROMIUM, CHROMIUM_ARGS, PHONE, demo_server
from .pages import ConsoleWatch, assert_no_overflow, sign_in

PHONE_ZONE = ZoneInfo(PHONE["timezone_id"])
OUTBOX = "() => ContinuityOutbox.all()"
CACHES = "() => caches.keys()"
DETAIL = "Offered {day} at 14:00 with the same counsellor"


@pytest.fixture(scope="module")
def offline_server(demo_database, tmp_path_factory):
    with demo_server(demo_database, tmp_path_factory.mktemp("offline-db")) as served:
        yield served


@pytest.fixture
def server_url(offline_server):
    return offline_server[0]


@pytest.fixture
def server_app(offline_server):
    return offline_server[1]


def new_phone(browser, base_url):
    context = browser.new_context(base_url=base_url, **PHONE)
    context.set_default_timeout(10_000)
    return context


@pytest.fixture
def phone_ctx(chromium_browser, server_url):
    context = new_phone(chromium_browser, server_url)
    yield context
    context.close()


def watched(page):
    page.console = ConsoleWatch(page)
    return page


def group(page, legend: str):
    return page.get_by_role("group", name=legend, exact=True)


def when(days: int = 2) -> str:
    return (datetime.now() + timedelta(days=days)).strftime("%a %d %b")


def bar(page):
    return page.locator("#outbox-bar")


# --- steps ---------------------------------------------------------------------------------------------

def my_day_ready_offline(page, username="olu"):
    """Sign in, land on the home screen, and wait until the service worker controls the page and has
    stored today's cases (the page says so)."""
    sign_in(page, username)
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    page.evaluate("() => navigator.serviceWorker.ready.then(() => true)")
    expect(page.locator("#offline-ready")).to_contain_text("Ready offline")
    return int(page.locator("#offline-ready").get_attribute("data-cached"))


def open_case_links(page):
    """My day's open cases (an attempt form, not the 2a form): their addresses."""
    cards = page.locator("main article.item").filter(has=page.locator(".item-head .status", has_text=re.compile("^Open$")))
    return [card.locator(".item-head a").first.get_attribute("href") for card in cards.all()]


def fill_attempt(page, detail: str, outcome="No answer"):
    form = page.locator("form[data-outbox=attempt]")
    group(page, "Channel used").locator("input[type=radio]").first.check()
    group(page, "Outcome").get_by_label(outcome, exact=True).check()
    more = page.locator("details[data-attempt-more]")
    if more.get_attribute("open") is None:
        more.locator("> summary").click()
    group(page, "Barrier signal received").get_by_label("None", exact=True).check()
    offered = form.locator("input[name=rescue_option]").evaluate_all("els => els.map(e => e.value)")
    option = next(v for v in ("alternate_slot", "rebook", "make_up_session") if v in offered)
    form.locator(f"input[name=rescue_option][value={option}]").check()
    page.get_by_label("What exactly was offered").fill(detail)


def save_offline(page, detail: str, outcome="No answer"):
    fill_attempt(page, detail, outcome)
    page.get_by_role("button", name="Save attempt").click()
    expect(page.get_by_role("heading", name="Saved on this device")).to_be_visible()


def entries(page) -> list[dict]:
    return page.evaluate(OUTBOX)


def wait_for_outbox(page, count: int):
    page.wait_for_function("n => ContinuityOutbox.all().then(list => list.length === n)", arg=count)


def server_attempts(app, client_ids) -> list:
    from pwa.extensions import db
    from pwa.recovery.models import RecoveryAttempt

    with app.app_context():
        rows = db.session.query(RecoveryAttempt).filter(RecoveryAttempt.client_id.in_(list(client_ids))).all()
        found = [{"client_id": r.client_id, "recorded_at": r.recorded_at, "clock_flagged": r.clock_flagged,
                  "clock_offset_seconds": r.clock_offset_seconds, "rescue_detail": r.rescue_detail,
                  "recovery_case_id": r.recovery_case_id} for r in rows]
        db.session.remove()
    return found


def attempt_count(app) -> int:
    from pwa.extensions import db
    from pwa.recovery.models import RecoveryAttempt

    with app.app_context():
        count = db.session.query(RecoveryAttempt).count()
        db.session.remove()
    return count


def idle_for(app, username: str, hours: int):
    """The user's open sign-ins were last seen `hours` ago: the server's idle timeout ends them."""
    from pwa.accounts.models import SignInSession, User
    from pwa.extensions import db

    with app.app_context():
        user = db.session.query(User).filter_by(username=username).one()
        for record in db.session.query(SignInSession).filter_by(user_id=user.id, ended_at=None):
            record.last_seen_at = datetime.now(timezone.utc) - timedelta(hours=hours)
        db.session.commit()
        db.session.remove()


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


# --- the must-show: offline, reload, restart, back online -----------------------------------------------

def test_attempts_logged_offline_survive_a_reload_and_a_restart_and_sync_with_their_times(
        chromium_browser, server_url, server_app, tmp_path, shoot):
    profile = tmp_path / "profile"

    def launch(offline=False):
        """A browser on the profile folder (cookies, IndexedDB, caches and the service worker kept on disk)."""
        context = chromium_browser.browser_type.launch_persistent_context(str(profile), executable_path=CHROMIUM, headless=True,
                                                     args=CHROMIUM_ARGS, base_url=server_url, offline=offline, **PHONE)
        context.set_default_timeout(10_000)
        return context

    context = launch()
    page = watched(context.pages[0] if context.pages else context.new_page())
    cached = my_day_ready_offline(page)
    links = open_case_links(page)
    assert links and cached >= len(links), (cached, links)
    case_url = links[0]
    recovery_id = int(case_url.rsplit("/", 1)[1])
    shoot(page, "offline-01-my-day-ready")

    # --- no signal: the case opens from the device -------------------------------------------------------
    context.set_offline(True)
    page.locator(f"main a.strong[href='{case_url}']").click()
    expect(page).to_have_url(re.compile(rf"{case_url}$"))
    expect(page.get_by_role("heading", name="Log an attempt")).to_be_visible()
    assert page.evaluate("() => document.documentElement.hasAttribute('data-from-cache')")
    expect(bar(page).locator(".tag.offline")).to_have_text("Offline")
    # The stored page's time is stale: offline, "when it happened" starts at the device's now.
    shown = datetime.strptime(page.get_by_label("When the attempt happened").input_value(), "%Y-%m-%dT%H:%M")
    now = datetime.now(timezone.utc).astimezone(PHONE_ZONE).replace(tzinfo=None)
    assert abs((shown - now).total_seconds()) < 120, (shown, now)

    # --- three attempts, each saved on the device with its own client_id -----------------------------------
    for n in range(3):
        save_offline(page, DETAIL.format(day=when(n + 2)) + f" (try {n + 1})")
        expect(bar(page).locator(".outbox-count")).to_have_text(f"{n + 1} waiting to send")
        if n == 0:
            shoot(page, "offline-02-saved-on-device")
            assert_no_overflow(page)
        if n < 2:
            page.get_by_role("link", name="Log another attempt").click()
            expect(page.get_by_role("heading", name="Log an attempt")).to_be_visible()
    stored = entries(page)
    assert len(stored) == 3 and len({e["client_id"] for e in stored}) == 3, stored
    assert {e["kind"] for e in stored} == {"attempt"} and {e["author"] for e in stored} == {"olu"}
    assert {e["recovery_case_id"] for e in stored} == {recovery_id}
    for entry in stored:
        assert set(entry["payload"]) >= {"attempt_at", "channel", "outcome", "barrier_signal", "rescue_option",
                                         "rescue_detail"}, entry["payload"]
        assert not {"csrf_token", "client_id", "recorded_at"} & set(entry["payload"])
    recorded = {e["client_id"]: utc(e["recorded_at"]) for e in stored}
    # The browser was asked to keep the outbox under storage pressure (on the first entry).
    page.wait_for_function("() => ContinuityOutbox.getMeta('persist').then(p => p !== undefined)")

    # --- reload, still offline: the case page shows them waiting --------------------------------------------
    page.reload()
    expect(page.get_by_role("heading", name="Log an attempt")).to_be_visible()
    expect(page.locator("#device-entries li")).to_have_count(3)
    expect(bar(page).locator(".outbox-count")).to_have_text("3 waiting to send")
    # The case's own count and its timeline include them: nobody logs the same attempt twice.
    logged = int(page.locator("a.attempt-count").get_attribute("data-logged"))
    expect(page.locator("a.attempt-count")).to_have_text(f"{logged} logged + 3 on this device")
    expect(page.locator("#attempts-h .count")).to_have_text(str(logged + 3))
    expect(page.locator("ol[aria-labelledby=attempts-h] > li.from-device")).to_have_count(3)
    expect(page.locator("ol[aria-labelledby=attempts-h] > li.from-device").first).to_contain_text("On this device: waiting to send")
    shoot(page, "offline-03-waiting-after-reload")
    assert_no_overflow(page)
    page.console.assert_clean()

    # --- the browser closes and opens again on the same profile, still offline --------------------------------
    # The restart ends the browser session (its cookie). Whether the stored case pages are still there depends
    # on whether the worker met the server while the browser started (Background Sync, or the emulated network
    # reaching a just-started worker a moment late): the server's 401 or sign-in page deletes them, as the end
    # of a sign-in does (tests/browser/test_device_data.py). The outbox's entries are kept either way.
    context.close()
    context = launch(offline=True)
    context.set_offline(True)
    page = watched(context.pages[0] if context.pages else context.new_page())
    page.goto("/outbox")
    assert sorted(e["client_id"] for e in entries(page)) == sorted(recorded)
    assert server_attempts(server_app, recorded) == []

    # --- the network is back: everything reaches the server once, with its original recorded_at ----------------
    context.set_offline(False)
    signed_in = page.evaluate("() => fetch('/api/v1/session').then(r => r.status)")
    if signed_in == 401:  # the restart ended the browser session: the entries wait for the sign-in
        page.reload()
        assert len(entries(page)) == 3
        page.wait_for_function("() => caches.keys().then(k => !k.includes('continuity-pages-v1'))")  # any 401
        sign_in(page, "olu")
        page.goto(case_url)
    expect(bar(page).locator(".outbox-count")).to_have_text("Nothing waiting to send")
    expect(bar(page).locator(".outbox-sync")).to_contain_text("Last sync")
    expect(page.locator("#device-entries")).to_be_hidden()
    on_server = server_attempts(server_app, recorded)
    assert sorted(a["client_id"] for a in on_server) == sorted(recorded), "each attempt once"
    for attempt in on_server:
        assert attempt["recorded_at"] == recorded[attempt["client_id"]], attempt
        assert attempt["recovery_case_id"] == recovery_id
        assert not attempt["clock_flagged"]
    page.reload()
    expect(page.locator("ol[aria-labelledby=attempts-h] > li").filter(has_text="(try 3)")).to_have_count(1)
    shoot(page, "offline-04-synced")
    page.console.assert_clean()
    context.close()




# --- what the server answers: a 500 keeps everything, a replay creates nothing -------------------------------

def flushes_done(page):
    """No flush running or queued, in the page or the service worker (they share one Web Lock)."""
    page.wait_for_function("""() => navigator.locks.query().then(state =>
        ![...state.held, ...state.pending].some(lock => lock.name === 'continuity-outbox-flush'))""")


def without_background_sync(browser, origin: str):
    """Deny the background-sync permission to `origin` in the contexts that show it (DevTools Protocol).
    The override lasts as long as the returned session: keep it until the test ends."""
    cdp = browser.new_browser_cdp_session()
    contexts = {t["browserContextId"] for t in cdp.send("Target.getTargets")["targetInfos"]
                if t["url"].startswith(origin)}
    for context_id in contexts:
        cdp.send("Browser.setPermission", {"permission": {"name": "background-sync"}, "setting": "denied",
                                           "origin": origin, "browserContextId": context_id})
    return cdp


def assert_clean_but(page, allowed: str):
    """The console watch, less the one resource error the test provoked on purpose."""
    left = [p for p in page.console.problems if not re.search(allowed, p)]
    assert not left, "browser console problems:\n" + "\n".join(left)


def test_a_500_keeps_the_batch_and_a_replayed_batch_creates_nothing(chromium_browser, phone_ctx, server_url, server_app):
    page = watched(phone_ctx.new_page())
    my_day_ready_offline(page)
    # Only the page sends here (on `online`, then "Sync now"): Background Sync would fire at a moment of the
    # browser's choosing and race the steps below. The worker's own sending has its test further down.
    no_background_sync = without_background_sync(chromium_browser, server_url)
    assert page.evaluate("navigator.permissions.query({name: 'background-sync'}).then(p => p.state)") == "denied"
    case_url = open_case_links(page)[-1]
    phone_ctx.set_offline(True)
    page.goto(case_url)
    save_offline(page, DETAIL.format(day=when(3)) + " (500 first)")
    page.get_by_role("link", name="Log another attempt").click()
    save_offline(page, DETAIL.format(day=when(4)) + " (500 second)")
    saved = entries(page)
    before = attempt_count(server_app)

    sent = []

    def broken(route):
        sent.append(route.request.post_data_json)
        route.fulfill(status=500, content_type="text/html", body="<h1>Internal Server Error</h1>")

    phone_ctx.route("**/api/v1/sync", broken)
    phone_ctx.set_offline(False)  # the page flushes on `online`
    expect(bar(page).locator(".outbox-problem")).to_contain_text("error 500")
    flushes_done(page)
    expect(bar(page).locator(".outbox-count")).to_have_text("2 waiting to send")
    assert sent and sorted(e["client_id"] for e in sent[0]["entries"]) == sorted(e["client_id"] for e in saved)
    assert sent[0]["device_id"] and sent[0]["sent_at"]
    assert len(entries(page)) == 2 and attempt_count(server_app) == before

    # The server is back: "Sync now" sends them; both are created.
    phone_ctx.unroute("**/api/v1/sync")
    with page.expect_response("**/api/v1/sync") as answered:
        page.get_by_role("button", name="Sync now").click()
    assert [r["status"] for r in answered.value.json()["results"]] == ["created", "created"]
    expect(bar(page).locator(".outbox-count")).to_have_text("Nothing waiting to send")
    assert attempt_count(server_app) == before + 2

    # The acknowledgement was lost (say the phone died as it arrived): the same entries go again and
    # the server answers that it has them; nothing new is created and the outbox empties.
    page.evaluate("list => Promise.all(list.map(e => ContinuityOutbox.put(e)))", saved)
    expect(bar(page).locator(".outbox-count")).to_have_text("2 waiting to send")
    with page.expect_response("**/api/v1/sync") as replayed:
        page.get_by_role("button", name="Sync now").click()
    results = replayed.value.json()["results"]
    assert [r["status"] for r in results] == ["duplicate", "duplicate"], results
    expect(bar(page).locator(".outbox-count")).to_have_text("Nothing waiting to send")
    assert attempt_count(server_app) == before + 2
    assert len(server_attempts(server_app, [e["client_id"] for e in saved])) == 2
    assert_clean_but(page, r"status of 500 ")
    no_background_sync.detach()


def test_the_service_worker_sends_on_background_sync_with_no_page_open(phone_ctx, server_app):
    page = watched(phone_ctx.new_page())
    my_day_ready_offline(page)
    case_url = open_case_links(page)[0]
    phone_ctx.set_offline(True)
    page.goto(case_url)
    save_offline(page, DETAIL.format(day=when(2)) + " (background sync)")
    [entry] = entries(page)
    page.goto("about:blank")  # the app is closed: no page of it is left to send
    senders = []
    phone_ctx.on("request", lambda r: senders.append(r.service_worker) if r.url.endswith("/api/v1/sync") else None)
    phone_ctx.set_offline(False)  # Chromium fires the worker's "sync" event once it sees the network back
    for _ in range(100):
        if server_attempts(server_app, [entry["client_id"]]):
            break
        page.wait_for_timeout(100)
    assert len(server_attempts(server_app, [entry["client_id"]])) == 1
    assert senders and all(worker is not None for worker in senders), "sent by the service worker"
    page.goto(case_url)
    expect(bar(page).locator(".outbox-count")).to_have_text("Nothing waiting to send")
    expect(bar(page).locator(".outbox-sync")).to_contain_text("Last sync")


# --- an expired session, a device clock three hours ahead ----------------------------------------------------

def test_an_expired_session_keeps_the_entries_until_the_worker_signs_in_again(phone_ctx, server_app, shoot):
    page = watched(phone_ctx.new_page())
    my_day_ready_offline(page)
    case_url = open_case_links(page)[0]
    phone_ctx.set_offline(True)
    page.goto(case_url)
    save_offline(page, DETAIL.format(day=when(2)) + " (session ended)")
    [first] = entries(page)
    page.get_by_role("link", name="Log another attempt").click()
    expect(page.get_by_role("heading", name="Log an attempt")).to_be_visible()

    # While the phone is away its sign-in goes idle past the server's timeout (IDLE_TIMEOUT_MINUTES).
    idle_for(server_app, "olu", hours=2)
    phone_ctx.set_offline(False)
    expect(bar(page).locator(".outbox-problem")).to_contain_text("Sign in again")
    expect(bar(page).locator(".outbox-count")).to_have_text("1 waiting to send")
    assert [e["client_id"] for e in entries(page)] == [first["client_id"]]

    # The form still on the screen is saved with the network back but no sign-in: the server answers
    # with the sign-in page, and the entry is kept on the device instead of being lost.
    save_offline(page, DETAIL.format(day=when(3)) + " (saved signed out)")
    expect(page.locator(".saved-device")).to_contain_text("You were signed out")
    shoot(page, "offline-10-saved-while-signed-out")
    second = next(e for e in entries(page) if e["client_id"] != first["client_id"])
    assert second["author"] == "olu"
    assert server_attempts(server_app, [first["client_id"], second["client_id"]]) == []

    page.get_by_role("link", name="Sign in again").click()
    expect(bar(page).locator(".outbox-others")).to_contain_text("2 entries saved by olu wait for olu to sign in")
    sign_in(page, "olu")
    expect(bar(page).locator(".outbox-count")).to_have_text("Nothing waiting to send")
    stored = {a["client_id"]: a for a in server_attempts(server_app, [first["client_id"], second["client_id"]])}
    assert stored[first["client_id"]]["recorded_at"] == utc(first["recorded_at"])
    assert stored[second["client_id"]]["recorded_at"] == utc(second["recorded_at"])
    assert_clean_but(page, r"status of 401 ")


def test_a_device_clock_three_hours_ahead_is_flagged_on_the_record(chromium_browser, server_url, server_app, shoot):
    context = new_phone(chromium_browser, server_url)
    page = watched(context.new_page())
    my_day_ready_offline(page)
    case_url = open_case_links(page)[0]
    real_now = datetime.now(timezone.utc)
    page.clock.install(time=real_now + timedelta(hours=3))  # the phone's clock runs three hours ahead
    # Playwright's clock runs in the page only; the service worker keeps the real time. On a phone both
    # read the same clock, so here the page must be the one that sends (with its own sent_at): this browser
    # is made one without Background Sync, like Safari (the page then flushes on `online`, as it does there).
    no_background_sync = without_background_sync(chromium_browser, server_url)
    assert page.evaluate("navigator.permissions.query({name: 'background-sync'}).then(p => p.state)") == "denied"
    context.set_offline(True)
    page.goto(case_url)
    save_offline(page, DETAIL.format(day=when(3)) + " (clock ahead)")
    [entry] = entries(page)
    assert abs((utc(entry["recorded_at"]) - real_now).total_seconds() - 3 * 3600) < 120, entry["recorded_at"]
    context.set_offline(False)
    expect(bar(page).locator(".outbox-count")).to_have_text("Nothing waiting to send")
    [stored] = server_attempts(server_app, [entry["client_id"]])
    assert stored["clock_flagged"], stored
    assert abs(stored["clock_offset_seconds"] + 3 * 3600) < 120, stored
    no_background_sync.detach()
    context.close()

    # The supervisor sees the flag on the attempt.
    context = new_phone(chromium_browser, server_url)
    page = watched(context.new_page())
    sign_in(page, "sade")
    page.goto(case_url)
    flagged = page.locator("ol[aria-labelledby=attempts-h] > li").filter(has_text="(clock ahead)")
    expect(flagged.locator(".tag.warn")).to_have_text("Device clock off by 3 h (ahead)")
    shoot(page, "offline-08-clock-flagged-for-supervisor")
    page.console.assert_clean()
    context.close()


# --- a rejected entry: its reasons, corrected and resent, or discarded -----------------------------------------

def test_a_rejected_entry_shows_its_reasons_and_is_corrected_or_discarded(phone_ctx, server_app, shoot):
    page = watched(phone_ctx.new_page())
    my_day_ready_offline(page)
    case_url = open_case_links(page)[0]
    phone_ctx.set_offline(True)
    page.goto(case_url)
    save_offline(page, "Please call us back")  # a generic callback: refused by rule
    page.get_by_role("link", name="Log another attempt").click()
    save_offline(page, "Offered another slot with the team soon")  # a slot with no day and time
    generic, vague = entries(page)
    phone_ctx.set_offline(False)
    expect(bar(page).locator(".outbox-rejected")).to_contain_text("2 entries not accepted")
    assert {e["state"] for e in entries(page)} == {"rejected"}
    assert server_attempts(server_app, [generic["client_id"], vague["client_id"]]) == []

    bar(page).get_by_role("link", name="review and correct").click()
    expect(page).to_have_url(re.compile(r"/outbox$"))
    cards = page.locator("article.outbox-entry")
    expect(cards).to_have_count(2)
    expect(cards.nth(0)).to_contain_text("A generic callback is not a rescue")
    expect(cards.nth(1)).to_contain_text("Name the new slot")
    expect(cards.nth(0).locator(".item-head a")).to_have_text(generic["case_label"])
    shoot(page, "offline-05-outbox-rejected")
    assert_no_overflow(page)

    # Discard asks first (in the page), then the entry is gone for good.
    expect(cards.nth(1).locator(".discard-confirm")).to_be_hidden()
    cards.nth(1).get_by_role("button", name="Discard", exact=True).click()
    expect(cards.nth(1).locator(".discard-confirm")).to_be_visible()
    expect(cards.nth(1).locator(".discard-confirm")).to_contain_text("cannot be brought back")
    expect(cards.nth(1).locator(".entry-actions")).to_be_hidden()
    shoot(page, "offline-06-discard-confirm")
    cards.nth(1).get_by_role("button", name="Keep it").click()
    expect(cards).to_have_count(2)
    cards.nth(1).get_by_role("button", name="Discard", exact=True).click()
    cards.nth(1).get_by_role("button", name="Discard for good").click()
    expect(cards).to_have_count(1)
    assert [e["client_id"] for e in entries(page)] == [generic["client_id"]]

    # Correct: the case's form with the entry's answers and the server's reason next to the field.
    cards.nth(0).get_by_role("link", name="Correct").click()
    expect(page).to_have_url(re.compile(r"\?outbox="))
    form = page.locator("form[data-outbox=attempt]")
    detail = page.get_by_label("What exactly was offered")
    expect(detail).to_have_value("Please call us back")
    expect(form.locator(".field.invalid:has(#rescue_detail) p.error")).to_contain_text("generic callback")
    expect(form.locator("input[name=client_id]")).to_have_value(generic["client_id"])
    for name in ("channel", "outcome", "barrier_signal", "rescue_option"):
        expect(form.locator(f"input[name={name}][value={generic['payload'][name]}]")).to_be_checked()
    shoot(page, "offline-07-correcting")
    detail.fill(DETAIL.format(day=when(5)) + " (corrected)")
    page.get_by_role("button", name="Save attempt").click()
    expect(page.get_by_role("status")).to_have_text("Attempt saved.")
    expect(bar(page).locator(".outbox-count")).to_have_text("Nothing waiting to send")
    expect(bar(page).locator(".outbox-rejected")).to_have_count(0)
    page.wait_for_function("() => ContinuityOutbox.all().then(list => list.length === 0)")
    [stored] = server_attempts(server_app, [generic["client_id"]])
    assert stored["rescue_detail"].endswith("(corrected)")
    page.console.assert_clean()


# --- signing out with entries waiting ------------------------------------------------------------------------

def test_signing_out_with_entries_waiting_warns_and_keeps_them(phone_ctx, server_app, shoot):
    page = watched(phone_ctx.new_page())
    my_day_ready_offline(page)
    case_url = open_case_links(page)[0]
    phone_ctx.set_offline(True)
    page.goto(case_url)
    save_offline(page, DETAIL.format(day=when(2)) + " (signed out)")
    [entry] = entries(page)
    # The network is back but the server is not taking entries yet: the entry stays.
    phone_ctx.route("**/api/v1/sync", lambda route: route.fulfill(status=503, body="Service Unavailable"))
    phone_ctx.set_offline(False)
    expect(bar(page).locator(".outbox-problem")).to_contain_text("error 503")

    page.get_by_role("button", name="Sign out").click()
    warning = page.locator("#signout-warning")
    expect(warning).to_contain_text("1 entry is still on this device; it stays here and is sent when you sign in again.")
    expect(page).not_to_have_url(re.compile(r"/sign-in"))
    shoot(page, "offline-09-sign-out-warning")
    assert_no_overflow(page)
    warning.get_by_role("button", name="Sync first").click()
    expect(bar(page).locator(".outbox-problem")).to_contain_text("error 503")
    expect(warning).to_contain_text("1 entry is still on this device")
    warning.get_by_role("button", name="Sign out anyway").click()
    page.wait_for_url("**/sign-in")

    # Signed out: the entry is still here, the stored pages (personal data) are not.
    assert [e["client_id"] for e in entries(page)] == [entry["client_id"]]
    assert "continuity-pages-v1" not in page.evaluate(CACHES)
    expect(bar(page).locator(".outbox-others")).to_contain_text("1 entry saved by olu wait for olu to sign in")
    phone_ctx.unroute("**/api/v1/sync")
    sign_in(page, "olu")
    expect(bar(page).locator(".outbox-count")).to_have_text("Nothing waiting to send")
    assert len(server_attempts(server_app, [entry["client_id"]])) == 1
    assert_clean_but(page, r"status of 503 ")


# --- a disposition (2c) offline --------------------------------------------------------------------------------

def test_a_supervisor_locks_a_disposition_with_no_network(phone_ctx, server_app, shoot):
    from pwa.extensions import db
    from pwa.recovery.models import RecoveryDisposition

    page = watched(phone_ctx.new_page())
    cached = my_day_ready_offline(page, "sade")
    links = page.locator("main a[data-offline-case]")
    assert cached >= links.count() > 0
    link = links.first
    href = link.get_attribute("href")
    recovery_id = int(re.search(r"/recovery/(\d+)/disposition$", href).group(1))
    phone_ctx.set_offline(True)
    link.click()
    expect(page.get_by_role("button", name="Lock disposition")).to_be_visible()
    group(page, "Continuity restored?").get_by_label("No", exact=True).check()
    routes = group(page, "Replacement contact route (must be viable)").locator("label.choice:not(.failed) input")
    routes.first.check()
    page.get_by_label("Unresolved barrier count").fill("1")
    group(page, "Locked instruction (exactly one)").get_by_label("Continued outreach", exact=True).check()
    page.get_by_label("Who carries on the outreach").fill("olu")
    page.get_by_label("Review date").fill((datetime.now(PHONE_ZONE).date() + timedelta(days=7)).isoformat())
    page.get_by_role("button", name="Lock disposition").click()  # not confirmed: nothing kept
    expect(page.locator("#confirm_lock-error")).to_be_visible()
    assert entries(page) == []
    page.locator("input[name=confirm_lock]").check()
    page.get_by_role("button", name="Lock disposition").click()
    expect(page.get_by_role("heading", name="Saved on this device")).to_be_visible()
    [entry] = entries(page)
    assert entry["kind"] == "disposition" and entry["recovery_case_id"] == recovery_id
    assert entry["payload"]["continuity_evidence"] == []
    phone_ctx.set_offline(False)
    expect(bar(page).locator(".outbox-count")).to_have_text("Nothing waiting to send")
    page.get_by_role("link", name="What is on this device").click()  # online: the server's fragment
    expect(page.get_by_role("heading", name="On this device")).to_be_visible()
    expect(page.locator("header")).to_have_count(1)
    expect(page.locator("[data-outbox-view]")).to_contain_text("Nothing of yours is waiting on this device.")
    with server_app.app_context():
        stored = db.session.query(RecoveryDisposition).filter_by(client_id=entry["client_id"]).all()
        assert [(d.recovery_case_id, d.locked_instruction) for d in stored] == [(recovery_id, "continued_outreach")]
        db.session.remove()
    page.console.assert_clean()


# --- installable: the manifest, the icons, the shell's versions ------------------------------------------------

def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return struct.unpack(">II", data[16:24])


def test_the_manifest_is_valid_linked_and_the_app_installable(chromium_browser, server_url, tmp_path):
    # A profile on disk: Chromium never offers to install from an incognito-like context (Playwright's default).
    context = chromium_browser.browser_type.launch_persistent_context(
        str(tmp_path / "profile"), executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS, base_url=server_url,
        **PHONE)
    page = watched(context.pages[0] if context.pages else context.new_page())
    page.goto("/sign-in")
    href = page.locator("link[rel=manifest]").get_attribute("href")
    assert href == "/manifest.webmanifest"
    response = page.request.get(href)
    assert response.headers["content-type"].startswith("application/manifest+json")
    manifest = json.loads(response.body())
    assert manifest["name"] == "Continuity" and manifest["short_name"]
    assert (manifest["display"], manifest["start_url"], manifest["scope"]) == ("standalone", "/", "/")
    assert manifest["theme_color"] == page.locator("meta[name=theme-color]").get_attribute("content")
    sizes = {}
    for icon in manifest["icons"]:
        if icon["type"] != "image/png":
            continue
        width, height = png_size(page.request.get(icon["src"]).body())
        assert icon["sizes"] == f"{width}x{height}", icon
        sizes.setdefault(icon.get("purpose", "any"), set()).add(width)
    assert sizes == {"any": {192, 512}, "maskable": {512}}, sizes
    apple = page.locator("link[rel=apple-touch-icon]").get_attribute("href")
    assert png_size(page.request.get(apple).body()) == (180, 180)

    # Chromium's own reading: the manifest parses without errors and nothing stops installing the app
    # (that needs the service worker in control with a fetch handler, and the icons).
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    cdp = context.new_cdp_session(page)
    parsed = cdp.send("Page.getAppManifest")
    assert parsed["errors"] == [], parsed["errors"]
    assert cdp.send("Page.getInstallabilityErrors")["installabilityErrors"] == []
    page.console.assert_clean()
    context.close()


def test_a_new_shell_version_deletes_the_old_cache_and_keeps_pages_and_outbox(phone_ctx):
    page = watched(phone_ctx.new_page())
    my_day_ready_offline(page)
    names = page.evaluate(CACHES)
    [old] = [n for n in names if n.startswith("continuity-shell-")]
    assert old == "continuity-shell-" + page.evaluate(
        "new URL(document.body.dataset.serviceWorker, location.href).searchParams.get('v')")
    assert "continuity-pages-v1" in names
    page.evaluate("() => ContinuityOutbox.setMeta('kept', 'yes')")

    # A release changes the shell's files, so pages register the worker under a new version.
    page.evaluate("""url => navigator.serviceWorker.register(url).then(r => new Promise(done => {
        const check = () => r.active && r.active.scriptURL.endsWith(url) ? done() : setTimeout(check, 50);
        check(); }))""", "/sw.js?v=next-release")
    page.wait_for_function("""() => caches.keys().then(k => k.includes('continuity-shell-next-release')
        && !k.some(n => n.startsWith('continuity-shell-') && n !== 'continuity-shell-next-release'))""")
    assert "continuity-pages-v1" in page.evaluate(CACHES), "stored pages are kept across releases"
    assert page.evaluate("() => ContinuityOutbox.getMeta('kept')") == "yes"
    # The new shell serves offline.
    phone_ctx.set_offline(True)
    page.goto("/outbox")
    expect(page.get_by_role("heading", name="On this device")).to_be_visible()
    page.goto("/somewhere-not-stored")
    expect(page.get_by_role("heading", name="No connection")).to_be_visible()
    expect(page.locator("#offline-pages a").first).to_be_visible()
    page.console.assert_clean()
