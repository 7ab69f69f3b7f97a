"""Allowlist input schemas for workflow 3 (field names are SPEC.md's)."""
from marshmallow import fields, validate

from ..governance import vocab
from ..schema_fields import ANSWER, InputSchema, WholeNumber, choice, count, day, text


def level_count(**kwargs):
    return WholeNumber(required=True, strict=False,
                       validate=validate.Range(min=1, max=100, error="Give a whole number from 1 to 100."),
                       error_messages={"required": ANSWER, "null": ANSWER, "invalid": "Give a whole number."}, **kwargs)


class YesNoFlag(fields.Boolean):
    """A true/false answer with no default; JSON true/false or "yes"/"no"."""

    truthy = {True, "yes"}
    falsy = {False, "no"}


class ThresholdPolicyInput(InputSchema):
    warning_count = level_count()
    step_up_count = level_count()
    closure_count = level_count()
    window_days = WholeNumber(required=True, strict=False,
                              validate=validate.Range(min=1, max=730, error="Give a number of days from 1 to 730."),
                              error_messages={"required": ANSWER, "null": ANSWER, "invalid": "Give a whole number."})
    count_service_side_failures = YesNoFlag(
        required=True, error_messages={"required": ANSWER, "null": ANSWER, "invalid": "Answer yes or no."})
    note = text(2000, required=False)


class ThresholdReviewInput(InputSchema):
    threshold_event_count = count()
    prior_recovery_completion_rate = WholeNumber(
        required=True, allow_none=True, strict=False,
        validate=validate.Range(min=0, max=100, error="Give a whole percentage from 0 to 100."),
        error_messages={"required": "Give the rate shown (null when no recovery case was instructed).",
                        "invalid": "Give a whole percentage."})
    service_side_disruption_count = count()
    continuity_risk_level = choice(vocab.RISK_LEVELS)
    next_checkpoint_date = day()


class DeterminationInput(InputSchema):
    panel_decision = choice(vocab.PANEL_DECISIONS)
    barrier_remediation_status = choice(vocab.REMEDIATION_STATUSES)
    proportionality_result = choice(vocab.PROPORTIONALITY_RESULTS)
    proportionality_rationale = text(4000)
    unresolved_dependency_count = count()


class CommunicationInput(InputSchema):
    decision_explained = choice(vocab.DECISION_EXPLAINED)
    contact_route = WholeNumber(load_default=None, allow_none=True, strict=False,
                                validate=validate.Range(min=1, max=2**31 - 1, error="Choose a route."),
                                error_messages={"invalid": "Choose a route."})
    alternative_pathway_offered = text(4000, required=False)
    appeal_route_provided = text(4000)
    objection_raised = choice(vocab.YES_NO)
    objection_detail = text(4000, required=False)
    review_date = day()


class RestrictionInput(InputSchema):
    kind = choice(vocab.RESTRICTION_KINDS)
    source = choice(vocab.RESTRICTION_SOURCES)
    detail = text(2000, required=False)
