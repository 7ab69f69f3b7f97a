"""Account operations: users, sign-in sessions and integration tokens."""
import logging
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from argon2 import PasswordHasher
from flask import current_app
from argon2.exceptions import InvalidHashError, VerificationError

from ..clock import utcnow
from ..errors import InvalidInput
from ..extensions import db
from ..governance.vocab import ROLES
from .passwords import password_problems
from .models import ApiToken, SignInSession, User, UserRole, digest

log = logging.getLogger("continuity.accounts")


# OWASP's Password Storage Cheat Sheet: argon2id, 19 MiB of memory, 2 iterations, 1 lane.
# Hashes made with other parameters are redone at the next sign-in (check_needs_rehash).
OWASP_ARGON2 = {"time_cost": 2, "memory_cost": 19456, "parallelism": 1}


def _hasher() -> PasswordHasher:
    """argon2id with OWASP's parameters; ARGON2_PARAMS lowers the cost for the test suite."""
    ext = current_app.extensions
    if "continuity.hasher" not in ext:
        hasher = PasswordHasher(**current_app.config.get("ARGON2_PARAMS", OWASP_ARGON2))
        # Verified against for unknown usernames, so timing does not reveal which ones exist.
        ext["continuity.hasher"] = (hasher, hasher.hash("continuity-dummy-password"))
    return ext["continuity.hasher"][0]


def _dummy_hash() -> str:
    _hasher()
    return current_app.extensions["continuity.hasher"][1]


def create_user(username: str, password: str | None, roles: list[str], display_name: str | None = None,
                team: str | None = None) -> User:
    errors: dict[str, list[str]] = {}
    if not username or len(username) > 80:
        errors["username"] = ["Give a username of 1 to 80 characters."]
    elif db.session.scalar(db.select(User).filter_by(username=username)):
        errors["username"] = [f"A user named {username} already exists."]
    unknown = sorted(set(roles) - set(ROLES))
    if not roles or unknown:
        errors["roles"] = ["Unknown role: " + ", ".join(unknown) if unknown else "Give at least one role."]
    if password is not None and password_problems(password):
        errors["password"] = password_problems(password)
    if errors:
        raise InvalidInput(errors)
    user = User(username=username, display_name=display_name or username, team=team,
                password_hash=_hasher().hash(password) if password else None)
    user.role_rows = [UserRole(role=r) for r in sorted(set(roles))]
    db.session.add(user)
    db.session.flush()
    return user


def change_password(user: User, current: str, new: str, repeated: str) -> None:
    """The signed-in user's own change: the current password first, then the rules for a new one."""
    from ..archive.operations import append_entry

    errors: dict[str, list[str]] = {}
    try:
        ok = user.password_hash is not None and _hasher().verify(user.password_hash, current or "-")
    except (VerificationError, InvalidHashError):
        ok = False
    if not ok:
        errors["current_password"] = ["That is not your current password."]
    problems = password_problems(new or "", user.username)
    if problems:
        errors["new_password"] = problems
    elif new != repeated:
        errors["repeat_password"] = ["The two new passwords differ."]
    elif ok and new == current:
        errors["new_password"] = ["Choose a password different from the current one."]
    if errors:
        raise InvalidInput(errors)
    user.password_hash = _hasher().hash(new)
    append_entry(folder="accounts", step="password", action="password_changed",
                 record={"entity": "users", "id": user.id, "changed_at": utcnow()}, actor=user)
    log.info("password changed user_id=%s", user.id)


def authenticate(username: str, password: str) -> User | None:
    """The active user whose password matches, else None. Both outcomes are logged (no password)."""
    user = db.session.scalar(db.select(User).filter_by(username=username)) if username else None
    try:
        ok = user is not None and user.active and user.password_hash is not None and \
            _hasher().verify(user.password_hash, password)
        if user is None:
            _hasher().verify(_dummy_hash(), password or "-")
    except (VerificationError, InvalidHashError):
        ok = False
    if not ok:
        log.warning("sign-in failed for username=%r", (username or "")[:80])
        return None
    if _hasher().check_needs_rehash(user.password_hash):
        user.password_hash = _hasher().hash(password)
    log.info("sign-in succeeded user_id=%s username=%r", user.id, user.username)
    return user


def start_session(user: User) -> str:
    """A new server-side session; returns the secret the cookie carries."""
    secret = secrets.token_urlsafe(32)
    db.session.add(SignInSession(session_digest=digest(secret), user_id=user.id))
    db.session.flush()
    return secret


