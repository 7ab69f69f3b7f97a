"""Workflow 3 operations: the threshold policy, detection on release, the review (3a), the panel
determination (3b), the decision communication (3c), restrictions (the freeze) and the weekly
governance review. Screens, the JSON API and the demo loader all call these; the caller commits.

Figures are computed in the database from the records the archive holds (released codes with
their classifications, recovery cases and their dispositions), each with the archive entry behind it.
"""
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa

from ..archive.models import ArchiveEntry
from ..archive.operations import append_entry
from ..cases.models import Appointment, Case, ContactRoute
from ..clock import utcnow
from ..errors import InvalidInput, NotFound, WorkflowRefused
from ..escalations.models import Escalation
from ..escalations.operations import raise_escalation
from ..extensions import db
from ..governance import deadlines, threshold_rules as rules
from ..governance.threshold_rules import DEFAULT_POLICY
from ..governance.vocab import OPEN_REVIEW_STATUSES, REVIEW_STATUSES
from ..intake.models import AttendanceCode, Classification, MissedContact, Release
from ..recovery.models import RecoveryCase, RecoveryDisposition
from ..schema_fields import load
from ..timekeeping import calendar, local_today, local_zone
from .models import DecisionCommunication, PanelDetermination, Restriction, ThresholdPolicy, ThresholdReview
from .schemas import (
    CommunicationInput, DeterminationInput, RestrictionInput, ThresholdPolicyInput, ThresholdReviewInput,
)

MAX_DB_ID = 2 ** 31 - 1
FIGURES = ("threshold_event_count", "prior_recovery_completion_rate", "service_side_disruption_count")


# --- policy -----------------------------------------------------------------------------------

def current_policy() -> ThresholdPolicy:
    """The newest policy version; version 1 (seed 002's three strikes) is created on first use."""
    policy = db.session.scalar(sa.select(ThresholdPolicy).order_by(ThresholdPolicy.version.desc()).limit(1))
    if policy is None:
        policy = ThresholdPolicy(version=1, warning_count=DEFAULT_POLICY.warning_count,
                                 step_up_count=DEFAULT_POLICY.step_up_count, closure_count=DEFAULT_POLICY.closure_count,
                                 window_days=DEFAULT_POLICY.window_days,
                                 count_service_side_failures=DEFAULT_POLICY.count_service_side_failures,
                                 note="Default: three strikes in 60 days (seed 002).", created_at=utcnow())
        db.session.add(policy)
        db.session.flush()
        append_entry(folder="threshold-governance", step="policy", action="policy_version_created", record=policy)
    return policy


def policy_versions() -> list[ThresholdPolicy]:
    current_policy()
    return db.session.scalars(sa.select(ThresholdPolicy).order_by(ThresholdPolicy.version.desc())).all()


def create_policy_version(data, actor) -> ThresholdPolicy:
    """A change of policy is a new version; earlier versions, and the reviews judged under them, stay as they were."""
    values = load(ThresholdPolicyInput(), data)
    errors = rules.policy_field_errors(warning_count=values["warning_count"], step_up_count=values["step_up_count"],
                                       closure_count=values["closure_count"])
    if errors:
        raise InvalidInput(errors)
    previous = current_policy()
    policy = ThresholdPolicy(version=previous.version + 1, created_at=utcnow(), created_by_id=actor.id,
                             note=(values.pop("note", None) or "").strip() or None, **values)
    db.session.add(policy)
    db.session.flush()
    append_entry(folder="threshold-governance", step="policy", action="policy_version_created", record=policy,
                 actor=actor, actor_role="admin")
    return policy


# --- figures from the archive -------------------------------------------------------------------

