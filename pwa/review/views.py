"""Workflow 3 screens (desks): the threshold reviews list, the review page with the three figures and
the records behind each (3a form for the governance lead, 3b for the panel chair, 3c for the
coordinator), the printable decision letter, the admin's threshold policy and the weekly
attendance governance review."""
import re
from datetime import date, timedelta

import sqlalchemy as sa
from flask import Blueprint, redirect, request, url_for
from flask_login import current_user

from ..errors import InvalidInput
from ..escalations.models import Escalation
from ..extensions import db
from ..governance import threshold_rules as rules, vocab
from ..security import requires
from ..timekeeping import local_today
from ..web import ARCHIVE_ROLES, WEEKLY_ROLES, form_input, render, run_form
from . import operations as ops
from .models import PanelDetermination, ThresholdReview

bp = Blueprint("review", __name__)

REVIEW_READERS = ("governance_lead", "panel_chair", "coordinator")
# Whose step each open status is.
STEP_OF = {"awaiting_review": ("3a", "governance_lead"), "awaiting_determination": ("3b", "panel_chair"),
           "awaiting_communication": ("3c", "coordinator")}
STEP_NAMES = {"awaiting_review": "the governance lead's threshold review (3a)",
              "awaiting_determination": "the panel chair's determination (3b)",
              "awaiting_communication": "the coordinator's communication to the person (3c)"}
PLAIN_DECISIONS = {
    "continue": "Your care continues as it is now. Nothing about your service changes.",
    "enhanced_recovery_support": "Your care continues, and we will give you extra support to help you keep "
                                 "your appointments.",
    "warning": "We are giving you a formal written warning about missed appointments. Your care continues.",
    "service_intensity_change": "We are changing how often, or how, you receive this service.",
    "closure": "We have decided to close your case with this service.",
}


def due_of(review: ThresholdReview):
    """The deadline that matters now: 3a's while awaiting review, 3b's while awaiting the panel."""
    if review.status == "awaiting_review":
        return review.review_due_at
    if review.status == "awaiting_determination":
        return review.determination_due_at
    return None


@bp.get("/threshold-reviews")
@requires(*REVIEW_READERS)
def review_list():
    """Each role's own step first (3a, 3b or 3c), nearest deadline first; then the others in progress."""
    reviews = ops.visible_reviews(current_user)
    mine_statuses = [status for status, (_step, role) in STEP_OF.items() if current_user.has_role(role)]
    mine = [r for r in reviews if r.status in mine_statuses]
    others = [r for r in reviews if r.status in vocab.OPEN_REVIEW_STATUSES and r.status not in mine_statuses]
    done = sorted((r for r in reviews if r.status == "complete"), key=lambda r: r.completed_at, reverse=True)[:20]
    return render("review/list.html", mine=mine, others=others, done=done, due_of=due_of, step_of=STEP_OF,
                  saved=request.args.get("saved"))


def _record_context(review: ThresholdReview, **extra) -> dict:
    figures = ops.review_figures(review)
    determination = review.determination
    e8 = None
    if determination is not None:
        e8 = db.session.scalar(sa.select(Escalation).filter_by(
            rule="E8", subject_type="panel_determinations", subject_id=determination.id))
    escalations = db.session.scalars(sa.select(Escalation).where(
        Escalation.case_ref == review.case.case_ref).order_by(Escalation.raised_at)).all()
    counted = [e["final_classification"] for e in figures["threshold_event_count"]["records"]]
    barriers, total = rules.barrier_share(counted)
    return {"review": review, "figures": figures, "computed": ops.computed_values(figures), "vocab": vocab,
            "freeze": ops.freeze_state(review.case), "e8": e8, "escalations": escalations,
            "barrier_share": (barriers, total), "history": ops.case_reviews(review.case_id),
            "can_archive": current_user.has_role(*ARCHIVE_ROLES), "form": {}, "errors": {}, "refusal": None,
            "form_name": None, "step_names": STEP_NAMES, "saved": request.args.get("saved"), "today": local_today(), **extra}


@bp.get("/threshold-reviews/<int:review_id>")
@requires(*REVIEW_READERS)
def review_page(review_id):
    return render("review/review.html", **_record_context(ops.get_review(review_id)))


def _submit(review_id, operation, form_name: str):
    """Run one operation from a form on the review page: commit, or re-render the page with the reasons
    (422 next to the fields, 409 refusals; a refusal that raised an escalation keeps it)."""
    def rerender(status, errors, refusal):
        return render("review/review.html", status=status, **_record_context(
            ops.get_review(review_id), form=request.form, errors=errors, refusal=refusal, form_name=form_name))

    return run_form(operation, rerender)[1]


def _review_input() -> dict:
    data = form_input()
    # No recovery case instructed: the rate is "none", sent as a blank field.
    if "prior_recovery_completion_rate" in request.form and "prior_recovery_completion_rate" not in data:
        data["prior_recovery_completion_rate"] = None
    return data


