"""Sign-in throttling, per account and per client address, kept in the database so it holds across
processes and instances.

Every failed sign-in is a row. When an account reaches SIGNIN_MAX_FAILURES failures within
SIGNIN_WINDOW_MINUTES (an address: SIGNIN_ADDRESS_MAX_FAILURES, higher, since a clinic's devices share
one address), a lockout row is written and archived, and sign-ins for it are refused for
SIGNIN_LOCKOUT_MINUTES, the right password included. A success clears the account's failures.
"""
import logging
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Mapped, mapped_column

from ..clock import utcnow
from ..extensions import db
from ..models_base import UTCDateTime, enum_check

log = logging.getLogger("continuity.accounts")
SCOPES = ("account", "address")


class SignInFailure(db.Model):
    __tablename__ = "sign_in_failures"
    __table_args__ = (sa.Index("ix_sign_in_failures_username_at", "username", "at"),
                      sa.Index("ix_sign_in_failures_address_at", "client_address", "at"))
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(80))  # as typed (lower case): unknown names count too
    client_address: Mapped[str] = mapped_column(sa.String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class SignInLockout(db.Model):
    __tablename__ = "sign_in_lockouts"
    __table_args__ = (enum_check("scope", SCOPES), sa.Index("ix_sign_in_lockouts_key_until", "scope", "key", "until"))
    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(sa.String(10))
    key: Mapped[str] = mapped_column(sa.String(80))  # the username or the client address
    failures: Mapped[int]
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    until: Mapped[datetime] = mapped_column(UTCDateTime())


@dataclass(frozen=True)
class Locked:
    until: datetime

    @property
    def retry_after(self) -> int:
        """Whole seconds to wait (the Retry-After header)."""
        return max(1, math.ceil((self.until - utcnow()).total_seconds()))


def _settings() -> tuple[int, int, timedelta, timedelta]:
    cfg = current_app.config
    return (cfg.get("SIGNIN_MAX_FAILURES", 5), cfg.get("SIGNIN_ADDRESS_MAX_FAILURES", 30),
            timedelta(minutes=cfg.get("SIGNIN_WINDOW_MINUTES", 15)),
            timedelta(minutes=cfg.get("SIGNIN_LOCKOUT_MINUTES", 15)))


def _key(username: str) -> str:
    return (username or "").strip().lower()[:80]


def lockout_for(username: str, address: str) -> Locked | None:
    """The lockout in force for this account or this address, if any (the later end wins)."""
    now = utcnow()
    until = db.session.scalar(sa.select(sa.func.max(SignInLockout.until)).where(
        SignInLockout.until > now,
        sa.or_(sa.and_(SignInLockout.scope == "account", SignInLockout.key == _key(username)),
               sa.and_(SignInLockout.scope == "address", SignInLockout.key == address[:80]))))
    if until is None:
        return None
    until = until if until.tzinfo else until.replace(tzinfo=now.tzinfo)
    return Locked(until)


def record_failure(username: str, address: str, user_id: int | None = None) -> Locked | None:
    """Count a failed sign-in; lock the account or the address when it reaches its limit."""
    max_account, max_address, window, lock = _settings()
    now = utcnow()
    key, address = _key(username), address[:64]
    db.session.add(SignInFailure(username=key, client_address=address, at=now))
    db.session.flush()
    since = now - window
    locked = None
    for scope, column, value, limit in (("account", SignInFailure.username, key, max_account),
                                        ("address", SignInFailure.client_address, address, max_address)):
        count = db.session.scalar(sa.select(sa.func.count()).select_from(SignInFailure)
                                  .where(column == value, SignInFailure.at > since))
        if count >= limit:
            locked = _lock(scope, value, count, now, now + lock, user_id)
    return locked


def _lock(scope: str, key: str, failures: int, now: datetime, until: datetime, user_id: int | None) -> Locked:
    from ..archive.operations import append_entry

    lockout = SignInLockout(scope=scope, key=key, failures=failures, started_at=now, until=until)
    db.session.add(lockout)
    db.session.flush()
    # Archived (folder "accounts") so admins and auditors see every lockout; the record carries the
    # username or address and counts, never a password.
    append_entry(folder="accounts", step="sign-in", action=f"locked_{scope}", record=lockout,
                 actor_role="system", device_id=None)
    log.warning("sign-in locked scope=%s key=%r failures=%s until=%s user_id=%s", scope, key, failures,
                until.isoformat(), user_id)
    return Locked(until)


def clear_failures(username: str) -> None:
    """A successful sign-in starts the account's count again (the address's count stays)."""
    db.session.execute(sa.delete(SignInFailure).where(SignInFailure.username == _key(username)))


def recent_lockouts(limit: int = 100) -> list[SignInLockout]:
    return db.session.scalars(sa.select(SignInLockout).order_by(SignInLockout.started_at.desc(),
                                                                SignInLockout.id.desc()).limit(limit)).all()
