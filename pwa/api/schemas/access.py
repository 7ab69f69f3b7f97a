"""Who has seen a person's record: the access record's output (GET /api/v1/access-records)."""
from marshmallow import Schema, fields

from .common import UTC


class AccessRecordOut(Schema):
    id = fields.Integer()
    at = UTC()
    case_ref = fields.String()
    user_id = fields.Integer()
    roles = fields.Function(lambda a: a.roles.split(",") if a.roles else [])
    via = fields.String()
    what = fields.String()
    path = fields.String()
    client_address = fields.String(allow_none=True)
    device = fields.String(allow_none=True)


class AccessPageOut(Schema):
    case_ref = fields.String()
    page = fields.Integer()
    per_page = fields.Integer()
    total = fields.Integer()
    items = fields.List(fields.Nested(AccessRecordOut))