def _archive_seqs(entity: str, ids, action: str | None = None) -> dict[int, int]:
    """The (first) archive entry of each record: the link from a figure to its evidence."""
    ids = list(ids)
    if not ids:
        return {}
    query = sa.select(ArchiveEntry.entity_id, sa.func.min(ArchiveEntry.seq)).where(
        ArchiveEntry.entity == entity, ArchiveEntry.entity_id.in_(ids)).group_by(ArchiveEntry.entity_id)
    if action:
        query = query.where(ArchiveEntry.action == action)
    return dict(db.session.execute(query).all())


def released_events(case_id: int, start: datetime, end: datetime, as_of: datetime) -> list[dict]:
    """Released missed-contact codes of the case whose appointment fell in (start, end], released by as_of."""
    query = (sa.select(MissedContact.id.label("missed_contact_id"), MissedContact.scheduled_at,
                       Appointment.appointment_ref, AttendanceCode.id.label("code_id"),
                       AttendanceCode.code.label("permanent_code"), AttendanceCode.applied_at,
                       Release.id.label("release_id"), Classification.final_classification,
                       Classification.service_failure_contribution)
             .join(Release, Release.missed_contact_id == MissedContact.id)
             .join(Classification, Classification.id == Release.classification_id)
             .join(AttendanceCode, AttendanceCode.release_id == Release.id)
             .join(Appointment, Appointment.id == MissedContact.appointment_id)
             .where(MissedContact.case_id == case_id, MissedContact.scheduled_at > start,
                    MissedContact.scheduled_at <= end, AttendanceCode.applied_at <= as_of)
             .order_by(MissedContact.scheduled_at, MissedContact.id))
    rows = [dict(r._mapping) for r in db.session.execute(query)]
    seqs = _archive_seqs("attendance_codes", (r["code_id"] for r in rows), "code_applied")
    for row in rows:
        row["archive_seq"] = seqs.get(row["code_id"])
    return rows


def _recovery_records(event_ids: list[int], as_of: datetime) -> list[dict]:
    """The recovery cases instructed for these events by as_of; completed = a disposition recorded by as_of."""
    if not event_ids:
        return []
    first_disposition = (sa.select(RecoveryDisposition.recovery_case_id, sa.func.min(RecoveryDisposition.id).label("did"))
                         .where(RecoveryDisposition.validation_timestamp <= as_of)
                         .group_by(RecoveryDisposition.recovery_case_id).subquery())
    query = (sa.select(RecoveryCase.id, RecoveryCase.missed_contact_id, RecoveryCase.instructed_at,
                       first_disposition.c.did)
             .outerjoin(first_disposition, first_disposition.c.recovery_case_id == RecoveryCase.id)
             .where(RecoveryCase.missed_contact_id.in_(event_ids), RecoveryCase.instructed_at <= as_of)
             .order_by(RecoveryCase.instructed_at, RecoveryCase.id))
    rows = db.session.execute(query).all()
    seqs = _archive_seqs("recovery_dispositions", (r.did for r in rows if r.did))
    instructed = _archive_seqs("recovery_cases", (r.id for r in rows), "instructed")
    return [{"recovery_case_id": r.id, "missed_contact_id": r.missed_contact_id, "instructed_at": r.instructed_at,
             "completed": r.did is not None, "disposition_id": r.did,
             "archive_seq": seqs.get(r.did) if r.did else instructed.get(r.id)} for r in rows]


def latest_disposition(case_id: int, as_of: datetime | None = None) -> RecoveryDisposition | None:
    """The case's latest recovery disposition (across its recovery cases)."""
    query = (sa.select(RecoveryDisposition).join(RecoveryCase, RecoveryCase.id == RecoveryDisposition.recovery_case_id)
             .where(RecoveryCase.case_id == case_id))
    if as_of is not None:
        query = query.where(RecoveryDisposition.validation_timestamp <= as_of)
    return db.session.scalar(query.order_by(RecoveryDisposition.validation_timestamp.desc(),
                                            RecoveryDisposition.id.desc()).limit(1))


