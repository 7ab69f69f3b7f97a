"""Who is asking and may they: session/bearer loading, role checks, CSRF and response headers."""
import logging
from functools import wraps

from flask import abort, current_app, g, jsonify, redirect, request, session, url_for
from flask_login import current_user

from .accounts.operations import resume_session, user_for_token
from .extensions import csrf, login_manager
from .governance.vocab import labelled
from .transaction import commit_keeping_loaded

log = logging.getLogger("continuity.access")

CSP = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "font-src 'self'",
    "manifest-src 'self'",
    "worker-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])
MUTATING = {"POST", "PUT", "PATCH", "DELETE"}


def wants_json() -> bool:
    return request.path.startswith("/api/") or is_fhir()


def is_fhir() -> bool:
    return request.path == "/fhir" or request.path.startswith("/fhir/")


@login_manager.request_loader
def load_user_from_request(req):
    """Bearer token first (integrations), then the server-side session named by the cookie."""
    header = req.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        user = user_for_token(header[7:].strip())
        g.auth_method = "token" if user else None
        return user
    secret = session.get("sid")
    if not secret:
        return None
    user = resume_session(secret, current_app.config["IDLE_TIMEOUT"], current_app.config["SESSION_LIFETIME"])
    commit_keeping_loaded()  # the idle clock and an idle ending are kept even if the request fails
    if user is None:
        session.pop("sid", None)
    g.auth_method = "session" if user else None
    return user


@login_manager.unauthorized_handler
def unauthorized():
    if is_fhir():
        from .fhir.outcome import plain_error

        return plain_error(401, "login", "Sign in first, or send a bearer token.")
    if wants_json():
        return jsonify(error="not signed in", errors={"session": ["Sign in first."]}), 401
    return redirect(url_for("accounts.sign_in", next=request.full_path.rstrip("?")))


def requires(*roles: str):
    """Route decorator: signed in (else 401 / sign-in page) and holding one of `roles` (else 403)."""

    def decorate(view):
        view.allowed_roles = roles

        @wraps(view)
        def wrapper(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if roles and not current_user.has_role(*roles):
                refuse("This screen is for: " + ", ".join(labelled(role).lower() for role in roles) + ".")
            return view(*args, **kwargs)

        wrapper.allowed_roles = roles
        return wrapper

    return decorate


def refuse(reason: str):
    """403, logged with who and where (never with record contents)."""
    log.warning("refused user_id=%s roles=%s %s %s: %s", getattr(current_user, "id", None),
                ",".join(getattr(current_user, "roles", [])), request.method, request.path, reason)
    abort(403, description=reason)


def check_csrf():
    """CSRF on every mutating request made with the session cookie; bearer tokens need none. An API write
    that carries no sign-in at all has nothing to forge: it goes on to its route's 401."""
    if request.method not in MUTATING:
        return
    if request.endpoint in current_app.config.get("CSRF_EXEMPT_ENDPOINTS", ()):
        return
    if request.headers.get("Authorization", "").startswith("Bearer "):
        return
    if wants_json() and not session.get("sid"):
        return
    csrf.protect()


def refuse_nul():
    """A NUL character in the address, the query or a form: 400. Browsers never send one, and PostgreSQL
    cannot store or compare text containing it (the lookup itself would fail with a 500)."""
    values = [request.path, *[item for pair in request.args.items(multi=True) for item in pair]]
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        values += [item for pair in request.form.items(multi=True) for item in pair]
    if any("\x00" in value for value in values):
        abort(400, description="The request contains a NUL character.")


# Files sent as they are (stylesheets, scripts, icons, the manifest): the page's policy headers mean
# nothing on them, and leaving them off saves ~0.6 KB on each of the ~20 files a first visit downloads.
# Nor do they look at the sign-in (no session lookup, no "Vary: Cookie"). /sw.js is not one of them:
# a service worker runs under the CSP of its own script.
FILE_ENDPOINTS = frozenset({"static", "offline.manifest"})


def secure_headers(response):
    if request.endpoint in FILE_ENDPOINTS:
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.pop("Content-Disposition", None)  # send_file's "inline; filename=…": the default
        return response
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if current_user and getattr(current_user, "is_authenticated", False):
        response.headers.setdefault("Cache-Control", "no-store")
    response.vary.add("HX-Request")
    return response


def init_app(app):
    app.before_request(refuse_nul)
    app.before_request(check_csrf)
    app.after_request(secure_headers)
