"""Allowlist input schemas for the case and schedule feeds."""
from marshmallow import fields, validate, validates_schema, ValidationError

from ..governance import vocab
from ..schema_fields import InputSchema, WholeNumber, choice, day, text, when


REF = r"^[A-Za-z0-9._-]+\Z"  # \Z, not $: "$" also matches before a trailing newline


class ContactRouteInput(InputSchema):
    channel = choice(vocab.CONTACT_CHANNELS)
    value = text(200)
    approved = fields.Boolean(required=True, error_messages={"required": "Say whether this route is approved.",
                                                             "invalid": "Give true or false."})
    preferred = fields.Boolean(load_default=False, error_messages={"invalid": "Give true or false."})


class CaseInput(InputSchema):
    case_ref = text(64, pattern=REF)
    display_name = text(120)
    team = text(80, required=False)
    risk_flags = fields.List(
        fields.String(validate=validate.OneOf(vocab.RISK_FLAGS, error="Unknown risk flag.")), required=True,
        validate=validate.Length(max=len(vocab.RISK_FLAGS)),
        error_messages={"required": "List the risk flags (an empty list when there are none).",
                        "invalid": "Give a list of risk flags."})
    contact_routes = fields.List(fields.Nested(ContactRouteInput), required=True,
                                 validate=validate.Length(max=20, error="At most 20 routes."),
                                 error_messages={"required": "List the contact routes.",
                                                 "invalid": "Give a list of routes."})
    assigned_outreach_worker = text(80, required=False)
    # Section 4: the attendance expectations explained at intake (the policy in plain words) and when.
    expectations_explained_on = day(required=False)
    expectations_text = text(4000, required=False)
    # The person's language for letters; a feed that leaves it out keeps what is on record (English at first).
    preferred_language = choice(vocab.LANGUAGES, required=False)


class AppointmentInput(InputSchema):
    appointment_ref = text(64, pattern=REF)
    case_ref = text(64)
    scheduled_at = when()
    service = text(120)
    modality = choice(vocab.MODALITIES)
    duration_minutes = WholeNumber(load_default=60, strict=False,
                                      validate=validate.Range(min=5, max=600, error="Give 5 to 600 minutes."),
                                      error_messages={"invalid": "Give a whole number of minutes."})
    cancelled = fields.Boolean(load_default=False, error_messages={"invalid": "Give true or false."})
    # A feed that carries a permanent code is refused (E1) unless a release applied that code.
    attendance_code = text(40, required=False)


class AttendanceSignalInput(InputSchema):
    joined_at = when(required=False)
    left_at = when(required=False)
    arrived_at = when(required=False)
    # A session recording sent to the person and its viewing (partial engagement, never attendance).
    recording_sent_at = when(required=False)
    recording_viewed_at = when(required=False)

    @validates_schema
    def check_order(self, data, **kwargs):
        if not any(data.get(k) for k in ("joined_at", "left_at", "arrived_at", "recording_sent_at",
                                         "recording_viewed_at")):
            raise ValidationError("Give joined_at, left_at, arrived_at, recording_sent_at or recording_viewed_at.",
                                  "_schema")
        if data.get("recording_viewed_at") and data.get("recording_sent_at") \
                and data["recording_viewed_at"] < data["recording_sent_at"]:
            raise ValidationError("A recording cannot be viewed before it was sent.", "recording_viewed_at")
        if data.get("left_at") and data.get("joined_at") and data["left_at"] < data["joined_at"]:
            raise ValidationError("Cannot leave before joining.", "left_at")