@bp.post("/threshold-reviews/<int:review_id>/review")
@requires("governance_lead")
def complete_review(review_id):
    ops.get_review(review_id)
    page = _submit(review_id, lambda: ops.complete_review(review_id, _review_input(), current_user), "3a")
    return page or redirect(url_for("review.review_page", review_id=review_id, saved="3a"))


@bp.post("/threshold-reviews/<int:review_id>/determination")
@requires("panel_chair")
def determine(review_id):
    ops.get_review(review_id)
    page = _submit(review_id, lambda: ops.determine(review_id, form_input(), current_user), "3b")
    return page or redirect(url_for("review.review_page", review_id=review_id, saved="3b"))


@bp.post("/threshold-reviews/<int:review_id>/communication")
@requires("coordinator")
def communicate(review_id):
    ops.get_review(review_id)
    page = _submit(review_id, lambda: ops.communicate(review_id, form_input(), current_user), "3c")
    return page or redirect(url_for("review.review_page", review_id=review_id, saved="3c"))


@bp.post("/threshold-reviews/<int:review_id>/restrictions")
@requires("governance_lead")
def restrict(review_id):
    """A governance lead implements a restriction the panel decided; refused (E7/E9) while frozen."""
    review = ops.get_review(review_id)
    data = {**form_input(), "source": "manual"}
    page = _submit(review_id, lambda: ops.request_restriction(review.case.case_ref, data, current_user), "restrict")
    return page or redirect(url_for("review.review_page", review_id=review_id, saved="restriction"))


@bp.get("/threshold-reviews/<int:review_id>/letter")
@requires(*REVIEW_READERS)
def letter(review_id):
    """The plain-language decision letter, from the determination and the communication."""
    review = ops.get_review(review_id)
    if review.determination is None or review.communication is None:
        return render("error.html", title="No letter yet",
                      message="The letter is written from the panel determination (3b) and the decision "
                              "communication (3c): it is available once both are recorded.")
    figures = ops.review_figures(review)
    return render("review/letter.html", review=review, d=review.determination, c=review.communication,
                  figures=figures, plain=PLAIN_DECISIONS, today=local_today(),
                  appeal_by=review.communication.review_date)


# --- the threshold policy -------------------------------------------------------------------------

def _policy_context(**extra) -> dict:
    return {"versions": ops.policy_versions(), "form": {}, "errors": {}, "refusal": None,
            "saved": request.args.get("saved"), **extra}


@bp.get("/threshold-policy")
@requires("admin", "governance_lead")
def policy():
    """The current version and its history (governance leads read it; the admin changes it)."""
    return render("review/policy.html", **_policy_context())


@bp.post("/threshold-policy")
@requires("admin")
def create_policy():
    try:
        created = ops.create_policy_version(form_input(), current_user)
    except InvalidInput as err:
        db.session.rollback()
        return render("review/policy.html", status=422, **_policy_context(form=request.form, errors=err.errors))
    db.session.commit()
    return redirect(url_for("review.policy", saved=created.version))


# --- the weekly governance review -----------------------------------------------------------------

def _week_arg() -> tuple[date | None, dict]:
    raw = request.args.get("week")
    if raw is None or raw == "":
        return None, {}
    try:
        week = date.fromisoformat(raw) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw) else None
    except ValueError:
        week = None
    if week is None or not 1900 <= week.year <= 2999:
        return None, {"week": ["Give a date as YYYY-MM-DD."]}
    return week, {}


@bp.get("/governance/weekly")
@requires(*WEEKLY_ROLES)
def weekly():
    week, errors = _week_arg()
    data = ops.weekly_governance(week)
    # Each escalation's review, when its subject is a review or a determination.
    review_of = {}
    dets = {e.subject_id for e in data["escalations_raised"] + data["escalations_acknowledged"]
            if e.subject_type == "panel_determinations"}
    det_reviews = dict(db.session.execute(sa.select(PanelDetermination.id, PanelDetermination.review_id)
                                          .where(PanelDetermination.id.in_(dets))).all()) if dets else {}
    for e in data["escalations_raised"] + data["escalations_acknowledged"]:
        if e.subject_type == "threshold_reviews":
            review_of[e.id] = e.subject_id
        elif e.subject_type == "panel_determinations":
            review_of[e.id] = det_reviews.get(e.subject_id)
    monday = data["week_start"]
    return render("review/weekly.html", status=422 if errors else 200, errors=errors, w=data, review_of=review_of,
                  previous=monday - timedelta(days=7), following=monday + timedelta(days=7),
                  this_week=monday <= local_today() < monday + timedelta(days=7),
                  can_archive=current_user.has_role(*ARCHIVE_ROLES),
                  can_review=current_user.has_role(*REVIEW_READERS))
