"""`flask sweep`: the periodic, idempotent deadline sweep. One instance does the work at a time.

Each step selects its candidates in SQL and asks the rule in governance/escalations.py (the one
definition of each escalation and breach: condition, deadline, level, reason) whether to raise it."""
import logging
from dataclasses import dataclass, field
from datetime import timedelta

import sqlalchemy as sa

from .archive.checkpoint import checkpoint_if_due
from .cases.models import Appointment
from .cases.operations import stamp_detected_miss
from .clock import utcnow
from .escalations.operations import raise_escalation
from .extensions import db
from .governance import escalations
from .governance.deadlines import FIRST_ATTEMPT_WITHIN
from .intake.models import MissedContact
from .intake.queries import pending_misses
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
    checkpoint_if_due(now)  # the archive's head, signed once an hour (pwa.archive.checkpoint)
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
    for pending in pending_misses(now, since=now - LOOKBACK):
        if escalations.needs_breach_1a(due_at=pending.due_at, now=now):
            appointment = pending.appointment
            _raise(report, "BREACH_1A", appointment, f"BREACH_1A:appointments:{appointment.id}",
                   escalations.breach_1a_reason(appointment_ref=appointment.appointment_ref, due=_due(pending.due_at)))


def _breach_classification(now, report: SweepReport) -> None:
    query = sa.select(MissedContact).where(MissedContact.status == "queued",
                                           MissedContact.classification_due_at < now)
    for event in db.session.scalars(query):
        if not escalations.needs_breach_1b(status=event.status, classification_due_at=event.classification_due_at,
                                           now=now):
            continue
        if event.classification_breached_at is None:
            event.classification_breached_at = now
        _raise(report, "BREACH_1B", event, f"BREACH_1B:missed_contacts:{event.id}:{event.queued_at.isoformat()}",
               escalations.breach_1b_reason(due=_due(event.classification_due_at)))


def _due(at) -> str:
    """A deadline as the reasons show it: local time and day."""
    return f"{local_time(at):%H:%M %Z on %d %b}"


def _raise(report: SweepReport, rule: str, subject, key: str, reason: str) -> None:
    """Raise `rule` about `subject` (a record with a case) once per dedupe key, and count it."""
    if raise_escalation(rule, subject=subject, case_ref=subject.case.case_ref, dedupe_key=key, reason=reason):
        report.count(rule)


def _recovery_not_opened(now, report: SweepReport) -> None:
    """E4 for a tier-1 or high-risk case, BREACH_2A for the others."""
    query = sa.select(RecoveryCase).where(RecoveryCase.status == "instructed", RecoveryCase.open_due_at < now)
    for recovery in db.session.scalars(query):
        facts = dict(status=recovery.status, open_due_at=recovery.open_due_at, now=now)
        if escalations.needs_e4_not_opened(high_risk=recovery.high_risk, priority_tier=recovery.recovery_priority_tier,
                                           **facts):
            rule = "E4"
        elif escalations.needs_breach_2a(**facts):
            rule = "BREACH_2A"
        else:
            continue
        _raise(report, rule, recovery, f"{rule}:not_opened:{recovery.id}",
               escalations.recovery_not_opened_reason(due=_due(recovery.open_due_at)))


def _recovery_without_attempt(now, report: SweepReport) -> None:
    has_attempt = sa.exists().where(RecoveryAttempt.recovery_case_id == RecoveryCase.id)
    # Candidates only: opened longer ago than the first-attempt window, with no attempt. The rule decides.
    query = sa.select(RecoveryCase).where(RecoveryCase.status == "open", ~has_attempt,
                                          RecoveryCase.opened_at < now - FIRST_ATTEMPT_WITHIN)
    for recovery in db.session.scalars(query):
        if escalations.needs_e4_no_attempt(high_risk=recovery.high_risk, priority_tier=recovery.recovery_priority_tier,
                                           status=recovery.status, opened_at=recovery.opened_at, has_attempt=False,
                                           now=now):
            _raise(report, "E4", recovery, f"E4:no_attempt:{recovery.id}", escalations.E4_NO_ATTEMPT)


def _disposition_overdue(now, report: SweepReport) -> None:
    query = sa.select(RecoveryCase).where(RecoveryCase.status.in_(("instructed", "open")),
                                          RecoveryCase.disposition_due_at < now)
    for recovery in db.session.scalars(query):
        if escalations.needs_breach_2c(status=recovery.status, disposition_due_at=recovery.disposition_due_at,
                                       has_disposition=bool(recovery.dispositions), now=now):
            _raise(report, "BREACH_2C", recovery, f"BREACH_2C:{recovery.id}",
                   escalations.breach_2c_reason(due=_due(recovery.disposition_due_at)))


def _high_risk_unresolved_at_close(now, report: SweepReport) -> None:
    query = sa.select(RecoveryCase).where(RecoveryCase.high_risk.is_(True),
                                          RecoveryCase.instructed_at > now - LOOKBACK)
    for recovery in db.session.scalars(query):
        close = calendar().end_of_business_day(recovery.instructed_at)
        if close <= now and escalations.needs_e6(high_risk=recovery.high_risk, restored=restored(recovery)):
            _raise(report, "E6", recovery, f"E6:{recovery.id}:{close.date().isoformat()}",
                   escalations.e6_reason(close=_due(close)))


def _threshold_review_overdue(now, report: SweepReport) -> None:
    query = sa.select(ThresholdReview).where(ThresholdReview.status == "awaiting_review",
                                             ThresholdReview.review_due_at < now)
    for review in db.session.scalars(query):
        if not escalations.needs_breach_3a(status=review.status, review_due_at=review.review_due_at, now=now):
            continue
        if review.review_breached_at is None:
            review.review_breached_at = now
        _raise(report, "BREACH_3A", review, f"BREACH_3A:threshold_reviews:{review.id}",
               escalations.breach_3a_reason(level=review.level, due=_due(review.review_due_at)))


def _determination_overdue(now, report: SweepReport) -> None:
    query = sa.select(ThresholdReview).where(ThresholdReview.status.in_(("awaiting_review", "awaiting_determination")),
                                             ThresholdReview.determination_due_at < now)
    for review in db.session.scalars(query):
        if not escalations.needs_breach_3b(status=review.status, determination_due_at=review.determination_due_at,
                                           now=now):
            continue
        if review.determination_breached_at is None:
            review.determination_breached_at = now
        _raise(report, "BREACH_3B", review, f"BREACH_3B:threshold_reviews:{review.id}",
               escalations.breach_3b_reason(due=_due(review.determination_due_at)))
