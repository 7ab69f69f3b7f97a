"""Sign-in and sign-out screens."""
from urllib.parse import urlsplit

from flask import Blueprint, redirect, request, url_for
from flask_login import current_user

from ..security import requires
from ..transaction import transaction
from ..web import render
from .operations import authenticate
from .signin import sign_in_user, sign_out_user

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
        user = authenticate(username, request.form.get("password", "")[:1000])
        if user is not None:
            sign_in_user(user)
    if user is None:
        return render("accounts/sign_in.html", status=401, next=request.form.get("next", ""),
                      error="That username and password do not match an active account.", username=username)
    return redirect(_safe_next(request.form.get("next")))


@bp.post("/sign-out")
def sign_out():
    with transaction():
        sign_out_user()
    return redirect(url_for("accounts.sign_in"))


@bp.get("/account")
@requires()
def account():
    return render("accounts/account.html")
