"""Escalation reads: an inbox, a case's escalations, and the escalation a rule raised on a record."""
import sqlalchemy as sa

from ..extensions import db
from ..governance import access
from .models import Escalation


def visible_escalations(user, status: str | None = None, level: str | None = None):
    """Recipients see their levels' escalations; admins and auditors see all."""
    query = sa.select(Escalation)
    if not access.can_see_every_escalation(user):
        query = query.where(Escalation.level.in_(user.roles))
    if status == "open":
        query = query.where(Escalation.acknowledged_at.is_(None))
    elif status == "acknowledged":
        query = query.where(Escalation.acknowledged_at.is_not(None))
    if level:
        query = query.where(Escalation.level == level)
    return db.session.scalars(query.order_by(Escalation.raised_at.desc()).limit(500)).all()


def case_escalations(case_ref: str) -> list[Escalation]:
    return db.session.scalars(sa.select(Escalation).where(Escalation.case_ref == case_ref)
                              .order_by(Escalation.raised_at)).all()


def raised_on(rule: str, subject_type: str, subject_id: int, open_only: bool = False) -> Escalation | None:
    """The escalation `rule` raised about a record (the open one, with open_only)."""
    query = sa.select(Escalation).filter_by(rule=rule, subject_type=subject_type, subject_id=subject_id)
    if open_only:
        query = query.filter_by(acknowledged_at=None)
    return db.session.scalar(query.limit(1))
