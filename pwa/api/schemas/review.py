"""Workflow 3: policies, reviews with their figures, determinations, communications, restrictions, the weekly review."""
from marshmallow import Schema, fields

from ...review.figures import review_figures
from .common import UTC, StepOut
from .escalations import EscalationOut


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
