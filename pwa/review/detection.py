"""Detection on release: a code that brings a case to a threshold level opens a review and freezes restrictions."""
import sqlalchemy as sa

from ..archive.operations import append_entry
from ..cases.models import Case
from ..clock import utcnow
from ..extensions import db
from ..governance import deadlines, threshold as rules
from ..governance.vocab import OPEN_REVIEW_STATUSES
from ..intake.models import Release
from ..timekeeping import calendar
from .figures import compute_figures
from .models import ThresholdReview
from .policy import current_policy


def open_threshold_review_if_reached(case: Case, release: Release | None, actor) -> ThresholdReview | None:
    """Called after a code is released: when the case reaches a level higher than any review of it in the
    window, a threshold review is opened (due within 1 business day), open lower reviews are superseded,
    and restrictions on the case are frozen (E7) from here until 3a–3c are complete."""
    policy = current_policy()
    now = utcnow()
    start, end = rules.window_bounds(now, policy.window_days)
    figures = compute_figures(case.id, policy, start, end, now)
    level = rules.level_reached(figures["threshold_event_count"]["value"], policy.values)
    recent = db.session.scalars(sa.select(ThresholdReview).where(
        ThresholdReview.case_id == case.id, ThresholdReview.initiated_at > start)).all()
    if not rules.needs_review(level=level, recent_levels=[r.level for r in recent]):
        return None
    review = ThresholdReview(
        case_id=case.id, policy_id=policy.id, level=level, status="awaiting_review",
        trigger_release_id=release.id if release else None, initiated_at=now, window_start=start, window_end=end,
        review_due_at=deadlines.threshold_review_due(now, calendar()),
        determination_due_at=deadlines.determination_due(now, calendar()))
    db.session.add(review)
    db.session.flush()
    append_entry(folder="threshold-governance", step="3", action="review_initiated", record=review, actor=actor,
                 case_ref=case.case_ref)
    for older in recent:
        if older.status in OPEN_REVIEW_STATUSES:
            older.status = "superseded"
            older.superseded_by_id = review.id
            db.session.flush()
            append_entry(folder="threshold-governance", step="3", action="review_superseded", record=older,
                         actor=actor, case_ref=case.case_ref)
    return review
