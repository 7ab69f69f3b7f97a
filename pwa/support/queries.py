"""Reading support requests: the tech support queue, and the ones flagged on the coordinator's Today."""
from datetime import datetime

import sqlalchemy as sa

from ..extensions import db
from .models import SupportRequest


def support_requests(status: str | None = None, limit: int = 200) -> list[SupportRequest]:
    """Open ones first, soonest due first."""
    query = sa.select(SupportRequest).order_by((SupportRequest.status != "open"), SupportRequest.due_at,
                                               SupportRequest.id).limit(limit)
    if status:
        query = query.where(SupportRequest.status == status)
    return list(db.session.scalars(query))


def flagged_support_requests(now: datetime) -> list[SupportRequest]:
    """Unresolved at the person's next session: due and not resolved."""
    return list(db.session.scalars(sa.select(SupportRequest).where(
        SupportRequest.status != "resolved", SupportRequest.due_at <= now).order_by(SupportRequest.due_at)))


def support_for_recovery_case(recovery_case_id: int) -> list[SupportRequest]:
    return list(db.session.scalars(sa.select(SupportRequest).filter_by(recovery_case_id=recovery_case_id)
                                   .order_by(SupportRequest.id)))
