"""Serving behind a reverse proxy: trusted X-Forwarded-* headers, https only in production, HSTS and
Secure cookies on every https response."""
from flask import Flask, abort, redirect, request
from flask.sessions import SecureCookieSessionInterface
from werkzeug.middleware.proxy_fix import ProxyFix

# Answered over plain http even in production: the proxy's and the monitor's health checks.
PLAIN_HTTP_ENDPOINTS = frozenset({"health.healthz"})


class HttpsAwareSessionInterface(SecureCookieSessionInterface):
    """The session cookie is Secure whenever the request came over https (directly or through a trusted
    proxy), or always when SESSION_COOKIE_SECURE is set."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"] or request.is_secure)


def require_https():
    """REQUIRE_HTTPS: a plain-http GET or HEAD is redirected to https; anything else is refused, since
    its body has already crossed the network in the clear."""
    if request.is_secure or request.endpoint in PLAIN_HTTP_ENDPOINTS:
        return None
    if request.method in ("GET", "HEAD"):
        return redirect(request.url.replace("http://", "https://", 1), code=308)
    abort(403, description="Use https.")


def init_app(app: Flask) -> None:
    proxies = app.config["TRUSTED_PROXIES"]
    if proxies > 0:
        # Only the nearest `proxies` hops are believed: a client cannot claim https or an address itself.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies, x_port=proxies)
    app.session_interface = HttpsAwareSessionInterface()
    if app.config["REQUIRE_HTTPS"]:
        app.before_request(require_https)

    @app.after_request
    def _hsts(response):
        if request.is_secure:
            response.headers.setdefault("Strict-Transport-Security",
                                        f"max-age={app.config['HSTS_SECONDS']}; includeSubDomains")
        return response
