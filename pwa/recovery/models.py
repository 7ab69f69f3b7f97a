"""Workflow 2: the recovery case (opened in 2a), its attempts (2b) and dispositions (2c).

A release with follow_up_route `outreach` instructs the case; attempts and dispositions can be
captured offline, so they carry the device's client_id and recorded_at beside the server's
received_at and the measured clock offset.
"""
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User
from ..cases.models import Appointment, Case, ContactRoute
from ..extensions import db
from ..governance import vocab
from ..intake.models import MissedContact
from ..models_base import StepRecord, UTCDateTime, enum_check


class RecoveryCase(db.Model):
    __tablename__ = "recovery_cases"
    __table_args__ = (
        enum_check("status", vocab.RECOVERY_STATUSES),
        enum_check("recovery_priority_tier", vocab.PRIORITY_TIERS, nullable=True),
        enum_check("immediate_welfare_concern", vocab.YES_NO, nullable=True),
        enum_check("control_status", vocab.CONTROL_STATUSES, nullable=True),
        enum_check("closure_reason", vocab.CLOSURE_REASONS, nullable=True),
        sa.CheckConstraint("service_impact_score IS NULL OR service_impact_score BETWEEN 1 AND 5",
                           name="service_impact_score_range"),
        sa.Index("ix_recovery_cases_status_open_due", "status", "open_due_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id"), index=True)
    missed_contact_id: Mapped[int] = mapped_column(sa.ForeignKey("missed_contacts.id"), unique=True)
    release_id: Mapped[int] = mapped_column(sa.ForeignKey("releases.id"), unique=True)
    assigned_worker_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    status: Mapped[str] = mapped_column(sa.String(20))
    high_risk: Mapped[bool]
    instructed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    open_due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    disposition_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Step 2a, filled when the outreach worker opens the case.
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    recovery_priority_tier: Mapped[str | None] = mapped_column(sa.String(1))
    approved_contact_route_id: Mapped[int | None] = mapped_column(sa.ForeignKey("contact_routes.id"))
    immediate_welfare_concern: Mapped[str | None] = mapped_column(sa.String(3))
    service_impact_score: Mapped[int | None]
    next_checkpoint_date: Mapped[date | None]
    reviewer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    validation_timestamp: Mapped[datetime | None] = mapped_column(UTCDateTime())
    control_status: Mapped[str | None] = mapped_column(sa.String(10))
    escalation_status: Mapped[str] = mapped_column(sa.String(60), default="none")
    # Opened for a missed make-up (a repeat miss): raised in priority, like a high-risk case.
    priority_raised: Mapped[bool] = mapped_column(default=False)
    # Section 4: the make-up appointment the accepted rescue booked, and the closure.
    makeup_appointment_id: Mapped[int | None] = mapped_column(sa.ForeignKey("appointments.id"))
    closure_reason: Mapped[str | None] = mapped_column(sa.String(30))
    closure_evidence: Mapped[str | None] = mapped_column(sa.Text)
    reengaged_appointment_id: Mapped[int | None] = mapped_column(sa.ForeignKey("appointments.id"))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    case: Mapped[Case] = relationship(lazy="joined")
    makeup_appointment: Mapped[Appointment | None] = relationship(foreign_keys=[makeup_appointment_id])
    reengaged_appointment: Mapped[Appointment | None] = relationship(foreign_keys=[reengaged_appointment_id])
    missed_contact: Mapped[MissedContact] = relationship()
    assigned_worker: Mapped[User | None] = relationship(foreign_keys=[assigned_worker_id])
    closed_by: Mapped[User | None] = relationship(foreign_keys=[closed_by_id])
    approved_contact_route: Mapped[ContactRoute | None] = relationship()
    attempts: Mapped[list["RecoveryAttempt"]] = relationship(
        back_populates="recovery_case", order_by="RecoveryAttempt.attempt_at")
    dispositions: Mapped[list["RecoveryDisposition"]] = relationship(
        back_populates="recovery_case", order_by="RecoveryDisposition.id",
        foreign_keys="RecoveryDisposition.recovery_case_id")

    @property
    def latest_disposition(self) -> "RecoveryDisposition | None":
        return self.dispositions[-1] if self.dispositions else None


class OfflineCapable:
    """Columns of an entry that may have been captured on a device with no signal."""

    client_id: Mapped[str] = mapped_column(sa.String(36), unique=True)  # unique forever
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())          # the device's clock, as sent
    corrected_recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())  # recorded_at + clock offset
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())          # the server's clock
    clock_offset_seconds: Mapped[float] = mapped_column(default=0.0)     # received_at - sent_at
    clock_flagged: Mapped[bool] = mapped_column(default=False)           # offset beyond tolerance
    device_id: Mapped[str | None] = mapped_column(sa.String(80))
    payload_digest: Mapped[str] = mapped_column(sa.String(64))            # a replay must match it


