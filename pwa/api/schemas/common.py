"""What every area's output shares: UTC times with Z, the user and session, step records, errors."""
from marshmallow import Schema, fields

from ...clock import as_utc


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


class StepOut(Schema):
    id = fields.Integer()
    reviewer_id = fields.Integer()
    validation_timestamp = UTC()
    control_status = fields.String()
    escalation_status = fields.String()


class ErrorOut(Schema):
    error = fields.String()
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))
    rule = fields.String()
    reasons = fields.List(fields.String())
    escalation_id = fields.Integer()
    # Sign-in (POST /api/v1/session): a second factor is needed; seconds until a lockout ends.
    mfa_required = fields.Boolean()
    enrolment_required = fields.Boolean()
    retry_after = fields.Integer()
