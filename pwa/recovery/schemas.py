"""Allowlist input schemas for workflow 2 (field names are SPEC.md's)."""
from marshmallow import fields, validate

from ..governance import vocab
from ..schema_fields import ANSWER, InputSchema, WholeNumber, choice, count, day, text, when


class Tier(fields.String):
    """The priority tier as "1".."3"; JSON clients may send the number."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        return super()._deserialize(value, attr, data, **kwargs)


def route_id(**kwargs) -> fields.Integer:
    return WholeNumber(strict=False, required=True, validate=validate.Range(min=1, error="Choose a route."),
                       error_messages={"required": ANSWER, "null": ANSWER, "invalid": "Choose a route."}, **kwargs)


def offline_fields():
    """client_id and recorded_at: stamped by the device when the worker taps save."""
    return {
        "client_id": fields.UUID(load_default=None, error_messages={"invalid_uuid": "Give a UUID."}),
        "recorded_at": when(required=False),
    }


class OpenRecoveryInput(InputSchema):
    recovery_priority_tier = Tier(
        required=True, validate=validate.OneOf(vocab.PRIORITY_TIERS, error="Choose tier 1, 2 or 3."),
        error_messages={"required": ANSWER, "null": ANSWER, "invalid": "Choose tier 1, 2 or 3."})
    approved_contact_route = route_id()
    immediate_welfare_concern = choice(vocab.YES_NO)
    service_impact_score = WholeNumber(
        required=True, strict=False, validate=validate.Range(min=1, max=5, error="Give a score from 1 to 5."),
        error_messages={"required": ANSWER, "null": ANSWER, "invalid": "Give a score from 1 to 5."})
    next_checkpoint_date = day()


class AttemptInput(InputSchema):
    attempt_at = when()
    channel = choice(vocab.CONTACT_CHANNELS)
    outcome = choice(vocab.ATTEMPT_OUTCOMES)
    barrier_signal = choice(vocab.BARRIER_SIGNALS)
    rescue_option = choice(vocab.RESCUE_OPTIONS)
    rescue_detail = text(2000, required=False)
    emergency_exception_reason = text(2000, required=False)
    offer_accepted = choice(vocab.YES_NO, required=False, allow_none=True)
    makeup_at = when(required=False)
    locals().update(offline_fields())


class DispositionInput(InputSchema):
    continuity_restored = choice(vocab.CONTINUITY_RESTORED)
    continuity_evidence = fields.List(
        WholeNumber(strict=False, error_messages={"invalid": "Give attempt ids."}), required=True,
        validate=validate.Length(max=100),
        error_messages={"required": "List the attempts that prove it (an empty list when there are none).",
                        "invalid": "Give a list of attempt ids."})
    replacement_contact_route = route_id()
    unresolved_barrier_count = count()
    locked_instruction = choice(vocab.LOCKED_INSTRUCTIONS)
    instruction_detail = text(4000, required=False)
    rebook_at = when(required=False)
    rebook_service = text(120, required=False)
    rebook_modality = choice(vocab.MODALITIES, required=False, allow_none=True)
    review_date = day()
    locals().update(offline_fields())


class ExceptionDecisionInput(InputSchema):
    decision = choice(("approved", "rejected"))
    note = text(2000, required=False)


class CloseRecoveryInput(InputSchema):
    closure_reason = choice(vocab.CLOSURE_REASONS)
    evidence = text(4000)


class ArrivalInput(InputSchema):
    arrived_at = when()


class AbsenceNoticeInput(InputSchema):
    notified_at = when()
    reason = text(1000)
    channel = choice(vocab.NOTICE_CHANNELS)
    makeup_at = when(required=False)
