"""Workflow 3 operations: the review (3a), the panel determination (3b) and the decision communication
(3c). Screens, the JSON API and the demo loader all call these; the caller commits. The policy, the
figures, detection on release, restrictions and the weekly review have their own modules."""

from ..archive.operations import append_entry
from ..cases.models import ContactRoute
from ..clock import utcnow
from ..errors import InvalidInput, NotFound, WorkflowRefused
from ..escalations.operations import raise_escalation
from ..extensions import db
from ..governance import deadlines, escalations, threshold as rules
from ..schema_fields import load
from ..timekeeping import local_today, local_zone
from .figures import FIGURES, compute_figures, computed_values, latest_disposition, review_figures
from .models import DecisionCommunication, PanelDetermination, ThresholdReview
from .schemas import CommunicationInput, DeterminationInput, ThresholdReviewInput

MAX_DB_ID = 2 ** 31 - 1


def get_review(review_id) -> ThresholdReview:
    ok = isinstance(review_id, int) and not isinstance(review_id, bool) and 0 < review_id <= MAX_DB_ID
    review = db.session.get(ThresholdReview, review_id) if ok else None
    if review is None:
        raise NotFound("no such threshold review")
    return review


# --- 3a ---------------------------------------------------------------------------------------

def complete_review(review_id, data, actor) -> ThresholdReview:
    """3a: the governance lead confirms the three figures computed from the archive, the continuity
    risk level and the next checkpoint. A figure that differs from the archive is refused."""
    review = get_review(review_id)
    values = load(ThresholdReviewInput(), data)
    reasons = rules.review_refusals(status=review.status)
    if reasons:
        raise WorkflowRefused("review_order", reasons)
    now = utcnow()
    figures = compute_figures(review.case_id, review.policy, review.window_start, review.window_end, now)
    errors = rules.review_field_errors(entered=values, computed=computed_values(figures),
                                       next_checkpoint_date=values["next_checkpoint_date"], today=local_today(now))
    if errors:
        raise InvalidInput(errors)
    for name in (*FIGURES, "continuity_risk_level", "next_checkpoint_date"):
        setattr(review, name, values[name])
    review.reviewer_id = actor.id
    review.validation_timestamp = now
    review.control_status = deadlines.control_status(now, review.review_due_at)
    review.status = "awaiting_determination"
    db.session.flush()
    append_entry(folder="threshold-governance", step="3a", action="reviewed", record=review, actor=actor,
                 actor_role="governance_lead", case_ref=review.case.case_ref)
    return review


# --- 3b ---------------------------------------------------------------------------------------

def determine(review_id, data, actor) -> PanelDetermination:
    """3b: the panel chair's determination, judged against the full threshold record."""
    review = get_review(review_id)
    values = load(DeterminationInput(), data)
    reasons = rules.determination_refusals(status=review.status, actor_did_review=review.reviewer_id == actor.id)
    if reasons:
        raise WorkflowRefused("determination_order", reasons)
    now = utcnow()
    figures = review_figures(review)
    counted = [e["final_classification"] for e in figures["threshold_event_count"]["records"]]
    latest = latest_disposition(review.case_id)
    errors = rules.determination_field_errors(
        counted_classifications=counted,
        latest_unresolved_barriers=latest.unresolved_barrier_count if latest else None,
        latest_disposition_ref=(f"recovery case {latest.recovery_case_id}, "
                                f"{latest.validation_timestamp.astimezone(local_zone()):%d %b %Y}") if latest else None,
        **{k: values[k] for k in ("panel_decision", "barrier_remediation_status", "proportionality_result",
                                  "proportionality_rationale")})
    if errors:
        raise InvalidInput(errors)
    record = PanelDetermination(
        review_id=review.id, counted_classifications=counted, latest_disposition_id=latest.id if latest else None,
        due_at=review.determination_due_at, reviewer_id=actor.id, validation_timestamp=now,
        control_status=deadlines.control_status(now, review.determination_due_at),
        proportionality_rationale=values["proportionality_rationale"].strip(),
        **{k: values[k] for k in ("panel_decision", "barrier_remediation_status", "proportionality_result",
                                  "unresolved_dependency_count")})
    db.session.add(record)
    review.status = "awaiting_communication"
    db.session.flush()
    case_ref = review.case.case_ref
    append_entry(folder="attendance-review", step="3b", action="determined", record=record, actor=actor,
                 actor_role="panel_chair", case_ref=case_ref)
    if escalations.needs_e8(panel_decision=record.panel_decision,
                            unresolved_dependency_count=record.unresolved_dependency_count):
        raise_escalation("E8", subject=record, actor=actor, case_ref=case_ref,
                         reason=escalations.e8_reason(panel_decision=record.panel_decision,
                                                      unresolved_dependency_count=record.unresolved_dependency_count))
    return record


# --- 3c ---------------------------------------------------------------------------------------

def communicate(review_id, data, actor) -> DecisionCommunication:
    """3c: the decision explained to the person, a specific alternative pathway where continuity
    remains possible, and an explicit appeal route. An objection goes to the weekly governance review."""
    review = get_review(review_id)
    values = load(CommunicationInput(), data)
    reasons = rules.communication_refusals(status=review.status)
    if reasons:
        raise WorkflowRefused("communication_order", reasons)
    route = None
    if values.get("contact_route") is not None:
        route = db.session.get(ContactRoute, values["contact_route"])
        route = route if route is not None and route.case_id == review.case_id and route.approved else None
    now = utcnow()
    determination = review.determination
    errors = rules.communication_field_errors(
        panel_decision=determination.panel_decision, decision_explained=values["decision_explained"],
        route_ok=None if values.get("contact_route") is None else route is not None,
        alternative_pathway_offered=values.get("alternative_pathway_offered"),
        appeal_route_provided=values["appeal_route_provided"], objection_raised=values["objection_raised"],
        objection_detail=values.get("objection_detail"), review_date=values["review_date"], today=local_today(now))
    if errors:
        raise InvalidInput(errors)
    record = DecisionCommunication(
        review_id=review.id, decision_explained=values["decision_explained"],
        contact_route_id=route.id if route else None,
        alternative_pathway_offered=(values.get("alternative_pathway_offered") or "").strip() or None,
        appeal_route_provided=values["appeal_route_provided"].strip(), objection_raised=values["objection_raised"],
        objection_detail=(values.get("objection_detail") or "").strip() or None
        if values["objection_raised"] == "yes" else None,
        review_date=values["review_date"], reviewer_id=actor.id, validation_timestamp=now, control_status="met")
    db.session.add(record)
    review.status = "complete"
    review.completed_at = now
    db.session.flush()
    case_ref = review.case.case_ref
    append_entry(folder="decision-assurance", step="3c", action="communicated", record=record, actor=actor,
                 actor_role="coordinator", case_ref=case_ref)
    if record.objection_raised == "yes":
        append_entry(folder="threshold-governance", step="3c", action="objection_routed_to_weekly_review",
                     record=record, actor=actor, actor_role="coordinator", case_ref=case_ref)
    return record
