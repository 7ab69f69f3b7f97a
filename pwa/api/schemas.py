"""Output schemas of the JSON API (also the OpenAPI components). Times are UTC with Z."""
import json

from marshmallow import Schema, fields

from ..clock import as_utc


class UTC(fields.DateTime):
    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else as_utc(value).isoformat().replace("+00:00", "Z")


class UserOut(Schema):
    id = fields.Integer()
    username = fields.String()
    roles = fields.List(fields.String())


class SessionOut(Schema):
    user = fields.Nested(UserOut)
    csrf_token = fields.String()


class ContactRouteOut(Schema):
    channel = fields.String()
    value = fields.String()
    approved = fields.Boolean()
    preferred = fields.Boolean()


class CaseOut(Schema):
    case_ref = fields.String()
    display_name = fields.String()
    team = fields.String(allow_none=True)
    risk_flags = fields.List(fields.String())
    contact_routes = fields.List(fields.Nested(ContactRouteOut))
    assigned_outreach_worker = fields.Function(
        lambda c: c.assigned_outreach_worker.username if c.assigned_outreach_worker else None)


class AppointmentOut(Schema):
    appointment_ref = fields.String()
    case_ref = fields.Function(lambda a: a.case.case_ref)
    scheduled_at = UTC()
    duration_minutes = fields.Integer()
    service = fields.String()
    modality = fields.String()
    cancelled = fields.Boolean()
    arrived_at = UTC(allow_none=True)
    joined_at = UTC(allow_none=True)
    left_at = UTC(allow_none=True)
    miss_detected_at = UTC(allow_none=True)
    detected_event_type = fields.String(allow_none=True)
    event_due_at = UTC(allow_none=True)


class StepOut(Schema):
    id = fields.Integer()
    reviewer_id = fields.Integer()
    validation_timestamp = UTC()
    control_status = fields.String()
    escalation_status = fields.String()


class ClassificationOut(StepOut):
    final_classification = fields.String()
    outcome = fields.String()
    access_barrier_likelihood = fields.String()
    service_failure_contribution = fields.String()
    contributing_factors = fields.List(fields.String())
    unresolved_dependency_count = fields.Integer()
    evidence_summary = fields.String()
    due_at = UTC()
    missed_contact_status = fields.Function(lambda c: c.missed_contact.status)


class EvidenceOut(Schema):
    id = fields.Integer()
    evidence = fields.String()
    contactability_status = fields.String(allow_none=True)
    reviewer_id = fields.Integer()
    validation_timestamp = UTC()
    requeued_at = UTC()
    classification_due_at = UTC()


class ReleaseOut(StepOut):
    missed_contact_id = fields.Integer()
    permanent_code = fields.String()
    follow_up_required = fields.String()
    follow_up_route = fields.String()
    review_date = fields.Date()
    recovery_case_id = fields.Integer(allow_none=True)


class MissedContactOut(StepOut):
    case_ref = fields.Function(lambda e: e.case.case_ref)
    appointment_ref = fields.Function(lambda e: e.appointment.appointment_ref)
    scheduled_at = UTC()
    event_type = fields.String()
    service_disruption_known = fields.String()
    contactability_status = fields.String()
    next_checkpoint_date = fields.Date()
    note = fields.String(allow_none=True)
    status = fields.String()
    open_due_at = UTC(allow_none=True)
    queued_at = UTC()
    classification_due_at = UTC()
    classification_breached_at = UTC(allow_none=True)
    classifications = fields.List(fields.Nested(ClassificationOut(exclude=("missed_contact_status",))))
    evidence = fields.List(fields.Nested(EvidenceOut))
    release = fields.Nested(ReleaseOut(exclude=("recovery_case_id",)), allow_none=True)


class AttendanceCodeOut(Schema):
    appointment_ref = fields.String()
    code = fields.String()
    release_id = fields.Integer()
    applied_at = UTC()


class RouteOut(ContactRouteOut):
    id = fields.Integer()


