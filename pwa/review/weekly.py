"""The weekly attendance governance review."""
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa

from ..clock import utcnow
from ..escalations.models import Escalation
from ..extensions import db
from ..timekeeping import local_today, local_zone
from .figures import archive_seqs
from .models import DecisionCommunication, Restriction, ThresholdReview


def week_bounds(day: date) -> tuple[date, datetime, datetime]:
    """The Monday of `day`'s week and the week's bounds in UTC (local midnight to midnight)."""
    monday = day - timedelta(days=day.weekday())
    zone = local_zone()
    start = datetime.combine(monday, time(0), zone)
    end = datetime.combine(monday + timedelta(days=7), time(0), zone)
    return monday, start, end


def weekly_governance(week: date | None = None) -> dict:
    """The weekly attendance governance review: objections, escalations raised and acknowledged,
    deadline breaches (3a/3b) and restrictions (implemented and refused) of the week, each linked
    to its records (review id, case, archive entry)."""
    monday, start, end = week_bounds(week or local_today())
    now = utcnow()

    def between(column):
        return sa.and_(column >= start, column < end)

    objections = db.session.scalars(sa.select(DecisionCommunication).where(
        DecisionCommunication.objection_raised == "yes", between(DecisionCommunication.validation_timestamp))
        .order_by(DecisionCommunication.validation_timestamp)).all()
    raised = db.session.scalars(sa.select(Escalation).where(between(Escalation.raised_at))
                                .order_by(Escalation.raised_at)).all()
    acknowledged = db.session.scalars(sa.select(Escalation).where(between(Escalation.acknowledged_at))
                                      .order_by(Escalation.acknowledged_at)).all()
    breaches = []
    for step, due_col in (("3a", ThresholdReview.review_due_at), ("3b", ThresholdReview.determination_due_at)):
        for review in db.session.scalars(sa.select(ThresholdReview).where(between(due_col), due_col < now)
                                         .order_by(due_col)):
            due = review.review_due_at if step == "3a" else review.determination_due_at
            done = review.validation_timestamp if step == "3a" else (
                review.determination.validation_timestamp if review.determination else None)
            if review.status == "superseded" and done is None:
                continue
            if done is None or done > due:
                breaches.append({"step": step, "review_id": review.id, "case_ref": review.case.case_ref,
                                 "level": review.level, "due_at": due, "done_at": done})
    keys = [(f"BREACH_{b['step'].upper()}:threshold_reviews:{b['review_id']}") for b in breaches]
    by_key = dict(db.session.execute(sa.select(Escalation.dedupe_key, Escalation.id)
                                     .where(Escalation.dedupe_key.in_(keys))).all()) if keys else {}
    for breach, key in zip(breaches, keys):
        breach["escalation_id"] = by_key.get(key)
    restrictions = db.session.scalars(sa.select(Restriction).where(between(Restriction.implemented_at))
                                      .order_by(Restriction.implemented_at)).all()
    refused = [e for e in raised if e.rule in ("E7", "E9")]
    seqs = {
        "communications": archive_seqs("decision_communications", (o.id for o in objections)),
        "escalations": archive_seqs("escalations", {e.id for e in (*raised, *acknowledged)}),
        "restrictions": archive_seqs("restrictions", (r.id for r in restrictions)),
    }
    return {"week_start": monday, "week_end": monday + timedelta(days=6), "objections": objections,
            "escalations_raised": raised, "escalations_acknowledged": acknowledged, "breaches": breaches,
            "restrictions": restrictions, "restrictions_refused": refused, "archive_seqs": seqs}
