"""Workflow 2 reads: which cases a user sees and the supervisor's Close the day board (My day and the
case page: listing.py)."""
from datetime import datetime, time, timedelta

import sqlalchemy as sa

from ..extensions import db
from ..governance import access
from ..timekeeping import local_today, local_zone
from .models import RecoveryAttempt, RecoveryCase, RecoveryDisposition, SyncConflict

RECENTLY_DISPOSITIONED = timedelta(days=7)  # how long a finished case stays on My day
RECENT = 20  # late entries and conflicts listed on Close the day


def visible_recovery_cases(user, status: str | None = None) -> list[RecoveryCase]:
    """Supervisors see every case; an outreach worker only the cases assigned to them.
    High-risk first, then nearest deadline."""
    query = sa.select(RecoveryCase)
    if not user.has_role(*access.SEE_EVERY_RECOVERY_CASE):
        query = query.where(RecoveryCase.assigned_worker_id == user.id)
    if status:
        query = query.where(RecoveryCase.status == status)
    due = sa.case((RecoveryCase.status == "instructed", RecoveryCase.open_due_at),
                  else_=RecoveryCase.disposition_due_at)
    return db.session.scalars(query.order_by(RecoveryCase.high_risk.desc(), due, RecoveryCase.id)).all()


def recovery_case_for(release) -> RecoveryCase | None:
    """The recovery case a release with the outreach route instructed."""
    return db.session.scalar(sa.select(RecoveryCase).filter_by(release_id=release.id))


def close_the_day_board(cases: list[RecoveryCase]) -> dict:
    """Every case still open or dispositioned today (of those the supervisor sees), the emergency
    exceptions awaiting approval, and the latest late entries and sync conflicts."""
    start_of_day = datetime.combine(local_today(), time(0), tzinfo=local_zone())
    today = [c for c in cases if c.status in ("instructed", "open") or (
        c.latest_disposition and c.latest_disposition.validation_timestamp >= start_of_day)
        or (c.closed_at is not None and c.closed_at >= start_of_day)]
    pending = db.session.scalars(sa.select(RecoveryAttempt).filter_by(exception_status="pending")
                                 .order_by(RecoveryAttempt.attempt_at)).all()
    late = db.session.scalars(sa.select(RecoveryAttempt).filter_by(late=True)
                              .order_by(RecoveryAttempt.received_at.desc()).limit(RECENT)).all()
    late_dispositions = db.session.scalars(sa.select(RecoveryDisposition).filter_by(late=True)
                                           .order_by(RecoveryDisposition.received_at.desc()).limit(RECENT)).all()
    conflicts = db.session.scalars(sa.select(SyncConflict).order_by(SyncConflict.last_received_at.desc())
                                   .limit(RECENT)).all()
    return {"cases": today, "pending": pending, "late": late, "late_dispositions": late_dispositions,
            "conflicts": conflicts}


def last_channel_used(user) -> str | None:
    """The channel of the last attempt this worker logged (any case): the attempt form starts on it."""
    return db.session.scalar(sa.select(RecoveryAttempt.channel).where(RecoveryAttempt.reviewer_id == user.id)
                             .order_by(RecoveryAttempt.validation_timestamp.desc(), RecoveryAttempt.id.desc()).limit(1))
