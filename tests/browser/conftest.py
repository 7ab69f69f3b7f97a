"""Browser fixtures: the demo organisation on a live local server, and Debian's chromium.

pytest-playwright's own `browser`/`page` fixtures would launch a downloaded browser, so these
are named differently: `live_server` (base URL; `demo_server` starts another over a copy of the
`demo_database` built once per session), `chromium_browser`, `phone` (a 390x844 touch
context), `no_js_phone` (the same with JavaScript off) and `phone_page` (a page of `phone` with
its console watched). `shoot` saves full-page screenshots to test-artifacts/ (gitignored).
Every test in this folder is marked `browser` (`pytest -m "not browser"` leaves them out).
"""
import os
import shutil
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

from .pages import DEMO_SECRETS, ConsoleWatch

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True,
         "has_touch": True, "locale": "en-US", "timezone_id": "America/New_York"}


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)


ARCHIVE_KEY = []  # one archive signing key for every server of the session (kept out of instance/)


def _app(database: Path):
    from pwa import create_app
    from pwa.archive.checkpoint import generate_key
    from pwa.push.keys import generate_private_key

    # No sweeper runs beside these servers (its sweeps would move the demo under the tests): the
    # heartbeat written with the demo counts as fresh for a day, so no stale-sweep banner shows.
    if not ARCHIVE_KEY:
        ARCHIVE_KEY.append(generate_key())
    return create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}", "ARCHIVE_SIGNING_KEY": ARCHIVE_KEY[0],
                       "SECRET_KEY": "browser-tests", "VAPID_PRIVATE_KEY": generate_private_key(),
                       "SWEEP_STALE_SECONDS": 24 * 3600})


@pytest.fixture(scope="session")
def demo_database(tmp_path_factory) -> Path:
    """The migrated demo organisation in a SQLite file, built once (it takes seconds: every demo user's
    password is hashed); each server starts from a copy of it."""
    from flask_migrate import upgrade

    from pwa.demo import load_demo
    from pwa.extensions import db
    from pwa.sweeper import record_heartbeat

    path = tmp_path_factory.mktemp("demo-db") / "demo.sqlite"
    app = _app(path)
    with app.app_context():
        upgrade()
        load_demo()
        record_heartbeat(time.monotonic())
        db.session.commit()
        from pwa.accounts.mfa import TotpCredential
        from pwa.accounts.models import User

        DEMO_SECRETS.update(db.session.execute(db.select(User.username, TotpCredential.secret).join(
            TotpCredential, TotpCredential.user_id == User.id)).all())
        db.session.remove()
        db.engine.dispose()  # the last connection closes: SQLite folds its WAL into the file
    return path


@contextmanager
def demo_server(template: Path, folder: Path):
    """The app on 127.0.0.1 (a free port) over a copy of the demo database in `folder`.
    Yields (base URL, app): a test may read the server's database through the app."""
    from werkzeug.serving import make_server

    from pwa.extensions import db

    database = folder / "browser.sqlite"
    shutil.copyfile(template, database)
    app = _app(database)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", app
    finally:
        server.shutdown()
        thread.join(timeout=5)
        with app.app_context():
            db.engine.dispose()


@pytest.fixture(scope="session")
def live_server(demo_database, tmp_path_factory):
    """The demo organisation on a live local server, shared by the session's tests (base URL)."""
    with demo_server(demo_database, tmp_path_factory.mktemp("browser-db")) as (base_url, _app):
        yield base_url


@pytest.fixture(scope="session")
def chromium_browser():
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        reason = f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


def _context(browser, base_url, **extra):
    context = browser.new_context(base_url=base_url, **PHONE, **extra)
    context.set_default_timeout(10_000)
    return context


@pytest.fixture
def phone(chromium_browser, live_server):
    context = _context(chromium_browser, live_server)
    yield context
    context.close()


@pytest.fixture
def no_js_phone(chromium_browser, live_server):
    context = _context(chromium_browser, live_server, java_script_enabled=False)
    yield context
    context.close()


@pytest.fixture
def phone_page(phone):
    """A phone page whose console is watched (`phone_page.console.assert_clean()`).
    Not named `page`: that name would pull in pytest-playwright's browser parametrisation."""
    page = phone.new_page()
    page.console = ConsoleWatch(page)
    yield page
    page.close()


@pytest.fixture
def shoot(artifacts):
    """shoot(page, "name") saves test-artifacts/name.png (whole page)."""

    def _shoot(page, name: str) -> Path:
        # caret="initial": hiding the caret makes Playwright leave style="" on every input,
        # which htmx then copies onto swapped-in fields: a CSP style-src-attr violation that
        # only the test would have caused.
        target = artifacts / f"{name}.png"
        page.screenshot(path=str(target), full_page=True, caret="initial")
        return target

    return _shoot


@contextmanager
def page_opener(browser, base_url: str):
    """open(DEVICE, timeout_ms): a page of a new context on the server at base_url, its console watched.
    The contexts are closed at the end of the block."""
    contexts = []

    def _open(device: dict, timeout_ms: int = 10_000):
        context = browser.new_context(base_url=base_url, **device)
        context.set_default_timeout(timeout_ms)
        contexts.append(context)
        page = context.new_page()
        page.console = ConsoleWatch(page)
        return page

    try:
        yield _open
    finally:
        for context in contexts:
            context.close()


@pytest.fixture
def open_page(chromium_browser, live_server):
    """open_page(DEVICE, timeout_ms): a page on the live server (page_opener), closed after the test."""
    with page_opener(chromium_browser, live_server) as opener:
        yield opener


@pytest.fixture
def snap(shoot):
    """A whole-page screenshot from the top (a sticky header scrolled halfway would be drawn mid-page)."""

    def _snap(page, name):
        page.evaluate("window.scrollTo(0, 0)")
        return shoot(page, name)

    return _snap
