"""What My day and the case page read, counted and paged in SQL: a screen's cost follows today's work,
not the size of the history behind it (bench/load.py measures both on a year of generated history)."""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import aliased, lazyload, selectinload

from ..cases.models import Appointment
from ..extensions import db
from ..governance import access
from ..intake.models import MissedContact
from .models import RecoveryAttempt, RecoveryCase, RecoveryDisposition

TIMELINE_PAGE = 20  # attempts per page of a case's timeline, newest first


def my_day(user, dispositioned_since: datetime) -> tuple[list[RecoveryCase], dict[int, int]]:
    """The cases still to work (instructed, open) and those whose latest disposition is newer than
    `dispositioned_since`: high-risk first, then nearest deadline. Supervisors see every worker's.
    Returns the cases and their attempt counts."""
    # Found among the recent dispositions only (an index range), never by visiting every finished case.
    later = aliased(RecoveryDisposition)
    latest_is_recent = (sa.select(RecoveryDisposition.recovery_case_id)
                        .where(RecoveryDisposition.validation_timestamp >= dispositioned_since,
                               ~sa.exists().where(later.recovery_case_id == RecoveryDisposition.recovery_case_id,
                                                  later.id > RecoveryDisposition.id)))
    recent = sa.or_(
        sa.and_(RecoveryCase.status == "dispositioned", RecoveryCase.id.in_(latest_is_recent)),
        # Section 4: closed in the same past week (re-engaged, or by a supervisor).
        sa.and_(RecoveryCase.status == "closed", RecoveryCase.closed_at >= dispositioned_since))
    query = sa.select(RecoveryCase).where(sa.or_(RecoveryCase.status.in_(("instructed", "open")), recent))
    if not user.has_role(*access.SEE_EVERY_RECOVERY_CASE):
        query = query.where(RecoveryCase.assigned_worker_id == user.id)
    due = sa.case((RecoveryCase.status == "instructed", RecoveryCase.open_due_at),
                  else_=RecoveryCase.disposition_due_at)
    # The person (Case) comes joined with the recovery case; reached again through the event and its
    # appointment it is taken from the session, not loaded (with its routes and flags) once per path.
    query = query.order_by(RecoveryCase.high_risk.desc(), due, RecoveryCase.id).options(
        selectinload(RecoveryCase.missed_contact).options(
            lazyload(MissedContact.case),
            selectinload(MissedContact.appointment).lazyload(Appointment.case)),
        selectinload(RecoveryCase.dispositions), selectinload(RecoveryCase.assigned_worker))
    cases = db.session.scalars(query).all()
    return cases, attempt_counts([c.id for c in cases])


def attempt_counts(case_ids: list[int]) -> dict[int, int]:
    if not case_ids:
        return {}
    rows = db.session.execute(sa.select(RecoveryAttempt.recovery_case_id, sa.func.count())
                              .where(RecoveryAttempt.recovery_case_id.in_(case_ids))
                              .group_by(RecoveryAttempt.recovery_case_id))
    counts = dict.fromkeys(case_ids, 0)
    counts.update({case_id: n for case_id, n in rows})
    return counts


def timeline(recovery: RecoveryCase, page: int) -> dict:
    """One page of the case's attempts, newest first (same minute: the later saved first), with the total,
    the latest attempt and the attempts the dispositions cite as evidence."""
    total = attempt_counts([recovery.id])[recovery.id]
    pages = max(1, -(-total // TIMELINE_PAGE))
    page = min(max(1, page), pages)
    newest_first = (sa.select(RecoveryAttempt).where(RecoveryAttempt.recovery_case_id == recovery.id)
                    .order_by(RecoveryAttempt.attempt_at.desc(), RecoveryAttempt.id.desc()))
    attempts = db.session.scalars(newest_first.limit(TIMELINE_PAGE).offset((page - 1) * TIMELINE_PAGE)).all()
    latest = attempts[0] if page == 1 and attempts else db.session.scalar(newest_first.limit(1))
    cited = {aid for d in recovery.dispositions for aid in (d.continuity_evidence or []) if isinstance(aid, int)}
    evidence = {a.id: a for a in db.session.scalars(sa.select(RecoveryAttempt).where(
        RecoveryAttempt.recovery_case_id == recovery.id, RecoveryAttempt.id.in_(cited)))} if cited else {}
    return {"attempts": attempts, "attempt_count": total, "latest_attempt": latest, "page": page, "pages": pages,
            "evidence": evidence}
