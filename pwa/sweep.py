"""`flask sweep`: the periodic, idempotent deadline sweep. One instance does the work at a time."""
import logging
from dataclasses import dataclass, field
from datetime import timedelta

import sqlalchemy as sa

from .cases.models import Appointment
from .cases.operations import pending_misses, stamp_detected_miss
from .clock import utcnow
from .escalations.operations import raise_escalation
from .extensions import db
from .intake.models import MissedContact
from .timekeeping import local_time

log = logging.getLogger("continuity.sweep")
SWEEP_LOCK_KEY = 72_201_002
LOOKBACK = timedelta(days=7)


@dataclass
class SweepReport:
    detected: int = 0
    raised: dict[str, int] = field(default_factory=dict)

    def count(self, rule: str) -> None:
        self.raised[rule] = self.raised.get(rule, 0) + 1


def _take_lock() -> bool:
    """On PostgreSQL a transaction-level advisory lock: a second instance skips this run."""
    if db.session.get_bind().dialect.name != "postgresql":
        return True
    return bool(db.session.scalar(sa.text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": SWEEP_LOCK_KEY}))


def run_sweep() -> SweepReport | None:
    """Mark breaches and raise their escalations; the caller commits. None when another instance holds the lock."""
    if not _take_lock():
        return None
    now = utcnow()
    report = SweepReport()
    _detect_misses(now, report)
    _breach_event_opening(now, report)
    _breach_classification(now, report)
    db.session.flush()
    log.info("sweep done detected=%s raised=%s", report.detected, report.raised)
    return report


def _detect_misses(now, report: SweepReport) -> None:
    query = sa.select(Appointment).where(Appointment.scheduled_at.between(now - LOOKBACK, now),
                                         Appointment.miss_detected_at.is_(None), Appointment.cancelled.is_(False))
    for appointment in db.session.scalars(query):
        stamp_detected_miss(appointment, now)
        if appointment.miss_detected_at is not None:
            report.detected += 1


def _breach_event_opening(now, report: SweepReport) -> None:
    """1a: a detected miss with no event record 30 minutes after detection."""
    for pending in pending_misses(now, since=now - LOOKBACK):
        if pending.due_at >= now:
            continue
        appointment = pending.appointment
        raised = raise_escalation(
            "BREACH_1A", subject=appointment, case_ref=appointment.case.case_ref,
            dedupe_key=f"BREACH_1A:appointments:{appointment.id}",
            reason=f"No missed-contact event for appointment {appointment.appointment_ref}; it was due by "
                   f"{local_time(pending.due_at):%H:%M %Z on %d %b}.")
        if raised:
            report.count("BREACH_1A")


def _breach_classification(now, report: SweepReport) -> None:
    """1b: a queued event not classified within 2 business hours of (re-)queueing."""
    query = sa.select(MissedContact).where(MissedContact.status == "queued",
                                           MissedContact.classification_due_at < now)
    for event in db.session.scalars(query):
        if event.classification_breached_at is None:
            event.classification_breached_at = now
        raised = raise_escalation(
            "BREACH_1B", subject=event, case_ref=event.case.case_ref,
            dedupe_key=f"BREACH_1B:missed_contacts:{event.id}:{event.queued_at.isoformat()}",
            reason=f"Classification challenge was due by {local_time(event.classification_due_at):%H:%M %Z on %d %b}.")
        if raised:
            report.count("BREACH_1B")