def compute_figures(case_id: int, policy: ThresholdPolicy, start: datetime, end: datetime, as_of: datetime) -> dict:
    """The three 3a figures and the records behind each. Service-side failures are always reported
    separately; whether they count towards the threshold is the policy's."""
    events = released_events(case_id, start, end, as_of)
    for event in events:
        event["counted"] = rules.is_counted(event["final_classification"], policy.count_service_side_failures)
    counted = [e for e in events if e["counted"]]
    service_side = [e for e in events if e["final_classification"] == "service_side_failure"]
    recovery = _recovery_records([e["missed_contact_id"] for e in events], as_of)
    completed = sum(1 for r in recovery if r["completed"])
    latest = latest_disposition(case_id, as_of)
    return {
        "policy": policy, "window_start": start, "window_end": end, "as_of": as_of, "events": events,
        "threshold_event_count": {"value": len(counted), "records": counted},
        "prior_recovery_completion_rate": {"value": rules.completion_rate(completed, len(recovery)),
                                           "completed": completed, "total": len(recovery), "records": recovery},
        "service_side_disruption_count": {"value": len(service_side), "records": service_side},
        "latest_disposition": None if latest is None else {
            "id": latest.id, "recovery_case_id": latest.recovery_case_id,
            "unresolved_barrier_count": latest.unresolved_barrier_count,
            "validation_timestamp": latest.validation_timestamp,
            "archive_seq": _archive_seqs("recovery_dispositions", [latest.id]).get(latest.id)},
    }


def review_figures(review: ThresholdReview) -> dict:
    """The figures of a review under the policy version it is judged under, over its window: as of now
    while 3a is pending, as of 3a once done (so a completed review's figures never change)."""
    as_of = review.validation_timestamp or utcnow()
    return compute_figures(review.case_id, review.policy, review.window_start, review.window_end, as_of)


def computed_values(figures: dict) -> dict:
    return {name: figures[name]["value"] for name in FIGURES}


# --- detection --------------------------------------------------------------------------------

def check_threshold(case: Case, release: Release | None, actor) -> ThresholdReview | None:
    """Called after a code is applied: when the case reaches a level higher than any review of it in
    the window, a threshold review is created (due within 1 business day) and open lower reviews are
    superseded. Restrictions are frozen from here until 3a–3c are complete."""
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


# --- reading ----------------------------------------------------------------------------------

def get_review(review_id) -> ThresholdReview:
    ok = isinstance(review_id, int) and not isinstance(review_id, bool) and 0 < review_id <= MAX_DB_ID
    review = db.session.get(ThresholdReview, review_id) if ok else None
    if review is None:
        raise NotFound("no such threshold review")
    return review


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
    if rules.needs_e8(panel_decision=record.panel_decision, unresolved_dependency_count=record.unresolved_dependency_count):
        raise_escalation("E8", subject=record, actor=actor, case_ref=case_ref,
                         reason=f"Panel decided {record.panel_decision.replace('_', ' ')} with "
                                f"{record.unresolved_dependency_count} unresolved dependencies; it cannot be "
                                "implemented until an executive acknowledges.")
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


# --- the freeze -------------------------------------------------------------------------------

def latest_review(case_id: int) -> ThresholdReview | None:
    """The case's latest review that was not superseded: the one that freezes or authorises restrictions."""
    return db.session.scalar(sa.select(ThresholdReview).where(
        ThresholdReview.case_id == case_id, ThresholdReview.status != "superseded")
        .order_by(ThresholdReview.initiated_at.desc(), ThresholdReview.id.desc()).limit(1))


def _open_e8(determination: PanelDetermination | None) -> bool:
    return determination is not None and db.session.scalar(sa.select(Escalation.id).filter_by(
        rule="E8", subject_type="panel_determinations", subject_id=determination.id, acknowledged_at=None)) is not None


