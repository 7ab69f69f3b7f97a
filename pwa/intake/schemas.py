"""Allowlist input schemas for workflow 1 (field names are SPEC.md's)."""
from marshmallow import fields, validate

from ..governance import vocab
from ..schema_fields import InputSchema, choice, count, day, text, when


class MissedContactInput(InputSchema):
    case_ref = text(64)
    appointment_ref = text(64)
    scheduled_at = when()
    event_type = choice(vocab.EVENT_TYPES)
    service_disruption_known = choice(vocab.YES_NO)
    contactability_status = choice(vocab.CONTACTABILITY)
    next_checkpoint_date = day()
    note = text(4000, required=False)


class ClassificationInput(InputSchema):
    final_classification = choice(vocab.CLASSIFICATIONS)
    outcome = choice(vocab.CLASSIFICATION_OUTCOMES)
    access_barrier_likelihood = choice(vocab.LIKELIHOODS)
    service_failure_contribution = choice(vocab.SERVICE_CONTRIBUTIONS)
    contributing_factors = fields.List(
        fields.String(validate=validate.OneOf(vocab.CONTRIBUTING_FACTORS,
                                              error="Unknown factor; choose from the listed factors.")),
        required=True,
        validate=validate.Length(max=len(vocab.CONTRIBUTING_FACTORS)),
        error_messages={"required": "List the contributing factors (an empty list when there are none).",
                        "invalid": "Give a list of factors."},
    )
    unresolved_dependency_count = count()
    evidence_summary = text(4000)


class EvidenceInput(InputSchema):
    evidence = text(4000)
    contactability_status = choice(vocab.CONTACTABILITY, required=False, allow_none=True)


class ReleaseInput(InputSchema):
    permanent_code = choice(vocab.PERMANENT_CODES.values())
    follow_up_required = choice(vocab.YES_NO)
    follow_up_route = choice(vocab.FOLLOW_UP_ROUTES)
    review_date = day()


class AttendanceCodeInput(InputSchema):
    appointment_ref = text(64)
    code = text(40)
