"""The sync batch envelope (sync.envelope): every field refused on its own with a path, nothing
else checked inside the payload. No Flask, no database."""
import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest

from sync.envelope import MAX_ENTRIES, EnvelopeError, parse_batch

CID = "6f1c2b9e-3c4d-4e5f-8a9b-0c1d2e3f4a5b"


def entry(**overrides) -> dict:
    body = {"client_id": CID, "kind": "attempt", "recovery_case_id": 7,
            "recorded_at": "2026-11-17T10:05:00-05:00", "payload": {"channel": "sms"}}
    body.update(overrides)
    return body


def batch(*entries, **overrides) -> dict:
    body = {"device_id": "tablet-1", "sent_at": "2026-11-17T10:06:00-05:00", "entries": list(entries) or [entry()]}
    body.update(overrides)
    return body


def errors_of(data) -> dict:
    with pytest.raises(EnvelopeError) as refused:
        parse_batch(data)
    return refused.value.errors


def test_a_valid_batch_is_parsed_into_entries_in_order():
    second = str(uuid.uuid4())
    parsed = parse_batch(batch(entry(), entry(client_id=second.upper(), kind="disposition", recovery_case_id="8",
                                          author="olu")))
    assert parsed.device_id == "tablet-1"
    assert parsed.sent_at == datetime(2026, 11, 17, 15, 6, tzinfo=UTC)
    assert [e.index for e in parsed.entries] == [0, 1]
    first, other = parsed.entries
    assert (first.client_id, first.kind, first.recovery_case_id, first.author) == (CID, "attempt", 7, None)
    assert first.recorded_at.utcoffset() == timedelta(hours=-5) and first.payload == {"channel": "sms"}
    # A UUID in capitals is the same id: the canonical text is what is stored and compared.
    assert (other.client_id, other.kind, other.recovery_case_id, other.author) == (second, "disposition", 8, "olu")


@pytest.mark.parametrize(("field", "value"), [
    ("device_id", None), ("device_id", ""), ("device_id", "   "), ("device_id", "x" * 81), ("device_id", 12),
    ("device_id", "tab\x00let"), ("sent_at", None), ("sent_at", "2026-11-17T10:06:00"), ("sent_at", "yesterday"),
    ("sent_at", "0001-01-01T00:00:00Z"), ("sent_at", "9999-12-31T23:59:59Z"), ("sent_at", 1763391600),
    ("entries", None), ("entries", []), ("entries", {}), ("entries", "all"), ("entries", [1]),
])
def test_each_envelope_field_is_refused_by_name(field, value):
    errors = errors_of(batch(**{field: value}))
    assert field in errors or any(key.startswith(field + ".") for key in errors), errors


@pytest.mark.parametrize(("field", "value"), [
    ("client_id", None), ("client_id", "not-a-uuid"), ("client_id", 5), ("client_id", CID + "0"),
    ("kind", None), ("kind", "exception"), ("kind", ["attempt"]),
    ("recovery_case_id", None), ("recovery_case_id", 0), ("recovery_case_id", -3), ("recovery_case_id", 1.5),
    ("recovery_case_id", True), ("recovery_case_id", 2 ** 31), ("recovery_case_id", "9" * 400),
    ("recovery_case_id", "seven"),
    ("recorded_at", None), ("recorded_at", "2026-11-17 10:05"), ("recorded_at", "2026-11-17T10:05:00"),
    ("payload", None), ("payload", []), ("payload", "channel=sms"),
    ("payload", {"channel": "sms", "client_id": CID}), ("payload", {"recorded_at": "2026-11-17T10:05:00Z"}),
    ("author", ""), ("author", 7), ("author", "x" * 81), ("author", "o\x00lu"),
])
def test_each_entry_field_is_refused_with_its_path(field, value):
    errors = errors_of(batch(entry(), entry(**{"client_id": str(uuid.uuid4()), field: value})))
    assert f"entries.1.{field}" in errors, errors
    assert not any(key.startswith("entries.0") for key in errors), errors
    assert all(isinstance(m, str) and m for messages in errors.values() for m in messages)


@pytest.mark.parametrize("field", ["client_id", "kind", "recovery_case_id", "recorded_at", "payload"])
def test_a_missing_entry_field_is_named(field):
    body = entry()
    del body[field]
    assert f"entries.0.{field}" in errors_of(batch(body))


def test_unknown_fields_are_refused_in_the_envelope_and_in_entries():
    errors = errors_of(batch(entry(status="created"), user="olu"))
    assert errors == {"user": ["Unknown field."], "entries.0.status": ["Unknown field."]}


def test_a_batch_larger_than_the_limit_is_refused_without_validating_each_entry():
    errors = errors_of(batch(*[{}] * (MAX_ENTRIES + 1)))
    assert errors == {"entries": [f"Send between 1 and {MAX_ENTRIES} entries."]}
    assert len(parse_batch(batch(*[entry(client_id=str(uuid.uuid4())) for _ in range(MAX_ENTRIES)])).entries) \
        == MAX_ENTRIES


@pytest.mark.parametrize("data", [None, [], "batch", 3, [batch()]])
def test_a_body_that_is_not_an_object_is_refused(data):
    assert errors_of(data) == {"_schema": ["Send a JSON object."]}


def test_times_keep_their_offsets():
    parsed = parse_batch(batch(entry(recorded_at="2026-11-17T16:05:00+01:00"), sent_at="2026-11-17T15:06:00Z"))
    assert parsed.entries[0].recorded_at.utcoffset() == timedelta(hours=1)
    assert parsed.sent_at == datetime(2026, 11, 17, 15, 6, tzinfo=timezone.utc)