def restriction_check(case: Case, kind: str) -> tuple[ThresholdReview | None, tuple[str, list[str]] | None]:
    """(the authorising review, (rule, reasons) when a restriction of `kind` would be refused now)."""
    review = latest_review(case.id)
    determination = review.determination if review else None
    already = review is not None and db.session.scalar(
        sa.select(Restriction.id).filter_by(review_id=review.id, kind=kind)) is not None
    refusal = rules.restriction_refusals(
        kind=kind, review_status=review.status if review else None,
        panel_decision=determination.panel_decision if determination else None,
        proportionality_result=determination.proportionality_result if determination else None,
        has_communication=review is not None and review.communication is not None, open_e8=_open_e8(determination),
        already_implemented=already)
    return review, refusal


def freeze_state(case: Case) -> dict:
    """For screens: whether restrictions on the case are frozen, by which rule, and which kinds are authorised."""
    review = latest_review(case.id)
    kinds = {}
    for kind in ("warning", "service_intensity_change", "closure"):
        _review, refusal = restriction_check(case, kind)
        kinds[kind] = None if refusal is None else {"rule": refusal[0], "reasons": refusal[1]}
    frozen_by = next((v["rule"] for v in kinds.values() if v and v["rule"] in ("E7", "E9")), None)
    return {"review": review, "frozen_by": frozen_by, "kinds": kinds}


def get_case(case_ref) -> Case:
    case = db.session.scalar(sa.select(Case).filter_by(case_ref=case_ref)) if isinstance(case_ref, str) else None
    if case is None:
        raise NotFound("no such case")
    return case


def request_restriction(case_ref, data, actor) -> Restriction:
    """A warning, service-intensity change or closure from an automatic policy engine, another system or
    a governance lead. Refused (409) with E7 while the review is not complete, E9 while the decision is
    not communicated (both escalations kept), and refused when the panel did not authorise it."""
    case = get_case(case_ref)
    values = load(RestrictionInput(), data)
    review, refusal = restriction_check(case, values["kind"])
    if refusal:
        rule, reasons = refusal
        if rule in ("E7", "E9"):
            escalation = raise_escalation(
                rule, subject=review or case, actor=actor, case_ref=case.case_ref,
                reason=f"A {values['kind'].replace('_', ' ')} ({values['source']}) was attempted and refused: "
                       + reasons[0])
            append_entry(folder="threshold-governance", step="3", action="restriction_refused",
                         record={"entity": "restriction_attempts", "id": None, "case_ref": case.case_ref,
                                 "review_id": review.id if review else None, "kind": values["kind"],
                                 "source": values["source"], "rule": rule, "reasons": reasons,
                                 "escalation_id": escalation.id},
                         actor=actor, case_ref=case.case_ref)
            raise WorkflowRefused(rule, reasons, escalation_id=escalation.id)
        raise WorkflowRefused(rule, reasons)
    restriction = Restriction(
        case_id=case.id, review_id=review.id, determination_id=review.determination.id,
        communication_id=review.communication.id, kind=values["kind"], source=values["source"],
        detail=(values.get("detail") or "").strip() or None, requested_by_id=actor.id, implemented_at=utcnow())
    db.session.add(restriction)
    db.session.flush()
    append_entry(folder="decision-assurance", step="3", action="restriction_implemented", record=restriction,
                 actor=actor, case_ref=case.case_ref)
    return restriction


# --- weekly governance review -----------------------------------------------------------------

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
        "communications": _archive_seqs("decision_communications", (o.id for o in objections)),
        "escalations": _archive_seqs("escalations", {e.id for e in (*raised, *acknowledged)}),
        "restrictions": _archive_seqs("restrictions", (r.id for r in restrictions)),
    }
    return {"week_start": monday, "week_end": monday + timedelta(days=6), "objections": objections,
            "escalations_raised": raised, "escalations_acknowledged": acknowledged, "breaches": breaches,
            "restrictions": restrictions, "restrictions_refused": refused, "archive_seqs": seqs}
