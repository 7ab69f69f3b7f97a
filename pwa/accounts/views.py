"""Sign-in (with its code and enrolment steps) and sign-out screens, and the account's own security: the
change-password screen, setting up an authenticator, and the admins' list of sign-in lockouts."""
from urllib.parse import urlsplit

from flask import Blueprint, make_response, redirect, request, session, url_for
from flask_login import current_user

from ..clock import utcnow
from ..errors import InvalidInput
from ..extensions import db
from ..security import requires
from ..transaction import transaction
from ..web import local_format, render
from . import signin
from .mfa import code_matches, credential_of, enrol, mfa_required, new_secret, provisioning_uri, qr_svg, \
    recovery_codes_left
from .models import User
from .operations import change_password
from .signin import sign_in_user, sign_out_user
from .throttle import lockout_for, recent_lockouts, record_failure

bp = Blueprint("accounts", __name__)


def _safe_next(target: str | None) -> str:
    """Only same-site paths: never redirect a signed-in user to another site."""
    if not target:
        return url_for("web.home")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("web.home")
    return target


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in():
    if request.method == "GET":
        if current_user.is_authenticated:
            return redirect(_safe_next(request.args.get("next")))
        return render("accounts/sign_in.html", next=request.args.get("next", ""), error=None)
    username = request.form.get("username", "")[:80]
    with transaction():  # a failed attempt is recorded too
        outcome = signin.attempt(username, request.form.get("password", "")[:1000], request.remote_addr or "-")
    return answer_sign_in(outcome, username, request.form.get("next", ""))


def answer_sign_in(outcome, username: str, next_path: str):
    """The page for a sign-in step's outcome: home, the code or enrolment step, or the refusal."""
    if outcome.status == "ok":
        with transaction():
            sign_in_user(outcome.user)
        return redirect(_safe_next(next_path))
    if outcome.status in ("mfa_required", "enrolment_required"):
        session.clear()
        session["mfa_pending"] = {"user_id": outcome.user.id, "since": utcnow().timestamp(), "next": next_path}
        step = "accounts.sign_in_code" if outcome.status == "mfa_required" else "accounts.enrol_at_sign_in"
        return redirect(url_for(step))
    if outcome.status == "locked":
        response = render("accounts/sign_in.html", status=429, next=next_path, username=username,
                          error=locked_message(outcome.locked))
        return make_response(*response, {"Retry-After": str(outcome.locked.retry_after)})
    return render("accounts/sign_in.html", status=401, next=next_path,
                  error="That username and password do not match an active account.", username=username)


def locked_message(locked) -> str:
    minutes = -(-locked.retry_after // 60)
    return (f"Too many failed sign-ins. Try again at {local_format(locked.until, '%H:%M')} "
            f"(in {minutes} minute{'s' if minutes != 1 else ''}).")


@bp.post("/sign-out")
def sign_out():
    with transaction():
        sign_out_user()
    return redirect(url_for("accounts.sign_in"))


@bp.get("/account")
@requires()
def account():
    return render("accounts/account.html")


# --- the second sign-in step, enrolment, password change, lockouts ---------------------------------

PENDING_SECONDS = 300  # the password step is good for five minutes


def _pending_user() -> User | None:
    """The user whose password was right in this browser, waiting for the second step."""
    pending = session.get("mfa_pending")
    if not isinstance(pending, dict) or utcnow().timestamp() - pending.get("since", 0) > PENDING_SECONDS:
        return None
    user = db.session.get(User, pending.get("user_id"))
    return user if user is not None and user.active else None


def _restart():
    session.pop("mfa_pending", None)
    return redirect(url_for("accounts.sign_in"))


@bp.route("/sign-in/code", methods=["GET", "POST"])
def sign_in_code():
    user = _pending_user()
    if user is None or credential_of(user.id) is None:
        return _restart()
    if request.method == "GET":
        return render("accounts/sign_in_code.html", error=None)
    with transaction():  # a wrong code is counted too
        outcome = signin.second_factor(user, request.form.get("otp", "")[:40], request.remote_addr or "-")
    if outcome.status == "otp_failed":
        return render("accounts/sign_in_code.html", status=401, error="That code is wrong or was used already.")
    next_path = session.get("mfa_pending", {}).get("next", "")
    if outcome.status == "locked":
        session.pop("mfa_pending", None)
    return answer_sign_in(outcome, user.username, next_path)


@bp.route("/sign-in/enrol", methods=["GET", "POST"])
def enrol_at_sign_in():
    """A user whose role needs a second factor and has none enrols before the first sign-in completes."""
    user = _pending_user()
    if user is None:
        return _restart()
    pending = session["mfa_pending"]
    if "secret" not in pending:
        pending["secret"] = new_secret()
        session.modified = True
    return _enrolment(user, pending["secret"], signing_in=True)


@bp.route("/account/two-factor", methods=["GET", "POST"])
@requires()
def two_factor():
    """Enrol (or enrol a new phone) from the account page; optional for roles that do not need it."""
    if request.method == "GET":
        session["mfa_secret"] = new_secret()  # a fresh secret for each enrolment screen
    elif not session.get("mfa_secret"):
        return redirect(url_for("accounts.two_factor"))
    return _enrolment(current_user, session["mfa_secret"], signing_in=False)


def _enrolment(user, secret: str, signing_in: bool):
    uri = provisioning_uri(user.username, secret)
    context = {"qr": qr_svg(uri), "secret": secret, "uri": uri, "signing_in": signing_in,
               "enrolled": credential_of(user.id) is not None, "required": mfa_required(user)}
    if request.method == "GET":
        return render("accounts/enrol.html", error=None, **context)
    address = request.remote_addr or "-"
    locked = lockout_for(user.username, address)
    if locked:
        response = render("accounts/enrol.html", status=429, error=locked_message(locked), **context)
        return make_response(*response, {"Retry-After": str(locked.retry_after)})
    if code_matches(secret, request.form.get("otp", "")[:40]) is None:
        with transaction():
            record_failure(user.username, address, user.id)
        return render("accounts/enrol.html", status=422, error="That code does not match. Check the phone's "
                      "time and type the code it shows now.", **context)
    next_path = session.get("mfa_pending", {}).get("next", "") if signing_in else ""
    with transaction():
        codes = enrol(user, secret)
        credential_of(user.id).last_step = code_matches(secret, request.form.get("otp", "")[:40])  # spent
        if signing_in:
            sign_in_user(user)
    session.pop("mfa_secret", None)
    return render("accounts/recovery_codes.html", codes=codes, next=next_path)


@bp.route("/account/password", methods=["GET", "POST"])
@requires()
def password():
    if request.method == "GET":
        return render("accounts/password.html", errors={}, done=False)
    try:
        with transaction():
            change_password(current_user, request.form.get("current_password", "")[:1000],
                            request.form.get("new_password", "")[:1001],
                            request.form.get("repeat_password", "")[:1001])
    except InvalidInput as err:
        return render("accounts/password.html", status=422, errors=err.errors, done=False)
    return render("accounts/password.html", errors={}, done=True)


@bp.get("/account/security")
@requires()
def security():
    credential = credential_of(current_user.id)
    return render("accounts/security.html", credential=credential, required=mfa_required(current_user),
                  codes_left=recovery_codes_left(current_user.id) if credential else 0)


@bp.get("/admin/sign-in-lockouts")
@requires("admin", "auditor")
def lockouts():
    return render("accounts/lockouts.html", lockouts=recent_lockouts())
