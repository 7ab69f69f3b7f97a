"""Restrictions and the freeze: a warning, service-intensity change or closure is refused with E7 before
the review (3a) and the determination (3b), with E9 before the communication (3c), and unless the panel
affirmatively decided that kind."""
import sqlalchemy as sa

from ..archive.operations import append_entry
from ..cases.models import Case
from ..clock import utcnow
from ..errors import NotFound, WorkflowRefused
from ..escalations.operations import raise_escalation
from ..escalations.queries import raised_on
from ..extensions import db
from ..governance import escalations, threshold as rules
from ..schema_fields import load
from .models import PanelDetermination, Restriction, ThresholdReview
from .schemas import RestrictionInput


def latest_review(case_id: int) -> ThresholdReview | None:
    """The case's latest review that was not superseded: the one that freezes or authorises restrictions."""
    return db.session.scalar(sa.select(ThresholdReview).where(
        ThresholdReview.case_id == case_id, ThresholdReview.status != "superseded")
        .order_by(ThresholdReview.initiated_at.desc(), ThresholdReview.id.desc()).limit(1))


def _open_e8(determination: PanelDetermination | None) -> bool:
    return determination is not None and raised_on("E8", "panel_determinations", determination.id,
                                                   open_only=True) is not None


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
                reason=escalations.restriction_refused_reason(kind=values["kind"], source=values["source"],
                                                              first_reason=reasons[0]))
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
