"""Responses are compressed for a browser that asks (brotli first, gzip, zstd) and sent as they are to one that
does not, with the same content either way, the security headers kept, `Vary: Accept-Encoding` beside
`HX-Request`, and the static files' revalidation (ETag, 304) still working."""
import gzip
import re
from pathlib import Path

import brotli
import pytest

try:
    from compression import zstd  # Python 3.14+
except ImportError:
    from backports import zstd

STATIC = Path(__file__).resolve().parents[2] / "pwa" / "static"
BROWSER = "gzip, deflate, br, zstd"
DECODE = {"br": brotli.decompress, "gzip": gzip.decompress, "zstd": zstd.decompress}


def decoded(response) -> bytes:
    body = response.get_data()
    encoding = response.headers.get("Content-Encoding")
    return DECODE[encoding](body) if encoding else body


def without_tokens(html: bytes) -> bytes:
    return re.sub(rb'(csrf_token" value="|X-CSRFToken": ")[^"]+', rb"\1", html)


def vary(response) -> set[str]:
    return {item.strip().lower() for item in response.headers.get("Vary", "").split(",")}


@pytest.mark.parametrize("accept, encoding", [
    (BROWSER, "br"), ("gzip", "gzip"), ("zstd", "zstd"), ("gzip;q=0.5, br;q=0.2", "gzip"), ("", None),
    ("identity", None),
])
def test_a_page_is_compressed_when_asked_and_plain_when_not(client, accept, encoding):
    plain = client.get("/sign-in", headers={"Accept-Encoding": ""})
    response = client.get("/sign-in", headers={"Accept-Encoding": accept})
    assert response.status_code == plain.status_code == 200
    assert response.headers.get("Content-Encoding") == encoding
    assert {"accept-encoding", "hx-request"} <= vary(response)
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    if encoding:
        assert len(response.get_data()) < len(plain.get_data()) / 1.5
    # The CSRF token is signed afresh (it carries the time); everything else is the same document.
    assert without_tokens(decoded(response)) == without_tokens(plain.get_data())
    assert b"</html>" in decoded(response)


def test_a_signed_in_page_and_its_htmx_fragment_stay_uncached_and_vary(auth):
    auth.as_role("outreach_worker")
    page = auth.get("/recovery", headers={"Accept-Encoding": BROWSER})
    fragment = auth.get("/recovery", headers={"Accept-Encoding": BROWSER, "HX-Request": "true"})
    assert page.headers["Content-Encoding"] == "br"
    for response in (page, fragment):  # a fragment under 500 bytes is not worth encoding
        assert response.status_code == 200
        assert response.headers.get("Content-Encoding") == ("br" if len(decoded(response)) >= 500 else None)
        assert response.headers["Cache-Control"] == "no-store"
        assert {"accept-encoding", "hx-request"} <= vary(response)
    assert b"<html" in decoded(page)
    assert b"<html" not in decoded(fragment)


@pytest.mark.parametrize("accept, encoding", [(BROWSER, "br"), ("gzip", "gzip"), ("zstd", "zstd"), ("", None)])
def test_a_static_script_is_compressed_when_asked_with_the_same_content(client, accept, encoding):
    on_disk = (STATIC / "vendor" / "htmx.min.js").read_bytes()
    response = client.get("/static/vendor/htmx.min.js", headers={"Accept-Encoding": accept})
    assert response.status_code == 200
    assert response.headers.get("Content-Encoding") == encoding
    assert decoded(response) == on_disk
    assert "accept-encoding" in vary(response)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-cache"
    if encoding:
        assert len(response.get_data()) < len(on_disk) / 2.5
        # The encoded variant has its own validator, and no byte ranges of a stream made per request.
        assert response.headers["ETag"].endswith(f':{encoding}"')
        assert "Accept-Ranges" not in response.headers
    else:
        assert response.headers["Accept-Ranges"] == "bytes"


@pytest.mark.parametrize("accept", [BROWSER, "gzip", ""])
def test_a_static_file_revalidates_to_304_in_each_encoding(client, accept):
    first = client.get("/static/css/app.css", headers={"Accept-Encoding": accept})
    again = client.get("/static/css/app.css",
                       headers={"Accept-Encoding": accept, "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert again.get_data() == b""
    assert again.headers["ETag"] == first.headers["ETag"]


def test_a_byte_range_is_served_from_the_file_as_stored(client):
    on_disk = (STATIC / "css" / "app.css").read_bytes()
    response = client.get("/static/css/app.css", headers={"Accept-Encoding": BROWSER, "Range": "bytes=0-99"})
    assert response.status_code == 206
    assert "Content-Encoding" not in response.headers
    assert response.get_data() == on_disk[:100]


def test_the_service_worker_is_compressed_and_keeps_its_scope_header(client):
    on_disk = (STATIC / "sw.js").read_bytes()
    response = client.get("/sw.js", headers={"Accept-Encoding": BROWSER})
    assert response.status_code == 200
    assert response.headers["Service-Worker-Allowed"] == "/"
    assert response.headers["Content-Type"].startswith(("application/javascript", "text/javascript"))
    assert decoded(response) == on_disk
    if len(on_disk) >= 500:
        assert response.headers["Content-Encoding"] == "br"
    again = client.get("/sw.js", headers={"Accept-Encoding": BROWSER, "If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304


def test_api_json_is_compressed_when_large_enough(client):
    plain = client.get("/api/v1/openapi.json", headers={"Accept-Encoding": ""})
    response = client.get("/api/v1/openapi.json", headers={"Accept-Encoding": BROWSER})
    assert response.headers["Content-Encoding"] == "br"
    assert decoded(response) == plain.get_data()
