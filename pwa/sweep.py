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
from .governance.deadlines import first_attempt_due
from .intake.models import MissedContact
from .push.operations import queue_escalation_alerts, queue_recovery_mark_alerts
from .recovery.models import RecoveryAttempt, RecoveryCase
from .recovery.operations import restored
from .review.models import ThresholdReview
from .timekeeping import calendar
from .timekeeping import local_time

log = logging.getLogger("continuity.sweep")
SWEEP_LOCK_KEY = 72_201_002
LOOKBACK = timedelta(days=7)


@dataclass
class SweepReport:
    detected: int = 0
    raised: dict[str, int] = field(default_factory=dict)
    alerts_queued: int = 0

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
    _recovery_not_opened(now, report)
    _recovery_without_attempt(now, report)
    _disposition_overdue(now, report)
    _high_risk_unresolved_at_close(now, report)
    _threshold_review_overdue(now, report)
    _determination_overdue(now, report)
    db.session.flush()
    # Push alerts are queued here (claimed once per subject, mark and user) and sent by the caller after
    # it commits: pwa.push.operations.send_due_alerts.
    report.alerts_queued = queue_escalation_alerts(now) + queue_recovery_mark_alerts(now)
    log.info("sweep done detected=%s raised=%s alerts_queued=%s", report.detected, report.raised,
             report.alerts_queued)
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
        _raise(report, "BREACH_1A", appointment, f"BREACH_1A:appointments:{appointment.id}",
               f"No missed-contact event for appointment {appointment.appointment_ref}; it was due by "
               f"{_due(pending.due_at)}.")


def _breach_classification(now, report: SweepReport) -> None:
    """1b: a queued event not classified within 2 business hours of (re-)queueing."""
    query = sa.select(MissedContact).where(MissedContact.status == "queued",
                                           MissedContact.classification_due_at < now)
    for event in db.session.scalars(query):
        if event.classification_breached_at is None:
            event.classification_breached_at = now
        _raise(report, "BREACH_1B", event, f"BREACH_1B:missed_contacts:{event.id}:{event.queued_at.isoformat()}",
               f"Classification challenge was due by {_due(event.classification_due_at)}.")


def _due(at) -> str:
    """A deadline as the reasons show it: local time and day."""
    return f"{local_time(at):%H:%M %Z on %d %b}"


def _raise(report: SweepReport, rule: str, subject, key: str, reason: str) -> None:
    """Raise `rule` about `subject` (a record with a case) once per dedupe key, and count it."""
    if raise_escalation(rule, subject=subject, case_ref=subject.case.case_ref, dedupe_key=key, reason=reason):
        report.count(rule)


def _recovery_not_opened(now, report: SweepReport) -> None:
    """2a: not opened by its deadline. E4 for a high-risk case, a breach for the others."""
    query = sa.select(RecoveryCase).where(RecoveryCase.status == "instructed", RecoveryCase.open_due_at < now)
    for recovery in db.session.scalars(query):
        rule = "E4" if recovery.tier_one else "BREACH_2A"
        _raise(report, rule, recovery, f"{rule}:not_opened:{recovery.id}",
               f"Recovery case not opened; it was due by {_due(recovery.open_due_at)}.")


def _recovery_without_attempt(now, report: SweepReport) -> None:
    """E4: a tier-1 or high-risk case opened with no attempt logged within 1 hour."""
    has_attempt = sa.exists().where(RecoveryAttempt.recovery_case_id == RecoveryCase.id)
    query = sa.select(RecoveryCase).where(RecoveryCase.status == "open", ~has_attempt,
                                          RecoveryCase.opened_at < now - timedelta(hours=1))
    for recovery in db.session.scalars(query):
        if recovery.tier_one and first_attempt_due(recovery.opened_at) < now:
            _raise(report, "E4", recovery, f"E4:no_attempt:{recovery.id}",
                   "Recovery case opened more than an hour ago with no attempt logged.")


def _disposition_overdue(now, report: SweepReport) -> None:
    """2c: no disposition by the end of the business day (2 business hours when high-risk)."""
    query = sa.select(RecoveryCase).where(RecoveryCase.status.in_(("instructed", "open")),
                                          RecoveryCase.disposition_due_at < now)
    for recovery in db.session.scalars(query):
        if not recovery.dispositions:
            _raise(report, "BREACH_2C", recovery, f"BREACH_2C:{recovery.id}",
                   f"No recovery disposition; it was due by "
                   f"{_due(recovery.disposition_due_at)}.")


def _high_risk_unresolved_at_close(now, report: SweepReport) -> None:
    """E6: a high-risk case with no disposition restoring continuity at the close of its business day."""
    query = sa.select(RecoveryCase).where(RecoveryCase.high_risk.is_(True),
                                          RecoveryCase.instructed_at > now - LOOKBACK)
    for recovery in db.session.scalars(query):
        close = calendar().end_of_business_day(recovery.instructed_at)
        if close <= now and not restored(recovery):
            _raise(report, "E6", recovery, f"E6:{recovery.id}:{close.date().isoformat()}",
                   f"High-risk recovery case still unresolved at the close of business "
                   f"({_due(close)}).")


def _threshold_review_overdue(now, report: SweepReport) -> None:
    """3a: a threshold review not completed within 1 business day of the case reaching its level."""
    query = sa.select(ThresholdReview).where(ThresholdReview.status == "awaiting_review",
                                             ThresholdReview.review_due_at < now)
    for review in db.session.scalars(query):
        if review.review_breached_at is None:
            review.review_breached_at = now
        _raise(report, "BREACH_3A", review, f"BREACH_3A:threshold_reviews:{review.id}",
               f"Threshold review ({review.level.replace('_', ' ')}) was due by {_due(review.review_due_at)}; "
               "restrictions stay frozen.")


def _determination_overdue(now, report: SweepReport) -> None:
    """3b: no panel determination within 1 business day of review initiation."""
    query = sa.select(ThresholdReview).where(ThresholdReview.status.in_(("awaiting_review", "awaiting_determination")),
                                             ThresholdReview.determination_due_at < now)
    for review in db.session.scalars(query):
        if review.determination_breached_at is None:
            review.determination_breached_at = now
        _raise(report, "BREACH_3B", review, f"BREACH_3B:threshold_reviews:{review.id}",
               f"Panel determination was due by {_due(review.determination_due_at)}.")
