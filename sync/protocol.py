"""How each entry of a batch is answered: created, duplicate, conflict or rejected.

The rules of the protocol live here; writing is the app's, behind the Applier interface:

- entries are authored by the signed-in user only: an entry naming another author is rejected;
- a client_id is unique forever: an entry whose client_id is already stored (in an earlier batch,
  or earlier in this one) is a `duplicate` when it is the same entry again (same author, kind,
  recovery case and payload fingerprint) and creates nothing; otherwise it is a `conflict`, kept as
  evidence by the applier, and the answer never reveals the stored record;
- replays are recognised before any other check, so an entry whose case has since been
  reassigned or closed still answers `duplicate`;
- any other entry is applied through the app's operations; a refusal is `rejected` with the same
  field errors an online entry gets.

Results come back in entry order, one per entry.
"""
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from .envelope import Batch, Entry

CREATED, DUPLICATE, CONFLICT, REJECTED = "created", "duplicate", "conflict", "rejected"
STATUSES = (CREATED, DUPLICATE, CONFLICT, REJECTED)
# A device can only act on these two: the entry is on the server, so it may leave the outbox.
ACKNOWLEDGED = (CREATED, DUPLICATE)
CONFLICT_MESSAGE = "This entry id was already used for a different entry."
NUL_MESSAGE = "Remove the NUL character (\\u0000): it cannot be stored."


@dataclass(frozen=True)
class Stored:
    """An entry already on the server under its client_id."""

    client_id: str
    kind: str
    id: int
    author_id: int
    recovery_case_id: int
    fingerprint: str
    late: bool = False


class Applied(Protocol):
    """An entry the applier accepted. `id` may be read only after Applier.finish()."""

    @property
    def id(self) -> int: ...

    @property
    def late(self) -> bool: ...

    @property
    def fingerprint(self) -> str: ...


class Rejected(Exception):
    """The entry is refused: field -> [messages], and the rule that refused it when there is one."""

    def __init__(self, errors: dict[str, list[str]], rule: str | None = None):
        super().__init__(rule or "rejected")
        self.errors = errors
        self.rule = rule


class Applier(Protocol):
    def stored(self, client_ids: Sequence[str]) -> Mapping[str, Stored]:
        """The entries already stored under any of these client_ids."""

    def fingerprint(self, entry: Entry) -> str | None:
        """The fingerprint a stored entry keeps of its payload, or None when the payload is invalid."""

    def apply(self, entry: Entry) -> Applied:
        """Validate and write the entry through the app's operations, or raise Rejected.
        A rejected entry must leave nothing behind."""

    def keep_conflict(self, entry: Entry, stored: Stored, reason: str) -> None:
        """Keep a conflicting entry as evidence (once per distinct payload)."""

    def finish(self) -> None:
        """Write whatever apply() deferred; ids of applied entries are known after this."""


@dataclass
class Result:
    client_id: str
    status: str
    id: int | None = None
    errors: dict[str, list[str]] = field(default_factory=dict)
    late: bool = False
    rule: str | None = None

    def as_dict(self) -> dict:
        return {"client_id": self.client_id, "status": self.status, "id": self.id, "errors": self.errors,
                "late": self.late, "rule": self.rule}


def replay_conflict(stored: Stored, *, kind: str, recovery_case_id: int, author_id: int,
                    fingerprint: str | None) -> str | None:
    """None when the entry is the stored one sent again; otherwise why it conflicts (for the evidence
    kept by the server, never for the device: it may name another user's record)."""
    if stored.author_id != author_id:
        return "the id belongs to an entry of another user"
    if stored.kind != kind:
        return f"the id belongs to {'an' if stored.kind == 'attempt' else 'a'} {stored.kind}"
    if stored.recovery_case_id != recovery_case_id:
        return "the id belongs to an entry of another recovery case"
    if fingerprint != stored.fingerprint:
        return "the id was used for a different payload"
    return None


def nul_fields(payload: dict) -> list[str]:
    """Top-level payload fields holding a NUL character anywhere (no database can store it)."""
    return sorted(str(key) for key, value in payload.items() if _has_nul(key) or _has_nul(value))


def _has_nul(value) -> bool:
    stack = [value]
    while stack:  # iterative: a payload may be nested as deep as the JSON parser allowed
        item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def ingest(batch: Batch, applier: Applier, *, author_id: int, author: str) -> list[Result]:
    """Answer every entry of the batch, in order. `author_id`/`author`: the signed-in user."""
    known: dict[str, Stored | tuple[Entry, Applied]] = dict(
        applier.stored(list(dict.fromkeys(e.client_id for e in batch.entries))))
    results: list[Result] = []
    created: list[tuple[Result, Applied]] = []
    conflicts: list[tuple[Entry, Stored | tuple[Entry, Applied], str]] = []
    for entry in batch.entries:
        result = Result(client_id=entry.client_id, status=REJECTED)
        results.append(result)
        if entry.author is not None and entry.author != author:
            result.errors = {"author": [f"Saved by {entry.author}: entries are sent only by the user who "
                                        f"saved them. Sign in as {entry.author} to send it."]}
            result.rule = "author"
            continue
        with_nul = nul_fields(entry.payload)
        if with_nul:
            result.errors = {key: [NUL_MESSAGE] for key in with_nul}
            continue
        seen = known.get(entry.client_id)
        if seen is not None:
            stored = seen if isinstance(seen, Stored) else _created_stored(seen, author_id)
            reason = replay_conflict(stored, kind=entry.kind, recovery_case_id=entry.recovery_case_id,
                                     author_id=author_id, fingerprint=applier.fingerprint(entry))
            if reason is None:
                result.status, result.late = DUPLICATE, stored.late
                if isinstance(seen, Stored):
                    result.id = stored.id
                else:
                    created.append((result, seen[1]))
            else:
                conflicts.append((entry, seen, reason))
                result.status, result.rule = CONFLICT, "conflict"
                result.errors = {"client_id": [CONFLICT_MESSAGE]}
            continue
        try:
            applied = applier.apply(entry)
        except Rejected as refused:
            result.errors, result.rule = refused.errors, refused.rule
            continue
        result.status, result.late = CREATED, applied.late
        created.append((result, applied))
        known[entry.client_id] = (entry, applied)
    applier.finish()
    for result, applied in created:
        result.id = applied.id
    for entry, seen, reason in conflicts:  # after finish(): an entry created in this batch has its id now
        stored = seen if isinstance(seen, Stored) else _created_stored(seen, author_id, finished=True)
        applier.keep_conflict(entry, stored, reason)
    return results


def _created_stored(seen: tuple[Entry, Applied], author_id: int, *, finished: bool = False) -> Stored:
    """An entry created earlier in this batch, as if already stored (its id is known after finish())."""
    entry, applied = seen
    return Stored(client_id=entry.client_id, kind=entry.kind, id=applied.id if finished else 0,
                  author_id=author_id, recovery_case_id=entry.recovery_case_id, fingerprint=applied.fingerprint,
                  late=applied.late)
