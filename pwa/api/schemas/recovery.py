"""Workflow 2 (recovery cases, attempts, dispositions) and the sync answer."""
from marshmallow import Schema, fields

from .common import UTC, StepOut
from .intake import ContactRouteOut


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
    offer_accepted = fields.String(allow_none=True)
    makeup_appointment_ref = fields.Function(
        lambda a: a.makeup_appointment.appointment_ref if a.makeup_appointment else None)


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
    priority_raised = fields.Boolean(metadata={"description": "opened for a missed make-up (a repeat miss)"})
    repeat_of = fields.Function(lambda r: r.missed_contact.repeat_of_id)
    makeup_appointment_ref = fields.Function(
        lambda r: r.makeup_appointment.appointment_ref if r.makeup_appointment else None)
    closure_reason = fields.String(allow_none=True)
    closure_evidence = fields.String(allow_none=True)
    reengaged_appointment_ref = fields.Function(
        lambda r: r.reengaged_appointment.appointment_ref if r.reengaged_appointment else None)
    closed_at = UTC(allow_none=True)


class RecoveryCaseDetailOut(RecoveryCaseOut):
    attempts = fields.List(fields.Nested(AttemptOut))
    dispositions = fields.List(fields.Nested(DispositionOut))
    support_requests = fields.Method("_support_requests")

    def _support_requests(self, recovery):
        from ...support.queries import support_for_recovery_case

        return SupportRequestOut(many=True).dump(support_for_recovery_case(recovery.id))


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


class SupportRequestOut(Schema):
    id = fields.Integer()
    case_ref = fields.Function(lambda s: s.case.case_ref)
    recovery_case_id = fields.Integer(allow_none=True)
    missed_contact_id = fields.Integer(allow_none=True)
    source = fields.String()
    source_id = fields.Integer()
    opened_at = UTC()
    next_appointment_ref = fields.Function(lambda s: s.next_appointment.appointment_ref if s.next_appointment else None)
    due_at = UTC(metadata={"description": "before the person's next virtual session (else 1 business day)"})
    status = fields.String(metadata={"enum": ["open", "resolved", "not_resolved"]})
    resolution_note = fields.String(allow_none=True)
    resolved_at = UTC(allow_none=True)
    resolved_in_time = fields.Boolean()
