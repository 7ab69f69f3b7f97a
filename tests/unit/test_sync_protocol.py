"""The sync protocol (sync.protocol) against an in-memory applier: every status, replays before any
other check, conflicts never revealing the stored record, results in entry order. No Flask, no
database (the integration tests run the same protocol against the real one)."""
import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from sync.envelope import Batch, Entry
from sync.protocol import CONFLICT_MESSAGE, Rejected, Stored, ingest, replay_conflict

AT = datetime(2026, 11, 17, 15, 0, tzinfo=UTC)
OLU, OLA = 1, 2


@dataclass
class Written:
    fingerprint: str
    late: bool
    _id: int | None = None

    @property
    def id(self) -> int:
        if self._id is None:
            raise LookupError("not written yet")
        return self._id


class MemoryApplier:
    """Stores entries in a dict; refuses payloads with "bad" set; defers ids to finish()."""

    def __init__(self, user_id: int, stored: dict[str, Stored] | None = None, closed_cases=()):
        self.user_id = user_id
        self.rows: dict[str, Stored] = dict(stored or {})
        self.pending: list[tuple[Entry, Written]] = []
        self.conflicts: list[tuple[str, int, str]] = []
        self.closed_cases = set(closed_cases)
        self.finished = 0
        self.next_id = 100

    def stored(self, client_ids):
        return {cid: self.rows[cid] for cid in client_ids if cid in self.rows}

    def fingerprint(self, entry):
        if "bad" in entry.payload:
            return None
        return hashlib.sha256(json.dumps(entry.payload, sort_keys=True).encode()).hexdigest()

    def apply(self, entry):
        if "bad" in entry.payload:
            raise Rejected({"bad": ["Not this."]})
        if entry.recovery_case_id == 404:
            raise Rejected({"recovery_case_id": ["No such recovery case."]}, rule="not_found")
        written = Written(self.fingerprint(entry), late=entry.recovery_case_id in self.closed_cases)
        self.pending.append((entry, written))
        return written

    def keep_conflict(self, entry, stored, reason):
        self.conflicts.append((entry.client_id, stored.id, reason))

    def finish(self):
        self.finished += 1
        for entry, written in self.pending:
            written._id = self.next_id
            self.rows[entry.client_id] = Stored(entry.client_id, entry.kind, self.next_id, self.user_id,
                                                entry.recovery_case_id, written.fingerprint, written.late)
            self.next_id += 1
        self.pending = []


def make(payload=None, *, client_id=None, kind="attempt", case=7, author=None, index=0) -> Entry:
    return Entry(index=index, client_id=client_id or str(uuid.uuid4()), kind=kind, recovery_case_id=case,
                 recorded_at=AT, payload=payload if payload is not None else {"outcome": "reached"}, author=author)


def send(applier, *entries, user_id=OLU, username="olu"):
    batch = Batch(device_id="phone-1", sent_at=AT, entries=tuple(entries))
    return [r.as_dict() for r in ingest(batch, applier, author_id=user_id, author=username)]


def test_new_entries_are_created_in_order_with_their_ids_after_the_batch_is_written():
    applier = MemoryApplier(OLU, closed_cases={9})
    first, second = make(), make(case=9)
    results = send(applier, first, second)
    assert [(r["client_id"], r["status"], r["id"], r["late"], r["errors"]) for r in results] == [
        (first.client_id, "created", 100, False, {}), (second.client_id, "created", 101, True, {})]
    assert applier.finished == 1


def test_a_replay_in_a_later_batch_is_a_duplicate_with_the_stored_id_and_creates_nothing():
    applier = MemoryApplier(OLU)
    entry = make()
    created = send(applier, entry)[0]
    again = send(applier, entry)[0]
    assert again == {**created, "status": "duplicate"}
    assert len(applier.rows) == 1


def test_a_duplicate_inside_one_batch_answers_the_id_of_the_entry_created_before_it():
    applier = MemoryApplier(OLU)
    entry = make()
    results = send(applier, entry, make(payload={"outcome": "declined"}), entry)
    assert [r["status"] for r in results] == ["created", "created", "duplicate"]
    assert results[2]["id"] == results[0]["id"] == 100
    assert len(applier.rows) == 2