class OfflineOut(Schema):
    client_id = fields.String()
    recorded_at = UTC(metadata={"description": "the device's clock, as sent"})
    corrected_recorded_at = UTC(metadata={"description": "recorded_at on the server's clock (+ clock offset)"})
    received_at = UTC()
    clock_offset_seconds = fields.Float(metadata={"description": "received_at - the device's sent_at"})
    clock_flagged = fields.Boolean(metadata={"description": "the offset is beyond the tolerance (default 120 s)"})
    device_id = fields.String(allow_none=True)
    late = fields.Boolean()


class AttemptOut(StepOut, OfflineOut):
    recovery_case_id = fields.Integer()
    attempt_at = UTC()
    channel = fields.String()
    outcome = fields.String()
    barrier_signal = fields.String()
    rescue_option = fields.String()
    rescue_detail = fields.String(allow_none=True)
    emergency_exception_reason = fields.String(allow_none=True)
    exception_status = fields.String(allow_none=True)


class DispositionOut(StepOut, OfflineOut):
    recovery_case_id = fields.Integer()
    continuity_restored = fields.String()
    continuity_evidence = fields.List(fields.Integer())
    rebooked_appointment_ref = fields.Function(
        lambda d: d.rebooked_appointment.appointment_ref if d.rebooked_appointment else None)
    replacement_contact_route = fields.Integer(attribute="replacement_contact_route_id")
    unresolved_barrier_count = fields.Integer()
    locked_instruction = fields.String()
    instruction_detail = fields.String(allow_none=True)
    review_date = fields.Date()
    supersedes_id = fields.Integer(allow_none=True)
    due_at = UTC(allow_none=True)


class RecoveryCaseOut(Schema):
    id = fields.Integer()
    case_ref = fields.Function(lambda r: r.case.case_ref)
    missed_contact_id = fields.Integer()
    release_id = fields.Integer()
    assigned_outreach_worker = fields.Function(lambda r: r.assigned_worker.username if r.assigned_worker else None)
    status = fields.String()
    high_risk = fields.Boolean()
    risk_flags = fields.Function(lambda r: r.case.risk_flags)
    instructed_at = UTC()
    open_due_at = UTC()
    disposition_due_at = UTC(allow_none=True)
    opened_at = UTC(allow_none=True)
    recovery_priority_tier = fields.String(allow_none=True)
    approved_contact_route = fields.Integer(attribute="approved_contact_route_id", allow_none=True)
    immediate_welfare_concern = fields.String(allow_none=True)
    service_impact_score = fields.Integer(allow_none=True)
    next_checkpoint_date = fields.Date(allow_none=True)
    reviewer_id = fields.Integer(allow_none=True)
    validation_timestamp = UTC(allow_none=True)
    control_status = fields.String(allow_none=True)
    escalation_status = fields.String()
    contact_routes = fields.Function(lambda r: RouteOut(many=True).dump(r.case.contact_routes))


class RecoveryCaseDetailOut(RecoveryCaseOut):
    attempts = fields.List(fields.Nested(AttemptOut))
    dispositions = fields.List(fields.Nested(DispositionOut))


class SyncResultOut(Schema):
    """The answer to one entry of a sync batch. Only created and duplicate acknowledge it: the device
    keeps a conflict or a rejected entry, with these errors, until the worker fixes or discards it."""
    client_id = fields.String()
    status = fields.String(metadata={"enum": ["created", "duplicate", "conflict", "rejected"]})
    id = fields.Integer(allow_none=True, metadata={"description": "the stored attempt or disposition"})
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))
    late = fields.Boolean(metadata={"description": "stored after the case's disposition or closure"})
    rule = fields.String(allow_none=True, metadata={"description": "the rule that refused it (conflict, "
                                                                   "author, forbidden, not_found, attempt_order…)"})


class SyncOut(Schema):
    server_time = UTC(metadata={"description": "received_at: when the server received the batch"})
    clock_offset_seconds = fields.Float(metadata={"description": "server_time - the device's sent_at"})
    clock_flagged = fields.Boolean()
    results = fields.List(fields.Nested(SyncResultOut), metadata={"description": "one per entry, in order"})


