"""One `Date` header per response. The server writes it (werkzeug's development server and gunicorn
always do); werkzeug's `make_conditional` (send_file for static files, /sw.js and the manifest,
Flask-Compress, pwa/compression.py) used to add a second, which the service worker and proxies then
saw as two. Checked on the application's own responses and on the wire of a real server."""
import http.client
import threading
from email.utils import parsedate_to_datetime

import pytest
from werkzeug.serving import make_server

BROWSER = "gzip, deflate, br, zstd"
# (path, request headers): pages, files sent with send_file (plain, encoded, revalidated, a range),
# JSON and an error.
REQUESTS = [
    ("/sign-in", {}),
    ("/sign-in", {"Accept-Encoding": BROWSER}),
    ("/offline", {"Accept-Encoding": BROWSER}),
    ("/static/css/app.css", {"Accept-Encoding": ""}),
    ("/static/css/app.css", {"Accept-Encoding": BROWSER}),
    ("/static/css/app.css", {"Accept-Encoding": BROWSER, "Range": "bytes=0-99"}),
    ("/sw.js", {"Accept-Encoding": BROWSER}),
    ("/manifest.webmanifest", {"Accept-Encoding": ""}),
    ("/api/v1/openapi.json", {"Accept-Encoding": BROWSER}),
    ("/no-such-page", {}),
]


@pytest.mark.parametrize("path, headers", REQUESTS)
def test_the_application_leaves_the_date_header_to_the_server(client, path, headers):
    response = client.get(path, headers=headers)
    assert response.status_code in (200, 206, 404)
    assert response.headers.getlist("Date") == []
    if "ETag" in response.headers and "Range" not in headers:  # a revalidation (304) neither
        again = client.get(path, headers={**headers, "If-None-Match": response.headers["ETag"]})
        assert again.status_code == 304
        assert again.headers.getlist("Date") == []


@pytest.fixture
def served(app):
    """The test app on a real werkzeug server on 127.0.0.1 (a free port)."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="date-header-server", daemon=True)
    thread.start()
    try:
        yield server.server_port
    finally:
        server.shutdown()
        thread.join(timeout=5)


def _get(port: int, method: str, path: str, headers: dict) -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        # The test app's SERVER_NAME: Flask routes by host.
        connection.request(method, path, headers={"Host": "continuity.test", **headers})
        response = connection.getresponse()
        response.read()
        return response
    finally:
        connection.close()


@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_a_real_server_sends_exactly_one_date_header(served, method):
    for path, headers in REQUESTS:
        response = _get(served, method, path, headers)
        dates = response.msg.get_all("Date") or []
        assert len(dates) == 1, f"{method} {path} {headers}: {dates}"
        assert parsedate_to_datetime(dates[0]).tzinfo is not None
        etag = response.getheader("ETag")
        if etag and "Range" not in headers:
            again = _get(served, method, path, {**headers, "If-None-Match": etag})
            assert again.status == 304
            assert len(again.msg.get_all("Date") or []) == 1, f"{method} {path} revalidated"
