"""Cases, the schedule and workflow 1 (missed contacts, classifications, evidence, releases, codes)."""
from marshmallow import Schema, fields

from .common import UTC, StepOut


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
    expectations_explained_on = fields.Date(allow_none=True)
    expectations_text = fields.String(allow_none=True)
    preferred_language = fields.String()


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
    status = fields.String(metadata={"enum": ["scheduled", "attended", "missed", "notified_absence", "cancelled"]})
    makeup_for = fields.Function(lambda a: a.makeup_for.appointment_ref if a.makeup_for else None,
                                 metadata={"description": "the missed appointment this one makes up for"})
    absence_notified_at = UTC(allow_none=True)
    absence_reason = fields.String(allow_none=True)
    absence_channel = fields.String(allow_none=True)
    recording_sent_at = UTC(allow_none=True)
    recording_viewed_at = UTC(allow_none=True)


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
    repeat_of = fields.Integer(attribute="repeat_of_id", allow_none=True,
                               metadata={"description": "a missed make-up: the event of the miss it made up for"})
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
