"""Valid request bodies for each step, with overrides: the starting point of every rule test."""
import uuid
from datetime import date, timedelta


def event_payload(appointment: dict, **overrides) -> dict:
    """A valid step-1a body for `appointment` (every enumeration actively answered)."""
    body = {**appointment, "event_type": "missed_appointment", "service_disruption_known": "no",
            "contactability_status": "reachable", "next_checkpoint_date": (date.today() + timedelta(days=3)).isoformat()}
    body.update(overrides)
    return body


def classification_payload(**overrides) -> dict:
    body = {"final_classification": "access_barrier", "outcome": "confirm", "access_barrier_likelihood": "high",
            "service_failure_contribution": "contributing", "contributing_factors": ["transport"],
            "unresolved_dependency_count": 0, "evidence_summary": "Bus route cancelled; confirmed by phone."}
    body.update(overrides)
    return body


def release_payload(**overrides) -> dict:
    body = {"permanent_code": "NS-ACCESS", "follow_up_required": "yes", "follow_up_route": "outreach",
            "review_date": (date.today() + timedelta(days=7)).isoformat()}
    body.update(overrides)
    return body


def open_payload(route: int, **overrides) -> dict:
    body = {"recovery_priority_tier": "1", "approved_contact_route": route, "immediate_welfare_concern": "no",
            "service_impact_score": 3, "next_checkpoint_date": (date.today() + timedelta(days=2)).isoformat()}
    body.update(overrides)
    return body


def attempt_payload(at, **overrides) -> dict:
    body = {"attempt_at": at.isoformat(), "channel": "phone_call", "outcome": "no_answer", "barrier_signal": "none",
            "rescue_option": "alternate_slot", "rescue_detail": "Offered Thursday 19 Nov at 14:00 with the same counsellor",
            "client_id": str(uuid.uuid4())}
    body.update(overrides)
    return body


def disposition_payload(route: int, evidence=(), **overrides) -> dict:
    body = {"continuity_restored": "yes", "continuity_evidence": list(evidence), "replacement_contact_route": route,
            "unresolved_barrier_count": 0, "locked_instruction": "alternate_modality",
            "instruction_detail": "Move to video sessions for two weeks",
            "review_date": (date.today() + timedelta(days=7)).isoformat(), "client_id": str(uuid.uuid4())}
    body.update(overrides)
    return body


def future(days=7) -> str:
    return (date.today() + timedelta(days=days)).isoformat()


def review_body(figures: dict, **overrides) -> dict:
    body = {name: figures[name]["value"] for name in
            ("threshold_event_count", "prior_recovery_completion_rate", "service_side_disruption_count")}
    body.update(continuity_risk_level="medium", next_checkpoint_date=future(14))
    body.update(overrides)
    return body


def determination_body(**overrides) -> dict:
    body = {"panel_decision": "warning", "barrier_remediation_status": "completed",
            "proportionality_result": "affirmative",
            "proportionality_rationale": "Three refusals in 60 days with every barrier tested and resolved.",
            "unresolved_dependency_count": 0}
    body.update(overrides)
    return body


def communication_body(**overrides) -> dict:
    body = {"decision_explained": "direct_contact",
            "alternative_pathway_offered": "Evening group on Thursdays at 18:00 with the same counsellor",
            "appeal_route_provided": "Write to the governance panel within 14 days, or call 555 0199 to appeal",
            "objection_raised": "no", "review_date": future(30)}
    body.update(overrides)
    return body


def sync_attempt(case_id, at, client_id=None, recorded_at=None, **overrides) -> dict:
    """An attempt as a phone sends it in a sync batch (POST /api/v1/sync)."""
    payload = attempt_payload(at, **overrides)
    del payload["client_id"]
    return {"client_id": client_id or str(uuid.uuid4()), "kind": "attempt", "recovery_case_id": case_id,
            "recorded_at": (recorded_at or at).isoformat(), "payload": payload}
