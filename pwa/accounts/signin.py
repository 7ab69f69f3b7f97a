"""The browser's sign-in: a fresh server-side session per sign-in (the screens and the API's /session)."""
from flask import session

from .operations import end_session, start_session


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
