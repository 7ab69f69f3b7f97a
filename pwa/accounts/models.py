"""Users, their roles, server-side sign-in sessions and integration tokens."""
import hashlib
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..governance.vocab import ROLES
from ..models_base import UTCDateTime, enum_check
from ..clock import utcnow


def digest(secret: str) -> str:
    """Session ids and tokens are stored as SHA-256 digests, never in the clear."""
    return hashlib.sha256(secret.encode()).hexdigest()


class User(db.Model):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(80), unique=True)
    display_name: Mapped[str] = mapped_column(sa.String(120))
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    team: Mapped[str | None] = mapped_column(sa.String(80))
    active: Mapped[bool] = mapped_column(default=True)
    deactivated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # `flask users deactivate`
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    role_rows: Mapped[list["UserRole"]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def roles(self) -> list[str]:
        return sorted(r.role for r in self.role_rows)

    def has_role(self, *roles: str) -> bool:
        return any(r.role in roles for r in self.role_rows)

    # Flask-Login protocol; the session record, not the user id, is what a cookie carries.
    is_authenticated = True
    is_anonymous = False

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        return str(self.id)


class UserRole(db.Model):
    __tablename__ = "user_roles"
    __table_args__ = (enum_check("role", ROLES), sa.UniqueConstraint("user_id", "role"))
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(sa.String(40))
    user: Mapped[User] = relationship(back_populates="role_rows")


class SignInSession(db.Model):
    """One row per sign-in: sign-out and the idle timeout end it for every copy of the cookie."""

    __tablename__ = "sign_in_sessions"
    id: Mapped[int] = mapped_column(primary_key=True)
    session_digest: Mapped[str] = mapped_column(sa.String(64), unique=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    end_reason: Mapped[str | None] = mapped_column(sa.String(20))
    user: Mapped[User] = relationship()


class ApiToken(db.Model):
    """Bearer tokens for integrations (`flask tokens create`); they act as their own user."""

    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(80))
    token_digest: Mapped[str] = mapped_column(sa.String(64), unique=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # `--expires-days`; None: no expiry
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # refreshed at most hourly
    user: Mapped[User] = relationship()