class EscalationOut(Schema):
    id = fields.Integer()
    rule = fields.String()
    level = fields.String()
    subject_type = fields.String()
    subject_id = fields.Integer()
    case_ref = fields.String(allow_none=True)
    reason = fields.String()
    raised_at = UTC()
    acknowledged_at = UTC(allow_none=True)
    acknowledged_by = fields.Function(lambda e: e.acknowledged_by.username if e.acknowledged_by else None)
    note = fields.String(allow_none=True)
    status = fields.Function(lambda e: "open" if e.is_open else "acknowledged")


class ArchiveEntryOut(Schema):
    seq = fields.Integer()
    folder = fields.String()
    step = fields.String()
    action = fields.String()
    entity = fields.String()
    entity_id = fields.Integer(allow_none=True)
    case_ref = fields.String(allow_none=True)
    actor_id = fields.Integer(allow_none=True)
    actor_role = fields.String(allow_none=True)
    record = fields.Function(lambda e: json.loads(e.record))
    device_time = UTC(allow_none=True)
    server_time = UTC()
    device_id = fields.String(allow_none=True)
    prev_hash = fields.String()
    hash = fields.String()


class ArchivePageOut(Schema):
    folder = fields.String()
    page = fields.Integer()
    per_page = fields.Integer()
    total = fields.Integer()
    items = fields.List(fields.Nested(ArchiveEntryOut))


class PushPublicKeyOut(Schema):
    public_key = fields.String(metadata={"description": "base64url uncompressed P-256 point"})


class PushSubscriptionOut(Schema):
    """A subscribed device: never its keys."""
    id = fields.Integer()
    device = fields.String(attribute="user_agent")
    created_at = fields.DateTime()
    last_success_at = fields.DateTime()


class ErrorOut(Schema):
    error = fields.String()
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))
    rule = fields.String()
    reasons = fields.List(fields.String())
    escalation_id = fields.Integer()


# --- workflow 3 ----------------------------------------------------------------------------------

class ThresholdPolicyOut(Schema):
    id = fields.Integer()
    version = fields.Integer()
    warning_count = fields.Integer()
    step_up_count = fields.Integer()
    closure_count = fields.Integer()
    window_days = fields.Integer()
    count_service_side_failures = fields.Boolean()
    note = fields.String(allow_none=True)
    created_at = UTC()
    created_by = fields.Function(lambda p: p.created_by.username if p.created_by else None)


class EventRecordOut(Schema):
    """A released code behind a figure, with the archive entry that holds it."""
    missed_contact_id = fields.Integer()
    appointment_ref = fields.String()
    scheduled_at = UTC()
    permanent_code = fields.String()
    final_classification = fields.String()
    service_failure_contribution = fields.String()
    release_id = fields.Integer()
    applied_at = UTC()
    counted = fields.Boolean()
    archive_seq = fields.Integer(allow_none=True)


class RecoveryRecordOut(Schema):
    recovery_case_id = fields.Integer()
    missed_contact_id = fields.Integer()
    instructed_at = UTC()
    completed = fields.Boolean()
    disposition_id = fields.Integer(allow_none=True)
    archive_seq = fields.Integer(allow_none=True)


class EventFigureOut(Schema):
    value = fields.Integer()
    records = fields.List(fields.Nested(EventRecordOut))


class RateFigureOut(Schema):
    value = fields.Integer(allow_none=True)
    completed = fields.Integer()
    total = fields.Integer()
    records = fields.List(fields.Nested(RecoveryRecordOut))


class LatestDispositionOut(Schema):
    id = fields.Integer()
    recovery_case_id = fields.Integer()
    unresolved_barrier_count = fields.Integer()
    validation_timestamp = UTC()
    archive_seq = fields.Integer(allow_none=True)


class FiguresOut(Schema):
    policy = fields.Nested(ThresholdPolicyOut)
    window_start = UTC()
    window_end = UTC()
    as_of = UTC()
    threshold_event_count = fields.Nested(EventFigureOut)
    prior_recovery_completion_rate = fields.Nested(RateFigureOut)
    service_side_disruption_count = fields.Nested(EventFigureOut)
    events = fields.List(fields.Nested(EventRecordOut))
    latest_disposition = fields.Nested(LatestDispositionOut, allow_none=True)


