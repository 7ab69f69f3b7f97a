"""Workflow 1: the missed-contact event (1a), its classification challenges (1b), evidence added
after a return, the coded release (1c) and the permanent attendance file it writes."""
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User
from ..cases.models import Appointment, Case
from ..extensions import db
from ..governance import vocab
from ..models_base import StepRecord, UTCDateTime, enum_check
from ..clock import utcnow


class MissedContact(StepRecord, db.Model):
    __tablename__ = "missed_contacts"
    __table_args__ = (
        enum_check("event_type", vocab.EVENT_TYPES),
        enum_check("service_disruption_known", vocab.YES_NO),
        enum_check("contactability_status", vocab.CONTACTABILITY),
        enum_check("status", vocab.EVENT_STATUSES),
        enum_check("control_status", vocab.CONTROL_STATUSES),
        # One event per appointment: a second attempt is refused, not duplicated.
        sa.UniqueConstraint("appointment_id"),
        sa.Index("ix_missed_contacts_status_due", "status", "classification_due_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id"), index=True)
    appointment_id: Mapped[int] = mapped_column(sa.ForeignKey("appointments.id"))
    scheduled_at: Mapped[datetime] = mapped_column(UTCDateTime())
    event_type: Mapped[str] = mapped_column(sa.String(30))
    service_disruption_known: Mapped[str] = mapped_column(sa.String(3))
    contactability_status: Mapped[str] = mapped_column(sa.String(20))
    next_checkpoint_date: Mapped[date]
    note: Mapped[str | None] = mapped_column(sa.Text)
    status: Mapped[str] = mapped_column(sa.String(20))
    open_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime())
    classification_due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    classification_breached_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # A missed make-up: the event of the miss it was to make up for (raised in priority everywhere).
    repeat_of_id: Mapped[int | None] = mapped_column(sa.ForeignKey("missed_contacts.id"))

    case: Mapped[Case] = relationship(lazy="joined")
    appointment: Mapped[Appointment] = relationship(lazy="joined")
    reviewer: Mapped[User] = relationship()
    classifications: Mapped[list["Classification"]] = relationship(
        back_populates="missed_contact", order_by="Classification.id")
    evidence: Mapped[list["EvidenceAddition"]] = relationship(order_by="EvidenceAddition.id")
    release: Mapped["Release | None"] = relationship(back_populates="missed_contact")

    @property
    def latest_classification(self) -> "Classification | None":
        return self.classifications[-1] if self.classifications else None


class Classification(StepRecord, db.Model):
    __tablename__ = "classifications"
    __table_args__ = (
        enum_check("final_classification", vocab.CLASSIFICATIONS),
        enum_check("outcome", vocab.CLASSIFICATION_OUTCOMES),
        enum_check("access_barrier_likelihood", vocab.LIKELIHOODS),
        enum_check("service_failure_contribution", vocab.SERVICE_CONTRIBUTIONS),
        enum_check("control_status", vocab.CONTROL_STATUSES),
        sa.CheckConstraint("unresolved_dependency_count >= 0", name="dependency_count_non_negative"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    missed_contact_id: Mapped[int] = mapped_column(sa.ForeignKey("missed_contacts.id"), index=True)
    final_classification: Mapped[str] = mapped_column(sa.String(30))
    outcome: Mapped[str] = mapped_column(sa.String(30))
    access_barrier_likelihood: Mapped[str] = mapped_column(sa.String(10))
    service_failure_contribution: Mapped[str] = mapped_column(sa.String(20))
    contributing_factors: Mapped[list] = mapped_column(sa.JSON, default=list)
    unresolved_dependency_count: Mapped[int]
    evidence_summary: Mapped[str] = mapped_column(sa.Text)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())

    missed_contact: Mapped[MissedContact] = relationship(back_populates="classifications")
    reviewer: Mapped[User] = relationship()


class EvidenceAddition(db.Model):
    """Evidence a coordinator adds to a returned event; saving it re-queues the event."""

    __tablename__ = "evidence_additions"
    __table_args__ = (enum_check("contactability_status", vocab.CONTACTABILITY, nullable=True),)
    id: Mapped[int] = mapped_column(primary_key=True)
    missed_contact_id: Mapped[int] = mapped_column(sa.ForeignKey("missed_contacts.id"), index=True)
    evidence: Mapped[str] = mapped_column(sa.Text)
    contactability_status: Mapped[str | None] = mapped_column(sa.String(20))
    reviewer_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    validation_timestamp: Mapped[datetime] = mapped_column(UTCDateTime())
    requeued_at: Mapped[datetime] = mapped_column(UTCDateTime())
    classification_due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    reviewer: Mapped[User] = relationship()


class Release(StepRecord, db.Model):
    __tablename__ = "releases"
    __table_args__ = (
        enum_check("permanent_code", tuple(vocab.PERMANENT_CODES.values())),
        enum_check("follow_up_required", vocab.YES_NO),
        enum_check("follow_up_route", vocab.FOLLOW_UP_ROUTES),
        enum_check("control_status", vocab.CONTROL_STATUSES),
        sa.UniqueConstraint("missed_contact_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    missed_contact_id: Mapped[int] = mapped_column(sa.ForeignKey("missed_contacts.id"))
    classification_id: Mapped[int] = mapped_column(sa.ForeignKey("classifications.id"))
    permanent_code: Mapped[str] = mapped_column(sa.String(20))
    follow_up_required: Mapped[str] = mapped_column(sa.String(3))
    follow_up_route: Mapped[str] = mapped_column(sa.String(20))
    review_date: Mapped[date]

    missed_contact: Mapped[MissedContact] = relationship(back_populates="release")
    reviewer: Mapped[User] = relationship()


class AttendanceCode(db.Model):
    """The permanent attendance file: one code per appointment, written only by a release."""

    __tablename__ = "attendance_codes"
    __table_args__ = (
        enum_check("code", tuple(vocab.PERMANENT_CODES.values())),
        sa.UniqueConstraint("appointment_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    appointment_id: Mapped[int] = mapped_column(sa.ForeignKey("appointments.id"))
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id"), index=True)
    code: Mapped[str] = mapped_column(sa.String(20))
    release_id: Mapped[int] = mapped_column(sa.ForeignKey("releases.id"))
    applied_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ClinicalFollowUp(db.Model):
    """The instruction a release with follow_up_route `clinical` issues to the clinical team."""

    __tablename__ = "clinical_follow_ups"
    id: Mapped[int] = mapped_column(primary_key=True)
    release_id: Mapped[int] = mapped_column(sa.ForeignKey("releases.id"), unique=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id"), index=True)
    instructed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    review_date: Mapped[date]
