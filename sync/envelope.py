"""The batch envelope a device sends to the sync endpoint, validated field by field.

{device_id, sent_at, entries: [{client_id, kind, recovery_case_id, recorded_at, payload, author?}]}

A bad envelope is refused whole (nothing applied) with errors keyed by path, e.g.
`entries.3.client_id`. What is inside an entry's payload is not checked here: each entry is
validated by the same operation as an online entry, and a bad one is rejected on its own.
"""
from dataclasses import dataclass
from datetime import datetime

from marshmallow import RAISE, Schema, ValidationError, fields, pre_load, validate, validates, validates_schema

KINDS = ("attempt", "disposition")
MAX_ENTRIES = 200
DEVICE_ID_MAX = 80          # the length of the device_id columns it is stored in
AUTHOR_MAX = 80             # usernames
MAX_DB_ID = 2 ** 31 - 1     # ids are 32-bit integers in the database
EARLIEST_YEAR, LATEST_YEAR = 1900, 2999
# Stamped by the device beside the payload; inside it they would be ambiguous.
ENVELOPE_ONLY = ("client_id", "recorded_at")
TEXT = {"required": "This field is required.", "null": "This field is required.", "invalid": "Give text."}
WHEN = {"required": "This field is required.", "null": "This field is required.",
        "invalid": "Give a date and time in ISO 8601, e.g. 2026-11-24T10:30:00-05:00.",
        "invalid_awareness": "Include the time zone offset, e.g. -05:00 or Z.",
        "out_of_range": f"Give a date between {EARLIEST_YEAR} and {LATEST_YEAR}."}


class EnvelopeError(Exception):
    """The envelope is malformed: field path -> [messages]. Nothing may be applied."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("invalid sync envelope")
        self.errors = errors


@dataclass(frozen=True)
class Entry:
    index: int
    client_id: str            # canonical UUID text
    kind: str                 # "attempt" | "disposition"
    recovery_case_id: int
    recorded_at: datetime     # the device's clock, as sent
    payload: dict
    author: str | None = None


@dataclass(frozen=True)
class Batch:
    device_id: str
    sent_at: datetime
    entries: tuple[Entry, ...]


class _When(fields.AwareDateTime):
    def __init__(self, **kwargs):
        super().__init__(required=True, error_messages=WHEN, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        result = super()._deserialize(value, attr, data, **kwargs)
        if not EARLIEST_YEAR <= result.year <= LATEST_YEAR:
            raise self.make_error("out_of_range")
        return result


class _Id(fields.Integer):
    """A positive id that fits the database; "12" is accepted, 1.5 and true are not."""

    def __init__(self, **kwargs):
        super().__init__(strict=False, required=True, validate=validate.Range(
            min=1, max=MAX_DB_ID, error="Give the id of a recovery case."),
            error_messages={"required": "This field is required.", "null": "This field is required.",
                            "invalid": "Give the id of a recovery case."}, **kwargs)

    def _validated(self, value):
        if isinstance(value, float) and not value.is_integer():
            raise self.make_error("invalid")
        return super()._validated(value)


def _no_nul(value: str) -> None:
    if "\x00" in value:
        raise ValidationError("Remove the NUL character (\\u0000): it cannot be stored.")


class EntryInput(Schema):
    class Meta:
        unknown = RAISE

    client_id = fields.UUID(required=True, error_messages={
        "required": "This field is required.", "null": "This field is required.", "invalid_uuid": "Give a UUID."})
    kind = fields.String(required=True, validate=validate.OneOf(KINDS, error="Choose attempt or disposition."),
                         error_messages=TEXT)
    recovery_case_id = _Id()
    recorded_at = _When()
    payload = fields.Dict(required=True, error_messages={
        "required": "This field is required.", "null": "This field is required.",
        "invalid": "Give the entry's fields as an object."})
    author = fields.String(load_default=None, allow_none=True, validate=[
        validate.Length(min=1, max=AUTHOR_MAX, error=f"Give a username of 1 to {AUTHOR_MAX} characters."), _no_nul],
        error_messages=TEXT)

    @validates("payload")
    def _payload_alone(self, payload, **_kwargs):
        inside = [key for key in ENVELOPE_ONLY if key in payload]
        if inside:
            raise ValidationError(f"Give {' and '.join(inside)} beside the payload, not inside it.")


class BatchInput(Schema):
    class Meta:
        unknown = RAISE

    device_id = fields.String(required=True, validate=[validate.Length(
        min=1, max=DEVICE_ID_MAX, error=f"Give a device id of 1 to {DEVICE_ID_MAX} characters."), _no_nul],
        error_messages=TEXT)
    sent_at = _When()
    entries = fields.List(fields.Nested(EntryInput), required=True, validate=validate.Length(
        min=1, max=MAX_ENTRIES, error=f"Send between 1 and {MAX_ENTRIES} entries."), error_messages={
        "required": "This field is required.", "null": "This field is required.", "invalid": "Give a list of entries."})

    @pre_load
    def _bounded(self, data, **_kwargs):
        # Refuse an oversized batch before validating each of its entries.
        if isinstance(data, dict) and isinstance(data.get("entries"), list) and len(data["entries"]) > MAX_ENTRIES:
            raise ValidationError({"entries": [f"Send between 1 and {MAX_ENTRIES} entries."]})
        return data

    @validates_schema
    def _device_id_not_blank(self, data, **_kwargs):
        if "device_id" in data and not data["device_id"].strip():
            raise ValidationError({"device_id": ["Give a device id."]})


def flatten(messages, prefix: str = "") -> dict[str, list[str]]:
    """Marshmallow's nested messages as {"entries.3.client_id": [messages]}."""
    out: dict[str, list[str]] = {}
    if isinstance(messages, dict):
        for key, inner in messages.items():
            for path, texts in flatten(inner, f"{prefix}.{key}" if prefix else str(key)).items():
                out.setdefault(path, []).extend(texts)
    elif isinstance(messages, list):
        for item in messages:
            for path, texts in flatten(item, prefix).items():
                out.setdefault(path, []).extend(texts)
    else:
        out.setdefault(prefix or "_schema", []).append(str(messages))
    return out


def parse_batch(data) -> Batch:
    """The validated batch, or EnvelopeError naming every bad field."""
    if not isinstance(data, dict):
        raise EnvelopeError({"_schema": ["Send a JSON object."]})
    try:
        loaded = BatchInput().load(data)
    except ValidationError as err:
        raise EnvelopeError(flatten(err.messages)) from None
    return Batch(device_id=loaded["device_id"], sent_at=loaded["sent_at"], entries=tuple(
        Entry(index=i, client_id=str(e["client_id"]), kind=e["kind"], recovery_case_id=e["recovery_case_id"],
              recorded_at=e["recorded_at"], payload=e["payload"], author=e["author"])
        for i, e in enumerate(loaded["entries"])))