def resume_session(secret: str, idle_timeout: timedelta, lifetime: timedelta | None = None) -> User | None:
    """The user of a live session, refreshing its idle clock; None once ended, idle too long, or older
    than `lifetime` since sign-in however busy."""
    record = db.session.scalar(db.select(SignInSession).filter_by(session_digest=digest(secret)))
    if record is None or record.ended_at is not None:
        return None
    now = utcnow()
    if lifetime is not None and now - record.started_at > lifetime:
        _end(record, now, "lifetime")
        log.info("session ended by its absolute lifetime user_id=%s", record.user_id)
        return None
    if now - record.last_seen_at > idle_timeout:
        _end(record, now, "idle")
        log.info("session ended by idle timeout user_id=%s", record.user_id)
        return None
    # Refresh at most once a minute: the idle clock does not need more writes than that.
    if now - record.last_seen_at > timedelta(minutes=1):
        record.last_seen_at = now
    return record.user if record.user.active else None


def end_session(secret: str) -> None:
    record = db.session.scalar(db.select(SignInSession).filter_by(session_digest=digest(secret)))
    if record is not None and record.ended_at is None:
        _end(record, utcnow(), "signed_out")
        log.info("signed out user_id=%s", record.user_id)
    if record is not None:
        from ..push.operations import forget_session_devices

        forget_session_devices(record.id)  # this device stops receiving alerts


def _end(record: SignInSession, at: datetime, reason: str) -> None:
    record.ended_at = at
    record.end_reason = reason


def create_token(name: str, roles: list[str], expires_days: int | None = None) -> str:
    """A bearer token for an integration; it acts as a user of the same name with `roles`, and stops
    working `expires_days` days from now when given."""
    if expires_days is not None and not 1 <= expires_days <= 3650:
        raise InvalidInput({"expires_days": ["Give a whole number of days from 1 to 3650."]})
    user = db.session.scalar(db.select(User).filter_by(username=name))
    if user is None:
        user = create_user(name, None, roles, display_name=f"Integration: {name}")
    elif not user.active:
        raise InvalidInput({"name": [f"The user {name} is deactivated."]})
    secret = "ct_" + secrets.token_urlsafe(32)
    expires_at = utcnow() + timedelta(days=expires_days) if expires_days else None
    db.session.add(ApiToken(name=name, token_digest=digest(secret), user_id=user.id, expires_at=expires_at))
    db.session.flush()
    return secret


def user_for_token(secret: str) -> User | None:
    token = db.session.scalar(db.select(ApiToken).filter_by(token_digest=digest(secret)))
    if token is None or token.revoked_at is not None or not token.user.active:
        return None
    now = utcnow()
    if token.expires_at is not None and token.expires_at <= now:
        return None
    # Last use is shown by `flask tokens list`; an hour's precision spares a write per request.
    if token.last_used_at is None or now - token.last_used_at > timedelta(hours=1):
        token.last_used_at = now
        db.session.commit()
    return token.user


def list_tokens() -> list[ApiToken]:
    return db.session.scalars(db.select(ApiToken).order_by(ApiToken.name, ApiToken.id)).all()


def revoke_tokens(name: str) -> int:
    """Revoke every live token named `name`; the next request with one of them is a 401."""
    now = utcnow()
    tokens = db.session.scalars(db.select(ApiToken).filter_by(name=name, revoked_at=None)).all()
    for token in tokens:
        token.revoked_at = now
    if tokens:
        log.info("tokens revoked name=%r count=%s", name, len(tokens))
    return len(tokens)


def deactivate_user(username: str) -> dict[str, int]:
    """The user can no longer sign in; their sign-ins end and their tokens are revoked at once, and
    their devices' push subscriptions are removed. Their records and archive entries stay."""
    from ..push.models import PushSubscription

    user = db.session.scalar(db.select(User).filter_by(username=username))
    if user is None:
        raise InvalidInput({"username": [f"No user named {username}."]})
    now = utcnow()
    user.active = False
    user.deactivated_at = user.deactivated_at or now
    sessions = db.session.scalars(db.select(SignInSession).filter_by(user_id=user.id, ended_at=None)).all()
    for record in sessions:
        _end(record, now, "deactivated")
    tokens = db.session.scalars(db.select(ApiToken).filter_by(user_id=user.id, revoked_at=None)).all()
    for token in tokens:
        token.revoked_at = now
    devices = db.session.execute(sa.delete(PushSubscription).where(PushSubscription.user_id == user.id))
    db.session.flush()
    log.info("user deactivated user_id=%s sessions_ended=%s tokens_revoked=%s devices_removed=%s",
             user.id, len(sessions), len(tokens), devices.rowcount)
    return {"sessions": len(sessions), "tokens": len(tokens), "devices": devices.rowcount}
