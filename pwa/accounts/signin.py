"""The browser's sign-in: one decision for the screen and the API (throttling, the password, then the second
factor), and a fresh server-side session per sign-in (the screens and the API's /session).

`attempt` answers what happened; the caller turns it into a page or JSON. Failures of the password or of the
code count towards the same throttle (pwa.accounts.throttle).
"""
from dataclasses import dataclass

from flask import session

from .mfa import check_second_factor, credential_of, mfa_required
from .operations import authenticate, end_session, start_session
from .throttle import Locked, clear_failures, lockout_for, record_failure


@dataclass(frozen=True)
class Outcome:
    status: str  # "ok", "failed", "locked", "mfa_required", "enrolment_required", "otp_failed"
    user: object = None
    locked: Locked | None = None


def attempt(username: str, password: str, address: str, otp: str | None = None) -> Outcome:
    """Throttle first (a locked account is refused even with the right password), then the password,
    then, for a user enrolled in TOTP or whose role needs it, the code."""
    locked = lockout_for(username, address)
    if locked:
        return Outcome("locked", locked=locked)
    user = authenticate(username, password)
    if user is None:
        locked = record_failure(username, address)
        return Outcome("locked", locked=locked) if locked else Outcome("failed")
    enrolled = credential_of(user.id) is not None
    if not enrolled and not mfa_required(user):
        clear_failures(username)
        return Outcome("ok", user)
    if not enrolled:
        return Outcome("enrolment_required", user)
    if otp is None or otp == "":
        return Outcome("mfa_required", user)
    return second_factor(user, otp, address)


def second_factor(user, otp: str, address: str) -> Outcome:
    """The code of a user whose password was right (the screen's second step asks for it separately)."""
    locked = lockout_for(user.username, address)
    if locked:
        return Outcome("locked", locked=locked)
    if check_second_factor(user, otp):
        clear_failures(user.username)
        return Outcome("ok", user)
    locked = record_failure(user.username, address, user.id)
    return Outcome("locked", user, locked) if locked else Outcome("otp_failed", user)


def sign_in_user(user) -> None:
    """Start a fresh server-side session (a new cookie, so no fixation) for `user`."""
    session.clear()
    session["sid"] = start_session(user)
    session.permanent = False


def sign_out_user() -> None:
    secret = session.get("sid")
    if secret:
        end_session(secret)
    session.clear()
