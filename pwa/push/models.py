"""Push subscriptions (one per device) and the log of alerts sent to them.

A delivery's (dedupe_key, user_id) is unique: the row is the claim, so however often and in how many
processes the sweep runs, each (subject, mark, user) is queued and sent once. Rows hold ids, the short
reason and the in-app URL as sent: no names, dates of birth or clinical detail.
"""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User
from ..clock import utcnow
from ..extensions import db
from ..models_base import UTCDateTime, enum_check

DELIVERY_STATUSES = ("pending", "sent", "failed", "gone")


class PushSubscription(db.Model):
    __tablename__ = "push_subscriptions"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # The sign-in on the device that subscribed: signing out there removes the subscription.
    sign_in_session_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("sign_in_sessions.id", ondelete="CASCADE"), index=True)
    endpoint: Mapped[str] = mapped_column(sa.String(2048), unique=True)
    p256dh: Mapped[str] = mapped_column(sa.String(128))
    auth: Mapped[str] = mapped_column(sa.String(64))
    user_agent: Mapped[str | None] = mapped_column(sa.String(120))  # a label such as "Chrome on Android"
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    failure_count: Mapped[int] = mapped_column(default=0)
    user: Mapped[User] = relationship()

    def info(self) -> dict:
        """The subscription_info pywebpush takes."""
        return {"endpoint": self.endpoint, "keys": {"p256dh": self.p256dh, "auth": self.auth}}


class PushDelivery(db.Model):
    __tablename__ = "push_deliveries"
    __table_args__ = (
        enum_check("status", DELIVERY_STATUSES),
        sa.UniqueConstraint("dedupe_key", "user_id"),
        sa.Index("ix_push_deliveries_status", "status"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(sa.String(120))  # subject_type:subject_id:mark
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    subscription_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("push_subscriptions.id", ondelete="SET NULL"))  # the device it last went to
    status: Mapped[str] = mapped_column(sa.String(10), default="pending")
    urgency: Mapped[str] = mapped_column(sa.String(10), default="normal")
    title: Mapped[str] = mapped_column(sa.String(80))
    reason: Mapped[str] = mapped_column(sa.String(200))
    url: Mapped[str] = mapped_column(sa.String(200))
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(sa.String(200))  # an HTTP status or exception class
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime())  # a sender's lease
