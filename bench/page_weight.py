"""Page weight: the bytes a phone downloads for the outreach worker's first visit to "My day" and for an
attempt form, as they go over the wire (compressed, headers included), against the 60 KB target.

    .venv/bin/python bench/page_weight.py            # the tables
    .venv/bin/python bench/page_weight.py --json     # the same figures as JSON

The app runs on 127.0.0.1 on a temporary SQLite database with the demo organisation (as the browser
tests' live server does), and Debian's chromium (/usr/bin/chromium, or CHROMIUM_PATH) is driven at phone
size (390x844) through Playwright. olu signs in through the sign-in form; then each measured visit starts
in a new browser context that carries only the session cookie: an empty HTTP cache, no service worker,
no Cache Storage.

Every byte is counted twice:
- on the server's socket: the status line, the headers and the body exactly as written to the connection
  (chunked framing included) for each request that reached the server, whoever made it (the page, htmx,
  the service worker's script and every fetch the worker makes, e.g. its precache). This is the table.
- in the browser: Chromium's own count of the bytes it received (Playwright's Request.sizes(), i.e. the
  DevTools encodedDataLength, for the page's and the service worker's requests). A request answered by
  the HTTP cache or by the service worker from its cache costs nothing and reaches no server. The two
  totals are printed side by side as a check.

Measured (each a table of its own):
  A. first visit to My day (/recovery): the document, CSS, scripts (htmx included), icons, manifest, the
     service worker script and whatever it downloads while installing, until the network is quiet;
  B. then, in the same tab, the attempt form of an open case assigned to olu, reached by tapping the case
     on My day (a boosted link: htmx fetches only the fragment, the shell stays);
  C. the same attempt form as a full page load with an empty cache (an address opened from a link);
  D. C's page loaded again in the same tab (warm: HTTP cache and the service worker's caches).
Left out of the totals: the sign-in page (a different screen, shown once per sign-in; the real first run,
the sign-in page then My day, is measured and printed for reference), and TCP/IP and TLS overhead (the
same for any page; this server is plain HTTP/1.1 on the loopback).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# As in tests/browser/conftest.py (kept apart: a benchmark does not import the test suite).
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True,
         "has_touch": True, "locale": "en-US", "timezone_id": "America/New_York"}
USER, PASSWORD = "olu", "continuity-demo"
TARGET_BYTES = 60_000  # "under 60 KB compressed": KB read as 1,000 bytes, the stricter reading
QUIET_SECONDS = 1.5     # the network counts as quiet after this long without a request reaching the server
MAX_WAIT_SECONDS = 20


# --- the server, counting what it writes to each connection ---------------------------------------

@dataclass
class Served:
    """One request that reached the server, and what it wrote back."""
    method: str
    path: str
    status: int
    wire_bytes: int          # status line + headers + body as written to the socket
    body_bytes: int          # the body alone (as encoded, before chunked framing)
    decoded_bytes: int | None  # the body before compression, when the app knew it
    encoding: str
    content_type: str
    dest: str                # Sec-Fetch-Dest: document, script, style, serviceworker, empty (fetch), ...
    htmx: bool
    by_worker: bool = False  # made by the service worker (from the browser's side; filled in later)
    browser_bytes: int | None = None  # the browser's own count for it (filled in later)


class _CountingWriter:
    def __init__(self, raw):
        self.raw, self.count, self.head = raw, 0, b""

    def write(self, data):
        self.count += len(data)
        if len(self.head) < 65536:
            self.head += bytes(data[:65536])
        return self.raw.write(data)

    def __getattr__(self, name):
        return getattr(self.raw, name)


_raw_length = threading.local()


def start_server(log: list[Served]):
    """The app with the demo organisation on 127.0.0.1 (a free port), as tests/browser/conftest.py does."""
    from flask import request
    from flask_migrate import upgrade
    from werkzeug.serving import WSGIRequestHandler, make_server

    from pwa import create_app
    from pwa.demo import load_demo
    from pwa.extensions import db
    from pwa.push.keys import generate_private_key

    folder = tempfile.TemporaryDirectory(prefix="page-weight-")
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder.name}/bench.sqlite",
                      "SECRET_KEY": "page-weight", "VAPID_PRIVATE_KEY": generate_private_key()})

    @app.after_request  # registered last, so it runs first: it sees the body before compression
    def _remember_length(response):
        _raw_length.value = response.content_length
        return response

    with app.app_context():
        upgrade()
        load_demo()
        db.session.commit()
        db.session.remove()

    class Handler(WSGIRequestHandler):
        def setup(self):
            super().setup()
            self.wfile = _CountingWriter(self.wfile)

        def run_wsgi(self):
            self.wfile.count, self.wfile.head, _raw_length.value = 0, b"", None
            try:
                super().run_wsgi()
            finally:
                log.append(_served(self, request_headers=self.headers))

        def log_request(self, *args, **kwargs):  # quiet
            pass

    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=Handler)
    thread = threading.Thread(target=server.serve_forever, name="page-weight-server", daemon=True)
    thread.start()

    def stop():
        server.shutdown()
        thread.join(timeout=5)
        with app.app_context():
            db.engine.dispose()
        folder.cleanup()

    return f"http://127.0.0.1:{server.server_port}", stop


def _served(handler, request_headers) -> Served:
    head, _, body = handler.wfile.head.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1]) if lines and lines[0].startswith("HTTP/") else 0
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    header_bytes = len(head) + 4
    if headers.get("transfer-encoding") == "chunked":
        body_bytes = _dechunked_length(handler.wfile.head[header_bytes:])
    else:
        body_bytes = handler.wfile.count - header_bytes
    return Served(method=handler.command, path=handler.path, status=status, wire_bytes=handler.wfile.count,
                  body_bytes=max(body_bytes, 0), decoded_bytes=getattr(_raw_length, "value", None),
                  encoding=headers.get("content-encoding", ""),
                  content_type=headers.get("content-type", "").split(";")[0],
                  dest=request_headers.get("Sec-Fetch-Dest", "") or ("serviceworker"
                                                                     if request_headers.get("Service-Worker") else ""),
                  htmx=request_headers.get("HX-Request") == "true")


def _dechunked_length(data: bytes) -> int:
    total, rest = 0, data
    while rest:
        size_line, _, rest = rest.partition(b"\r\n")
        try:
            size = int(size_line.split(b";")[0], 16)
        except ValueError:
            break
        if size == 0:
            break
        total += size
        rest = rest[size + 2:]
    return total


# --- the browser --------------------------------------------------------------------------------

@dataclass
class Visit:
    name: str
    note: str
    served: list[Served] = field(default_factory=list)
    browser_total: int = 0
    from_cache_or_worker: list[str] = field(default_factory=list)  # answered without the network
    through_worker: list[str] = field(default_factory=list)  # navigations the service worker answered

    @property
    def wire_total(self) -> int:
        return sum(s.wire_bytes for s in self.served)

    @property
    def decoded_total(self) -> int:
        return sum(s.decoded_bytes if s.decoded_bytes is not None else s.body_bytes for s in self.served)


class Recorder:
    """What the browser says it received, per request (page and service worker alike)."""

    def __init__(self, context):
        self.seen: list[dict] = []
        context.on("requestfinished", self._finished)

    def _finished(self, req):
        try:
            response = req.response()
            sizes = req.sizes()
        except Exception:  # noqa: BLE001  (the context may be closing)
            return
        if response is None:
            return
        self.seen.append({"url": req.url, "method": req.method, "by_worker": req.service_worker is not None,
                          "navigation": req.is_navigation_request(),
                          "from_worker": response.from_service_worker,
                          "bytes": sizes["responseHeadersSize"] + sizes["responseBodySize"],
                          "body": sizes["responseBodySize"]})


def wait_until_quiet(page, log: list[Served]) -> None:
    """Until the service worker (if any) is active and no request has reached the server for a while."""
    page.evaluate("""() => 'serviceWorker' in navigator && navigator.serviceWorker.getRegistration()
                       .then(r => r ? navigator.serviceWorker.ready.then(() => true) : false)""")
    deadline = time.monotonic() + MAX_WAIT_SECONDS
    count, since = len(log), time.monotonic()
    while time.monotonic() < deadline:
        page.wait_for_timeout(100)
        if len(log) != count:
            count, since = len(log), time.monotonic()
        elif time.monotonic() - since >= QUIET_SECONDS:
            return


def measure(name: str, note: str, page, recorder: Recorder, log: list[Served], action) -> Visit:
    start, seen_start = len(log), len(recorder.seen)
    action()
    wait_until_quiet(page, log)
    visit = Visit(name, note, served=list(log[start:]))
    seen = recorder.seen[seen_start:]
    # The browser's count: requests that went to the network. A page request the service worker answered
    # is left out (the worker's own fetch, if it made one, is in the list as a worker request).
    network = [s for s in seen if not s["from_worker"]]
    visit.browser_total = sum(max(s["bytes"], 0) for s in network)
    served_paths = [s.path for s in visit.served]
    visit.through_worker = [_path(s["url"]) for s in seen if s["from_worker"] and s["navigation"]]
    for item in seen:
        path = _path(item["url"])
        if item["from_worker"] or path not in served_paths:
            visit.from_cache_or_worker.append(path + (" (service worker)" if item["from_worker"] else " (HTTP cache)"))
    for served in visit.served:
        match = next((s for s in network if _path(s["url"]) == served.path and s["method"] == served.method
                      and "_used" not in s), None)
        if match:
            match["_used"] = True
            served.by_worker = match["by_worker"]
            served.browser_bytes = match["bytes"]
    return visit


def _path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def run() -> dict:
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        sys.exit(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    log: list[Served] = []
    base, stop = start_server(log)
    visits: list[Visit] = []
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)

            def context(state=None):
                ctx = browser.new_context(base_url=base, storage_state=state, **PHONE)
                ctx.set_default_timeout(15_000)
                return ctx, Recorder(ctx)

            # Sign in through the form (measured for reference only), keep only the session cookie.
            ctx, rec = context()
            page = ctx.new_page()

            def sign_in():
                page.goto("/sign-in")
                page.get_by_label("Username").fill(USER)
                page.get_by_label("Password").fill(PASSWORD)
                page.get_by_role("button", name="Sign in").click()
                page.wait_for_selector("header nav")

            signing_in = measure("Reference, not counted: a new phone signs in, then My day", "GET /sign-in, POST, "
                                 "redirect to /recovery, empty cache: the real first run", page, rec, log, sign_in)
            state = {"cookies": ctx.storage_state()["cookies"], "origins": []}
            ctx.close()

            # A: first visit to My day with an empty cache, no service worker.
            ctx, rec = context(state)
            page = ctx.new_page()
            visits.append(measure("A. first visit to My day", "GET /recovery, empty cache, no service worker; "
                                  "until the worker is active and the network quiet", page, rec, log,
                                  lambda: page.goto("/recovery", wait_until="load")))
            case_link = page.locator("main article.item:has(.s-open) a[href^='/recovery/']").first
            if case_link.count() == 0:
                sys.exit("no open recovery case assigned to olu in the demo data")
            href = case_link.get_attribute("href")

            # B: the attempt form by a boosted tap from My day (same tab, warm).
            def tap():
                case_link.click()
                page.wait_for_selector("form[data-outbox=attempt]")

            visits.append(measure("B. attempt form, tapped from My day", f"boosted htmx GET {href} in the same "
                                  "tab after A", page, rec, log, tap))
            ctx.close()

            # C: the attempt form as a full load with an empty cache.
            ctx, rec = context(state)
            page = ctx.new_page()

            def full_load():
                page.goto(href, wait_until="load")
                page.wait_for_selector("form[data-outbox=attempt]")

            visits.append(measure("C. attempt form, full load, empty cache", f"GET {href}, empty cache, no service "
                                  "worker", page, rec, log, full_load))
            # D: the same page again, warm.
            visits.append(measure("D. attempt form, full load again (warm)", f"GET {href} in the tab of C: cached "
                                  "files revalidated", page, rec, log, full_load))
            ctx.close()
            browser.close()
    finally:
        stop()
    return {"signing_in": signing_in, "visits": visits, "chromium": CHROMIUM}


# --- the report ---------------------------------------------------------------------------------

KIND = {"document": "page", "script": "script", "style": "style", "image": "image", "manifest": "manifest",
        "serviceworker": "service worker", "empty": "fetch"}


def kind(served: Served) -> str:
    if served.htmx:
        return "htmx fragment"
    label = KIND.get(served.dest, served.dest or "other")
    return f"{label} (by worker)" if served.by_worker and label != "service worker" else label


def categories(visit: Visit) -> dict[str, int]:
    """Where the bytes of a visit went, on the wire, in the order first met."""
    sums: dict[str, int] = {}
    downloaded_by_page: set[str] = set()
    for_the_page = list(visit.through_worker)  # a navigation the worker passed on to the network
    for s in visit.served:
        if s.dest == "serviceworker" or (s.by_worker and s.dest == "script"):
            name = "service worker script and the scripts it imports"
        elif s.by_worker and s.path in for_the_page:
            for_the_page.remove(s.path)
            name = "the page: document"
            if s.status == 200:
                downloaded_by_page.add(s.path)
        elif not s.by_worker:
            name = ("the page: document" if s.dest == "document" or s.htmx
                    else "the page: styles, scripts, images it loads")
            if s.status == 200:
                downloaded_by_page.add(s.path)
        elif s.path in downloaded_by_page:
            name = "service worker, again: files the page had just downloaded"
        elif s.content_type == "text/html":
            name = "service worker: pages kept for offline use"
        else:
            name = "service worker: other files (icons, manifest, ...)"
        sums[name] = sums.get(name, 0) + s.wire_bytes
    return sums


def table(visit: Visit, counted: bool = True) -> str:
    rows = [f"{visit.name}", f"  {visit.note}",
            f"  {'request':<46} {'kind':<18} {'status':>6} {'enc':>4} {'body':>8} {'on wire':>8} {'browser':>8}"
            f" {'unzipped':>8}"]
    for s in visit.served:
        path = s.path if len(s.path) <= 46 else s.path[:43] + "..."
        rows.append(f"  {path:<46} {kind(s):<18} {s.status:>6} {s.encoding or '-':>4} {s.body_bytes:>8,}"
                    f" {s.wire_bytes:>8,} {'' if s.browser_bytes is None else format(s.browser_bytes, ','):>8}"
                    f" {'' if s.decoded_bytes is None else format(s.decoded_bytes, ','):>8}")
    for path in visit.from_cache_or_worker:
        rows.append(f"  {path:<46} {'no download':<18} {'':>6} {'':>4} {0:>8} {0:>8}")
    total = visit.wire_total
    verdict = ""
    if counted:
        verdict = (f"  (target {TARGET_BYTES / 1000:.0f} KB: "
                   f"{'within' if total <= TARGET_BYTES else 'OVER'}, {total / TARGET_BYTES:.0%})")
    rows.append(f"  {'total':<46} {'':<18} {'':>6} {'':>4} {sum(s.body_bytes for s in visit.served):>8,}"
                f" {total:>8,} {visit.browser_total:>8,} {visit.decoded_total:>8,}")
    rows.append(f"  = {total / 1000:.1f} KB on the wire ({total / 1024:.1f} KiB), {len(visit.served)} requests"
                f"{verdict}; uncompressed the same bodies would be {visit.decoded_total / 1000:.1f} KB")
    for name, size in categories(visit).items():
        rows.append(f"    {name:<62} {size:>8,}  {size / 1000:5.1f} KB")
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    result = run()
    if args.json:
        print(json.dumps({"target_bytes": TARGET_BYTES,
                          "signing_in": {**asdict(result["signing_in"]), "wire_total": result["signing_in"].wire_total},
                          "visits": [{**asdict(v), "wire_total": v.wire_total, "decoded_total": v.decoded_total,
                                      "categories": categories(v)} for v in result["visits"]]}, indent=2))
        return
    print("Page weight: bytes a phone downloads (390x844, Chromium), compressed as sent, headers included.")
    print("body = the body as encoded; on wire = status line + headers + body as written to the socket (HTTP/1.1);\n"
          "browser = Chromium's own count (DevTools encodedDataLength), a check on the server's: it agrees request by\n"
          "request, except that Chromium reports only the headers of the service worker script and 0 for a 304;\n"
          "unzipped = the body before compression; (by worker) = requested by the service worker.\n")
    for visit in result["visits"]:
        print(table(visit))
        print()
    print(table(result["signing_in"], counted=False))
    print("\nNot counted in A: the sign-in page (another screen, shown once per sign-in: A starts signed in, with "
          "only the session cookie,\nso that it shows everything My day needs; the reference above is the real first "
          "run), and TCP/IP and TLS overhead.")
    visit = result["visits"][0]
    first, bodies = visit.wire_total, sum(s.body_bytes for s in visit.served)
    page = sum(size for name, size in categories(visit).items() if name.startswith("the page"))
    print(f"\nFirst visit to My day: {first:,} bytes on the wire = {first / 1000:.1f} KB ({bodies / 1000:.1f} KB of "
          f"bodies) against a target of {TARGET_BYTES / 1000:.0f} KB: {'met' if first <= TARGET_BYTES else 'NOT met'}."
          f"\nOf that, the page itself (document, CSS, scripts with htmx): {page / 1000:.1f} KB; the service worker "
          f"and what it stores for offline use: {(first - page) / 1000:.1f} KB.")


if __name__ == "__main__":
    main()
