"""Workflow 3 screens (desks): the threshold reviews list, the review page with the three figures and
the records behind each (3a form for the governance lead, 3b for the panel chair, 3c for the
coordinator), the printable decision letter, the admin's threshold policy and the weekly
attendance governance review."""
import re
from datetime import date, timedelta

from flask import Blueprint, redirect, request, url_for
from flask_babel import force_locale, lazy_gettext
from flask_login import current_user

from ..escalations.queries import case_escalations, raised_on
from ..governance import access, threshold as rules, vocab
from ..security import requires
from ..timekeeping import local_today
from ..web import form_input, render, run_form
from . import operations as ops
from .figures import computed_values, review_figures
from .models import ThresholdReview
from .policy import create_policy_version, policy_versions
from .queries import case_reviews, reviews_of_escalations, visible_reviews
from .restrictions import freeze_state, request_restriction
from .weekly import weekly_governance

bp = Blueprint("review", __name__)

# Whose step each open status is.
STEP_OF = {"awaiting_review": ("3a", "governance_lead"), "awaiting_determination": ("3b", "panel_chair"),
           "awaiting_communication": ("3c", "coordinator")}
STEP_NAMES = {"awaiting_review": "the governance lead's threshold review",
              "awaiting_determination": "the panel chair's determination",
              "awaiting_communication": "the coordinator's communication to the person"}
# The decision in the person's words (translated: the letter is rendered in the case's preferred language).
PLAIN_DECISIONS = {
    "continue": lazy_gettext("Your care continues as it is now. Nothing about your service changes."),
    "enhanced_recovery_support": lazy_gettext("Your care continues, and we will give you extra support to help "
                                              "you keep your appointments."),
    "warning": lazy_gettext("We are giving you a formal written warning about missed appointments. Your care "
                            "continues."),
    "service_intensity_change": lazy_gettext("We are changing how often, or how, you receive this service."),
    "closure": lazy_gettext("We have decided to close your case with this service."),
}


def due_of(review: ThresholdReview):
    """The deadline that matters now: 3a's while awaiting review, 3b's while awaiting the panel."""
    if review.status == "awaiting_review":
        return review.review_due_at
    if review.status == "awaiting_determination":
        return review.determination_due_at
    return None


@bp.get("/threshold-reviews")
@requires(*access.READ_REVIEWS)
def review_list():
    """Each role's own step first (3a, 3b or 3c), nearest deadline first; then the others in progress."""
    reviews = visible_reviews(current_user)
    mine_statuses = [status for status, (_step, role) in STEP_OF.items() if current_user.has_role(role)]
    mine = [r for r in reviews if r.status in mine_statuses]
    others = [r for r in reviews if r.status in vocab.OPEN_REVIEW_STATUSES and r.status not in mine_statuses]
    done = sorted((r for r in reviews if r.status == "complete"), key=lambda r: r.completed_at, reverse=True)[:20]
    return render("review/list.html", mine=mine, others=others, done=done, due_of=due_of, step_of=STEP_OF,
                  saved=request.args.get("saved"))


def _record_context(review: ThresholdReview, **extra) -> dict:
    figures = review_figures(review)
    determination = review.determination
    e8 = raised_on("E8", "panel_determinations", determination.id) if determination is not None else None
    escalations = case_escalations(review.case.case_ref)
    counted = [e["final_classification"] for e in figures["threshold_event_count"]["records"]]
    barriers, total = rules.barrier_share(counted)
    return {"review": review, "figures": figures, "computed": computed_values(figures), "vocab": vocab,
            "freeze": freeze_state(review.case), "e8": e8, "escalations": escalations,
            "barrier_share": (barriers, total), "history": case_reviews(review.case_id),
            "can_archive": access.can_read_archive(current_user), "form": {}, "errors": {}, "refusal": None,
            "form_name": None, "step_names": STEP_NAMES, "saved": request.args.get("saved"), "today": local_today(), **extra}


@bp.get("/threshold-reviews/<int:review_id>")
@requires(*access.READ_REVIEWS)
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
@requires(*access.REVIEW)
def complete_review(review_id):
    ops.get_review(review_id)
    page = _submit(review_id, lambda: ops.complete_review(review_id, _review_input(), current_user), "3a")
    return page or redirect(url_for("review.review_page", review_id=review_id, saved="3a"))


@bp.post("/threshold-reviews/<int:review_id>/determination")
@requires(*access.DETERMINE)
def determine(review_id):
    ops.get_review(review_id)
    page = _submit(review_id, lambda: ops.determine(review_id, form_input(), current_user), "3b")
    return page or redirect(url_for("review.review_page", review_id=review_id, saved="3b"))


@bp.post("/threshold-reviews/<int:review_id>/communication")
@requires(*access.COMMUNICATE)
def communicate(review_id):
    ops.get_review(review_id)
    page = _submit(review_id, lambda: ops.communicate(review_id, form_input(), current_user), "3c")
    return page or redirect(url_for("review.review_page", review_id=review_id, saved="3c"))


@bp.post("/threshold-reviews/<int:review_id>/restrictions")
@requires(*access.RESTRICT)
def restrict(review_id):
    """A governance lead implements a restriction the panel decided; refused (E7/E9) while frozen."""
    review = ops.get_review(review_id)
    data = {**form_input(), "source": "manual"}
    page = _submit(review_id, lambda: request_restriction(review.case.case_ref, data, current_user), "restrict")
    return page or redirect(url_for("review.review_page", review_id=review_id, saved="restriction"))


@bp.get("/threshold-reviews/<int:review_id>/letter")
@requires(*access.READ_REVIEWS)
def letter(review_id):
    """The plain-language decision letter, from the determination and the communication."""
    review = ops.get_review(review_id)
    if review.determination is None or review.communication is None:
        return render("error.html", title="No letter yet",
                      message="The letter is written from the panel determination and the decision "
                              "communication: it is available once both are recorded.")
    figures = review_figures(review)
    # Everything the person reads comes in their language: the catalogs' words and the dates' month names.
    with force_locale(review.case.preferred_language):
        return render("review/letter.html", review=review, d=review.determination, c=review.communication,
                      figures=figures, plain=PLAIN_DECISIONS, today=local_today(),
                      appeal_by=review.communication.review_date)


# --- the threshold policy -------------------------------------------------------------------------

def _policy_context(**extra) -> dict:
    return {"versions": policy_versions(), "form": {}, "errors": {}, "refusal": None,
            "saved": request.args.get("saved"), **extra}


@bp.get("/threshold-policy")
@requires(*access.READ_POLICY)
def policy():
    """The current version and its history (governance leads read it; the admin changes it)."""
    return render("review/policy.html", **_policy_context())


@bp.post("/threshold-policy")
@requires(*access.CHANGE_POLICY)
def create_policy():
    created, page = run_form(lambda: create_policy_version(form_input(), current_user),
                             lambda status, errors, refusal: render("review/policy.html", status=status, **_policy_context(
                                 form=request.form, errors=errors, refusal=refusal)))
    if page:
        return page
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
@requires(*access.READ_WEEKLY)
def weekly():
    week, errors = _week_arg()
    data = weekly_governance(week)
    review_of = reviews_of_escalations(data["escalations_raised"] + data["escalations_acknowledged"])
    monday = data["week_start"]
    return render("review/weekly.html", status=422 if errors else 200, errors=errors, w=data, review_of=review_of,
                  previous=monday - timedelta(days=7), following=monday + timedelta(days=7),
                  this_week=monday <= local_today() < monday + timedelta(days=7),
                  can_archive=access.can_read_archive(current_user),
                  can_review=current_user.has_role(*access.READ_REVIEWS))
