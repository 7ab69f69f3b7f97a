"""Raising and acknowledging escalations; each writes the archive in the caller's transaction."""
import logging

import sqlalchemy as sa

from ..archive.operations import append_entry
from ..clock import utcnow
from ..errors import Forbidden, InvalidInput, NotFound, WorkflowRefused
from ..extensions import db
from ..governance import access
from ..governance.escalations import ESCALATION_LEVELS, ESCALATION_TITLES
from .models import Escalation

log = logging.getLogger("continuity.escalations")
NOTE_MAX = 4000


def _subject_model(subject_type: str):
    for mapper in db.Model.registry.mappers:
        if mapper.class_.__tablename__ == subject_type:
            return mapper.class_
    return None


def _refresh_escalation_status(subject_type: str, subject_id: int) -> None:
    """Keep the subject's escalation_status field equal to its open escalations ("none" when none)."""
    model = _subject_model(subject_type)
    if model is None or not hasattr(model, "escalation_status"):
        return
    record = db.session.get(model, subject_id)
    open_rules = db.session.scalars(sa.select(Escalation.rule).filter_by(
        subject_type=subject_type, subject_id=subject_id, acknowledged_at=None).order_by(Escalation.id)).all()
    record.escalation_status = ",".join(dict.fromkeys(open_rules)) or "none"


def raise_escalation(rule: str, *, subject, reason: str, case_ref: str | None = None, actor=None,
                     dedupe_key: str | None = None) -> Escalation | None:
    """Raise one escalation to the rule's level. With a dedupe_key already used, raises nothing."""
    if dedupe_key and db.session.scalar(sa.select(Escalation.id).filter_by(dedupe_key=dedupe_key)):
        return None
    escalation = Escalation(
        rule=rule, level=ESCALATION_LEVELS[rule], subject_type=subject.__tablename__, subject_id=subject.id,
        case_ref=case_ref, reason=reason, dedupe_key=dedupe_key, raised_at=utcnow(),
        raised_by_id=getattr(actor, "id", None),
    )
    db.session.add(escalation)
    db.session.flush()
    _refresh_escalation_status(escalation.subject_type, escalation.subject_id)
    append_entry(folder="escalations", step="escalation", action=f"raised_{rule}", record=escalation,
                 actor=actor, case_ref=case_ref)
    # No case details in the log: rule, level and ids only.
    log.info("escalation raised id=%s rule=%s level=%s", escalation.id, rule, escalation.level)
    return escalation


def acknowledge_escalation(escalation_id: int, *, user, note: str | None) -> Escalation:
    escalation = db.session.get(Escalation, escalation_id)
    if escalation is None:
        raise NotFound("no such escalation")
    if not access.can_acknowledge(user, escalation):
        raise Forbidden(f"only a {escalation.level.replace('_', ' ')} can acknowledge this escalation")
    note = (note or "").strip() if isinstance(note, str) else note
    if not isinstance(note, str) or not note:
        raise InvalidInput({"note": ["Write a note saying what you checked or decided."]})
    if len(note) > NOTE_MAX:
        raise InvalidInput({"note": [f"Keep the note under {NOTE_MAX} characters."]})
    if not escalation.is_open:
        raise WorkflowRefused("already_acknowledged", ["This escalation has already been acknowledged."])
    escalation.acknowledged_at = utcnow()
    escalation.acknowledged_by_id = user.id
    escalation.note = note
    db.session.flush()
    _refresh_escalation_status(escalation.subject_type, escalation.subject_id)
    append_entry(folder="escalations", step="escalation", action=f"acknowledged_{escalation.rule}",
                 record=escalation, actor=user, actor_role=escalation.level, case_ref=escalation.case_ref)
    return escalation


def count_open_escalations(user) -> int:
    """How many open escalations are addressed to a role the user holds (the inbox badge, on every page)."""
    levels = [r for r in user.roles if r in set(ESCALATION_LEVELS.values())]
    if not levels:
        return 0
    return db.session.scalar(sa.select(sa.func.count()).select_from(Escalation).where(
        Escalation.level.in_(levels), Escalation.acknowledged_at.is_(None)))


def title(rule: str) -> str:
    return ESCALATION_TITLES[rule]
