"""Workflow 3 reads: the review lists and a case's reviews."""
import sqlalchemy as sa

from ..errors import InvalidInput
from ..extensions import db
from ..governance.vocab import REVIEW_STATUSES
from .models import PanelDetermination, ThresholdReview


def visible_reviews(user, status: str | None = None) -> list[ThresholdReview]:
    """Threshold reviews by status, nearest deadline first (governance leads, panel chairs, coordinators)."""
    query = sa.select(ThresholdReview)
    if status:
        if status not in REVIEW_STATUSES:
            raise InvalidInput({"status": ["Choose one of: " + ", ".join(REVIEW_STATUSES) + "."]})
        query = query.where(ThresholdReview.status == status)
    due = sa.case((ThresholdReview.status == "awaiting_review", ThresholdReview.review_due_at),
                  else_=ThresholdReview.determination_due_at)
    return db.session.scalars(query.order_by(due, ThresholdReview.id).limit(1000)).all()


def case_reviews(case_id: int) -> list[ThresholdReview]:
    return db.session.scalars(sa.select(ThresholdReview).where(ThresholdReview.case_id == case_id)
                              .order_by(ThresholdReview.initiated_at, ThresholdReview.id)).all()


def reviews_of_escalations(escalations) -> dict[int, int | None]:
    """Each escalation's review, when its subject is a review or a panel determination."""
    dets = {e.subject_id for e in escalations if e.subject_type == "panel_determinations"}
    det_reviews = dict(db.session.execute(sa.select(PanelDetermination.id, PanelDetermination.review_id)
                                          .where(PanelDetermination.id.in_(dets))).all()) if dets else {}
    review_of = {}
    for e in escalations:
        if e.subject_type == "threshold_reviews":
            review_of[e.id] = e.subject_id
        elif e.subject_type == "panel_determinations":
            review_of[e.id] = det_reviews.get(e.subject_id)
    return review_of
