"""Compressed responses (Flask-Compress): pages, fragments, JSON, CSS, JavaScript (htmx and idb
included), the manifest and the service worker go out brotli-, gzip- or zstd-encoded to a browser
that asks for it (`Accept-Encoding`), and unchanged to one that does not. Every response says
`Vary: Accept-Encoding` (beside `HX-Request`), so no cache hands one encoding to the other kind of
client.

Everything stays inside Flask, so the headers of pwa/security.py (CSP, nosniff, `no-store` for
signed-in pages) and of the views (`Service-Worker-Allowed` on /sw.js) are kept. Static files keep
their revalidation (`Cache-Control: no-cache` with an ETag): the compressed variant's ETag carries
the encoding (`"…:br"`) and a matching `If-None-Match` gets a 304.

Pages carry a CSRF token, and compressing secrets beside reflected input is what BREACH needs; the
session cookie is `SameSite=Lax`, so another site cannot make a signed-in browser fetch a page with
its cookie in the repeated requests such an attack takes, and the signed token changes every second.
"""
from flask import Flask, Response, request
from flask_compress import Compress

compress = Compress()

# Brotli first (the smallest here at a cost of about 2 ms for htmx at level 5), then gzip, which
# every browser takes; zstd and deflate for the rest. Files are sent as streams (send_file), which
# Flask-Compress leaves without gzip unless told: gzip is kept for clients that offer nothing else.
SETTINGS = {
    "COMPRESS_ALGORITHM": ["br", "gzip", "zstd", "deflate"],
    "COMPRESS_ALGORITHM_STREAMING": ["br", "gzip", "zstd", "deflate"],
    "COMPRESS_BR_LEVEL": 5,
    # Conditional requests to files are answered in _compressed, for every endpoint that sends one.
    "COMPRESS_STREAMING_ENDPOINT_CONDITIONAL": [],
    # Registered by init_app below, through _compressed.
    "COMPRESS_REGISTER": False,
}


def init_app(app: Flask) -> None:
    """Call before any other after_request hook is registered: Flask runs them last-registered
    first, so compression then sees every header and body change the others make."""
    for key, value in SETTINGS.items():
        app.config.setdefault(key, value)
    compress.init_app(app)
    app.after_request(_compressed)


def _compressed(response: Response) -> Response:
    response = _encoded(response)
    # The server writes the Date header: werkzeug's (http.server's send_response) and gunicorn's always
    # do, whatever the application sent. werkzeug's make_conditional adds one to the response too (called
    # by send_file for static files, /sw.js and the manifest, by Flask-Compress and in _encoded below), and
    # the client then got two. This hook runs last, so no Date leaves the application.
    response.headers.remove("Date")
    return response


def _encoded(response: Response) -> Response:
    if response.status_code == 206:
        # A byte range of the file as stored: encoding it would make Content-Range lie.
        response.vary.add("Accept-Encoding")
        return response
    response = compress.after_request(response)
    if "Content-Encoding" in response.headers:
        # Ranges would count bytes of the encoded stream, which is made afresh on every request.
        response.headers.pop("Accept-Ranges", None)
        if response.is_streamed and request.method in ("GET", "HEAD") and response.get_etag()[0]:
            # A file (static, /sw.js, the manifest): send_file compared If-None-Match with the file's own
            # ETag; the encoded variant's ETag ("…:br") is compared here, so a revalidation gets its 304.
            response.make_conditional(request)
    return response