class RecoveryAttempt(StepRecord, OfflineCapable, db.Model):
    __tablename__ = "recovery_attempts"
    __table_args__ = (
        enum_check("channel", vocab.CONTACT_CHANNELS),
        enum_check("outcome", vocab.ATTEMPT_OUTCOMES),
        enum_check("barrier_signal", vocab.BARRIER_SIGNALS),
        enum_check("rescue_option", vocab.RESCUE_OPTIONS),
        enum_check("exception_status", vocab.EXCEPTION_STATUSES, nullable=True),
        enum_check("offer_accepted", vocab.YES_NO, nullable=True),
        enum_check("control_status", vocab.CONTROL_STATUSES),
        # The attempt form starts on the channel this worker used last: one index read, whatever their history.
        sa.Index("ix_recovery_attempts_reviewer_latest", "reviewer_id", "validation_timestamp", "id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    recovery_case_id: Mapped[int] = mapped_column(sa.ForeignKey("recovery_cases.id"), index=True)
    attempt_at: Mapped[datetime] = mapped_column(UTCDateTime())  # corrected for the device clock offset
    channel: Mapped[str] = mapped_column(sa.String(30))
    outcome: Mapped[str] = mapped_column(sa.String(20))
    barrier_signal: Mapped[str] = mapped_column(sa.String(30))
    rescue_option: Mapped[str] = mapped_column(sa.String(30))
    rescue_detail: Mapped[str | None] = mapped_column(sa.Text)
    emergency_exception_reason: Mapped[str | None] = mapped_column(sa.Text)
    exception_status: Mapped[str | None] = mapped_column(sa.String(10))
    exception_decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    exception_decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    late: Mapped[bool] = mapped_column(default=False)  # recorded after the case's disposition
    # Section 4: the person accepted the slot offered; the make-up appointment it booked.
    offer_accepted: Mapped[str | None] = mapped_column(sa.String(3))
    makeup_appointment_id: Mapped[int | None] = mapped_column(sa.ForeignKey("appointments.id"))

    recovery_case: Mapped[RecoveryCase] = relationship(back_populates="attempts")
    makeup_appointment: Mapped[Appointment | None] = relationship()
    reviewer: Mapped[User] = relationship(foreign_keys="RecoveryAttempt.reviewer_id")


class RecoveryDisposition(StepRecord, OfflineCapable, db.Model):
    """2c. Locked: never edited; a later disposition supersedes it by reference."""

    __tablename__ = "recovery_dispositions"
    __table_args__ = (
        enum_check("continuity_restored", vocab.CONTINUITY_RESTORED),
        enum_check("locked_instruction", vocab.LOCKED_INSTRUCTIONS),
        enum_check("control_status", vocab.CONTROL_STATUSES),
        sa.CheckConstraint("unresolved_barrier_count >= 0", name="barrier_count_non_negative"),
        sa.UniqueConstraint("supersedes_id"),
        # My day: the cases dispositioned in the past week, found among recent dispositions only.
        sa.Index("ix_recovery_dispositions_validation_timestamp", "validation_timestamp"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    recovery_case_id: Mapped[int] = mapped_column(sa.ForeignKey("recovery_cases.id"), index=True)
    continuity_restored: Mapped[str] = mapped_column(sa.String(10))
    continuity_evidence: Mapped[list] = mapped_column(sa.JSON, default=list)  # attempt ids
    rebooked_appointment_id: Mapped[int | None] = mapped_column(sa.ForeignKey("appointments.id"))
    replacement_contact_route_id: Mapped[int] = mapped_column(sa.ForeignKey("contact_routes.id"))
    unresolved_barrier_count: Mapped[int]
    locked_instruction: Mapped[str] = mapped_column(sa.String(30))
    instruction_detail: Mapped[str | None] = mapped_column(sa.Text)
    owner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    review_date: Mapped[date]
    supersedes_id: Mapped[int | None] = mapped_column(sa.ForeignKey("recovery_dispositions.id"))
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Arrived after the case was closed: kept as the supervisor's record, with no effect on the case.
    late: Mapped[bool] = mapped_column(default=False)

    recovery_case: Mapped[RecoveryCase] = relationship(back_populates="dispositions",
                                                       foreign_keys=[recovery_case_id])
    replacement_contact_route: Mapped[ContactRoute] = relationship()
    rebooked_appointment: Mapped[Appointment | None] = relationship()
    reviewer: Mapped[User] = relationship(foreign_keys="RecoveryDisposition.reviewer_id")
    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id])


class SyncConflict(db.Model):
    """Evidence: an entry a device sent under a client_id already used for a different entry.
    The stored entry is untouched; one row per distinct entry sent under that id."""

    __tablename__ = "sync_conflicts"
    __table_args__ = (
        enum_check("kind", vocab.SYNC_KINDS),
        enum_check("stored_kind", vocab.SYNC_KINDS),
        sa.UniqueConstraint("client_id", "entry_digest"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[str] = mapped_column(sa.String(36))  # indexed by the unique constraint
    kind: Mapped[str] = mapped_column(sa.String(12))
    recovery_case_id: Mapped[int]  # as sent: not a foreign key, the device may name any case
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    device_id: Mapped[str] = mapped_column(sa.String(80))
    payload: Mapped[dict] = mapped_column(sa.JSON)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())  # the device's clock, as sent
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())  # first time it arrived
    clock_offset_seconds: Mapped[float]
    entry_digest: Mapped[str] = mapped_column(sa.String(64))      # of the entry as sent
    stored_kind: Mapped[str] = mapped_column(sa.String(12))
    stored_id: Mapped[int]                                         # the record that owns the client_id
    reason: Mapped[str] = mapped_column(sa.String(200))
    times_received: Mapped[int] = mapped_column(default=1)
    last_received_at: Mapped[datetime] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship()