def test_the_same_id_with_another_payload_is_a_conflict_kept_once_per_sending_and_never_shows_the_record():
    applier = MemoryApplier(OLU)
    entry = make()
    send(applier, entry)
    changed = make({"outcome": "declined"}, client_id=entry.client_id)
    result = send(applier, changed)[0]
    assert result == {"client_id": entry.client_id, "status": "conflict", "id": None,
                      "errors": {"client_id": [CONFLICT_MESSAGE]}, "late": False, "rule": "conflict"}
    assert applier.conflicts == [(entry.client_id, 100, "the id was used for a different payload")]
    assert len(applier.rows) == 1


def test_a_conflict_inside_one_batch_is_kept_with_the_id_of_the_entry_created_first():
    applier = MemoryApplier(OLU)
    entry = make()
    results = send(applier, entry, make({"outcome": "declined"}, client_id=entry.client_id))
    assert [r["status"] for r in results] == ["created", "conflict"]
    assert applier.conflicts == [(entry.client_id, 100, "the id was used for a different payload")]


def test_another_users_id_is_a_conflict_even_with_the_same_payload():
    applier = MemoryApplier(OLU)
    entry = make()
    send(applier, entry)
    result = send(applier, entry, user_id=OLA, username="ola")[0]
    assert result["status"] == "conflict" and result["id"] is None
    assert applier.conflicts[-1][2] == "the id belongs to an entry of another user"


def test_replays_are_recognised_before_anything_the_applier_would_refuse():
    # Case 404 would be rejected by the applier now; the entry stored earlier is still a duplicate.
    stored = Stored("0b0c5f8e-3d52-4f5e-9f63-3d9b7a3c1e11", "attempt", 55, OLU, 404,
                    MemoryApplier(OLU).fingerprint(make()))
    applier = MemoryApplier(OLU, {stored.client_id: stored})
    result = send(applier, make(client_id=stored.client_id, case=404))[0]
    assert (result["status"], result["id"]) == ("duplicate", 55)


def test_an_entry_naming_another_author_is_rejected_even_when_its_id_is_stored():
    applier = MemoryApplier(OLU)
    entry = make(author="olu")
    send(applier, entry)
    results = send(applier, make(author="ola"), entry)
    assert results[0]["status"] == "rejected" and results[0]["rule"] == "author"
    assert "ola" in results[0]["errors"]["author"][0]
    assert results[1]["status"] == "duplicate"
    assert applier.conflicts == []


def test_a_rejected_entry_keeps_the_appliers_errors_and_the_others_go_through():
    applier = MemoryApplier(OLU)
    results = send(applier, make({"bad": 1}), make(), make(case=404))
    assert [r["status"] for r in results] == ["rejected", "created", "rejected"]
    assert results[0]["errors"] == {"bad": ["Not this."]} and results[0]["rule"] is None
    assert results[2]["rule"] == "not_found" and results[2]["id"] is None


def test_a_nul_anywhere_in_a_payload_rejects_that_entry_only():
    applier = MemoryApplier(OLU)
    results = send(applier, make({"rescue_detail": ["ok", {"x": "a\x00b"}], "outcome": "reached"}), make())
    assert results[0]["status"] == "rejected" and list(results[0]["errors"]) == ["rescue_detail"]
    assert results[1]["status"] == "created"


def test_replay_conflict_names_what_differs():
    stored = Stored("id", "attempt", 1, OLU, 7, "f")
    same = {"kind": "attempt", "recovery_case_id": 7, "author_id": OLU, "fingerprint": "f"}
    assert replay_conflict(stored, **same) is None
    assert "another user" in replay_conflict(stored, **{**same, "author_id": OLA})
    assert "an attempt" in replay_conflict(stored, **{**same, "kind": "disposition"})
    assert "another recovery case" in replay_conflict(stored, **{**same, "recovery_case_id": 8})
    assert "different payload" in replay_conflict(stored, **{**same, "fingerprint": "g"})
    assert "different payload" in replay_conflict(stored, **{**same, "fingerprint": None})