class DeterminationOut(StepOut):
    review_id = fields.Integer()
    panel_decision = fields.String()
    barrier_remediation_status = fields.String()
    proportionality_result = fields.String()
    proportionality_rationale = fields.String()
    unresolved_dependency_count = fields.Integer()
    counted_classifications = fields.List(fields.String())
    latest_disposition_id = fields.Integer(allow_none=True)
    due_at = UTC()


class CommunicationOut(StepOut):
    review_id = fields.Integer()
    case_ref = fields.Function(lambda c: c.review.case.case_ref)
    decision_explained = fields.String()
    contact_route = fields.Integer(attribute="contact_route_id", allow_none=True)
    alternative_pathway_offered = fields.String(allow_none=True)
    appeal_route_provided = fields.String()
    objection_raised = fields.String()
    objection_detail = fields.String(allow_none=True)
    review_date = fields.Date()


class RestrictionOut(Schema):
    id = fields.Integer()
    case_ref = fields.Function(lambda r: r.case.case_ref)
    review_id = fields.Integer()
    determination_id = fields.Integer()
    communication_id = fields.Integer()
    kind = fields.String()
    source = fields.String()
    detail = fields.String(allow_none=True)
    requested_by_id = fields.Integer(allow_none=True)
    implemented_at = UTC()


class ThresholdReviewOut(Schema):
    id = fields.Integer()
    case_ref = fields.Function(lambda r: r.case.case_ref)
    policy_id = fields.Integer()
    policy_version = fields.Function(lambda r: r.policy.version)
    level = fields.String()
    status = fields.String()
    trigger_release_id = fields.Integer(allow_none=True)
    initiated_at = UTC()
    window_start = UTC()
    window_end = UTC()
    review_due_at = UTC()
    determination_due_at = UTC()
    review_breached_at = UTC(allow_none=True)
    determination_breached_at = UTC(allow_none=True)
    superseded_by_id = fields.Integer(allow_none=True)
    completed_at = UTC(allow_none=True)
    threshold_event_count = fields.Integer(allow_none=True)
    prior_recovery_completion_rate = fields.Integer(allow_none=True)
    service_side_disruption_count = fields.Integer(allow_none=True)
    continuity_risk_level = fields.String(allow_none=True)
    next_checkpoint_date = fields.Date(allow_none=True)
    reviewer_id = fields.Integer(allow_none=True)
    validation_timestamp = UTC(allow_none=True)
    control_status = fields.String(allow_none=True)
    escalation_status = fields.String()


class ThresholdReviewDetailOut(ThresholdReviewOut):
    figures = fields.Method("_figures")
    determination = fields.Nested(DeterminationOut, allow_none=True)
    communication = fields.Nested(CommunicationOut, allow_none=True)
    restrictions = fields.List(fields.Nested(RestrictionOut))

    def _figures(self, review):
        from ..review.operations import review_figures

        return FiguresOut().dump(review_figures(review))


class BreachOut(Schema):
    step = fields.String()
    review_id = fields.Integer()
    case_ref = fields.String()
    level = fields.String()
    due_at = UTC()
    done_at = UTC(allow_none=True)
    escalation_id = fields.Integer(allow_none=True)


class WeeklyGovernanceOut(Schema):
    week_start = fields.Date()
    week_end = fields.Date()
    objections = fields.List(fields.Nested(CommunicationOut))
    escalations_raised = fields.List(fields.Nested(EscalationOut))
    escalations_acknowledged = fields.List(fields.Nested(EscalationOut))
    breaches = fields.List(fields.Nested(BreachOut))
    restrictions = fields.List(fields.Nested(RestrictionOut))
    restrictions_refused = fields.List(fields.Nested(EscalationOut))
    archive_seqs = fields.Dict(keys=fields.String(), values=fields.Dict(keys=fields.String(), values=fields.Integer()))
