"""People's cases, their contact routes and the live schedule of appointments."""
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User
from ..extensions import db
from ..governance.vocab import CONTACT_CHANNELS, LANGUAGES, MODALITIES, NOTICE_CHANNELS, RISK_FLAGS
from ..models_base import UTCDateTime, enum_check
from ..clock import utcnow


class Case(db.Model):
    __tablename__ = "cases"
    __table_args__ = (enum_check("preferred_language", LANGUAGES),)
    id: Mapped[int] = mapped_column(primary_key=True)
    case_ref: Mapped[str] = mapped_column(sa.String(64), unique=True)
    display_name: Mapped[str] = mapped_column(sa.String(120))
    team: Mapped[str | None] = mapped_column(sa.String(80))
    assigned_outreach_worker_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    # Section 4: the attendance expectations explained to the person at intake, and when.
    expectations_explained_on: Mapped[date | None]
    expectations_text: Mapped[str | None] = mapped_column(sa.Text)
    # The language the person reads: their letters are written in it (Flask-Babel catalogs, pwa/translations).
    preferred_language: Mapped[str] = mapped_column(sa.String(8), default="en", server_default="en")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    risk_flag_rows: Mapped[list["CaseRiskFlag"]] = relationship(cascade="all, delete-orphan", lazy="selectin")
    # Every route the case ever had: a route the feed stops sending is retired, never deleted, because
    # recovery records (the approved route, a disposition's replacement route) keep pointing at it.
    route_history: Mapped[list["ContactRoute"]] = relationship(
        cascade="all", order_by="ContactRoute.id", overlaps="contact_routes")
    # The routes on record now.
    contact_routes: Mapped[list["ContactRoute"]] = relationship(
        primaryjoin="and_(ContactRoute.case_id == Case.id, ContactRoute.retired_at.is_(None))",
        viewonly=True, lazy="selectin", order_by="ContactRoute.id")
    assigned_outreach_worker: Mapped[User | None] = relationship()

    @property
    def risk_flags(self) -> list[str]:
        return sorted(r.flag for r in self.risk_flag_rows)

    @property
    def high_risk(self) -> bool:
        return bool(self.risk_flag_rows)

    @property
    def approved_routes(self) -> list["ContactRoute"]:
        return [r for r in self.contact_routes if r.approved]


class CaseRiskFlag(db.Model):
    __tablename__ = "case_risk_flags"
    __table_args__ = (enum_check("flag", RISK_FLAGS), sa.UniqueConstraint("case_id", "flag"))
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id", ondelete="CASCADE"))
    flag: Mapped[str] = mapped_column(sa.String(30))


class ContactRoute(db.Model):
    __tablename__ = "contact_routes"
    __table_args__ = (enum_check("channel", CONTACT_CHANNELS),)
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(sa.String(30))
    value: Mapped[str] = mapped_column(sa.String(200))
    approved: Mapped[bool] = mapped_column(default=False)
    preferred: Mapped[bool] = mapped_column(default=False)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Appointment(db.Model):
    """The live schedule, upserted by the schedule feed; attendance signals land here too."""

    __tablename__ = "appointments"
    __table_args__ = (enum_check("modality", MODALITIES), enum_check("absence_channel", NOTICE_CHANNELS, nullable=True))
    id: Mapped[int] = mapped_column(primary_key=True)
    appointment_ref: Mapped[str] = mapped_column(sa.String(64), unique=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id"), index=True)
    scheduled_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    duration_minutes: Mapped[int] = mapped_column(default=60)
    service: Mapped[str] = mapped_column(sa.String(120))
    modality: Mapped[str] = mapped_column(sa.String(20))
    # Attendance signals: arrival (in person) or virtual-session join and leave.
    arrived_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    joined_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancelled: Mapped[bool] = mapped_column(default=False)
    # Set when the miss is detected (by a signal or the sweep); the 1a deadline runs from here.
    miss_detected_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    detected_event_type: Mapped[str | None] = mapped_column(sa.String(30))
    event_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Section 4: the missed appointment this one makes up for (a make-up session, another slot).
    makeup_for_id: Mapped[int | None] = mapped_column(sa.ForeignKey("appointments.id"), index=True)
    # Notice given in advance: a notified absence is never a missed contact.
    absence_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    absence_reason: Mapped[str | None] = mapped_column(sa.Text)
    absence_channel: Mapped[str | None] = mapped_column(sa.String(20))
    absence_recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    # A session recording sent to the person, and its viewing: partial engagement, never attendance.
    recording_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    recording_viewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    case: Mapped[Case] = relationship(lazy="joined")
    makeup_for: Mapped["Appointment | None"] = relationship(remote_side=[id])

    @property
    def attended(self) -> bool:
        """An attendance signal with no miss: an arrival, or a virtual session joined (and not left early)."""
        return bool(self.arrived_at or self.joined_at) and self.miss_detected_at is None and not self.cancelled

    @property
    def status(self) -> str:
        if self.cancelled:
            return "cancelled"
        if self.absence_notified_at is not None:
            return "notified_absence"
        if self.miss_detected_at is not None:
            return "missed"
        return "attended" if self.attended else "scheduled"
