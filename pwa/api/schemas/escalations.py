"""Escalations and the archive."""
import json

from marshmallow import Schema, fields

from .common import UTC


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
