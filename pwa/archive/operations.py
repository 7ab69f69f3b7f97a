"""Writing to and checking the archive. append_entry is called by every step operation."""
import functools
import hashlib
import json
from dataclasses import dataclass
from types import SimpleNamespace
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa

from ..clock import as_utc, utcnow
from ..extensions import db
from .models import ArchiveEntry

GENESIS = "0" * 64
# Any constant: the advisory lock that serialises archive appends on PostgreSQL.
ARCHIVE_LOCK_KEY = 72_201_001


def _jsonable(value):
    if isinstance(value, datetime):
        return as_utc(value).isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def canonical_json(data) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_jsonable)


def snapshot(model) -> dict:
    """The record as the archive keeps it: every column of its table."""
    return {key: getattr(model, key) for key in _column_keys(type(model))}


@functools.cache
def _column_keys(model_class) -> tuple[str, ...]:
    return tuple(c.key for c in sa.inspect(model_class).column_attrs)


def _hashed_fields(entry: ArchiveEntry) -> dict:
    return {
        "seq": entry.seq, "folder": entry.folder, "step": entry.step, "entity": entry.entity,
        "entity_id": entry.entity_id, "case_ref": entry.case_ref, "actor_id": entry.actor_id,
        "actor_role": entry.actor_role, "action": entry.action, "record": entry.record,
        "device_time": entry.device_time, "server_time": entry.server_time, "device_id": entry.device_id,
    }


def compute_hash(prev_hash: str, entry: ArchiveEntry) -> str:
    return hashlib.sha256((prev_hash + canonical_json(_hashed_fields(entry))).encode()).hexdigest()


def append_entry(*, folder: str, step: str, action: str, record, actor=None, actor_role: str | None = None,
                 case_ref: str | None = None, device_time: datetime | None = None,
                 device_id: str | None = None) -> int:
    """Append one entry to the chain in the caller's transaction (the caller commits). Returns its seq."""
    return append_entries([dict(folder=folder, step=step, action=action, record=record, actor=actor,
                                actor_role=actor_role, case_ref=case_ref, device_time=device_time,
                                device_id=device_id)])[0]


def append_entries(items: list[dict]) -> list[int]:
    """Append entries in order, each linked to the one before (append_entry's keyword arguments per
    item), and return their seqs: one lock, one read of the chain's end and one multi-row INSERT for
    the lot, so a synced batch costs what one entry costs in round trips."""
    if not items:
        return []
    session = db.session
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": ARCHIVE_LOCK_KEY})
    last = session.execute(
        sa.select(ArchiveEntry.seq, ArchiveEntry.hash).order_by(ArchiveEntry.seq.desc()).limit(1)
    ).first()
    seq, prev_hash = (last.seq, last.hash) if last else (0, GENESIS)
    rows = []
    for item in items:
        record = item["record"]
        data = snapshot(record) if isinstance(record, db.Model) else record
        seq += 1
        row = {"seq": seq, "folder": item["folder"], "step": item["step"], "action": item["action"],
               "entity": type(record).__tablename__ if isinstance(record, db.Model) else data.get("entity", "record"),
               "entity_id": data.get("id"), "case_ref": item.get("case_ref"),
               "actor_id": getattr(item.get("actor"), "id", None), "actor_role": item.get("actor_role"),
               "record": canonical_json(data), "device_time": item.get("device_time"), "server_time": utcnow(),
               "device_id": item.get("device_id"), "prev_hash": prev_hash}
        row["hash"] = prev_hash = compute_hash(prev_hash, SimpleNamespace(**row))
        rows.append(row)
    session.flush()  # the records' rows first (a Core INSERT does not flush the session)
    session.connection().execute(sa.insert(ArchiveEntry.__table__), rows)
    return [row["seq"] for row in rows]


@dataclass
class ChainReport:
    checked: int
    broken_seq: int | None = None
    reason: str | None = None

    @property
    def ok(self) -> bool:
        return self.broken_seq is None


def verify_chain(batch: int = 5000) -> ChainReport:
    """Recompute every hash in order; report the first entry that does not match or is missing."""
    prev_hash, expected_seq, checked = GENESIS, 1, 0
    query = sa.select(ArchiveEntry).order_by(ArchiveEntry.seq)
    for entry in db.session.scalars(query.execution_options(yield_per=batch)):
        if entry.seq != expected_seq:
            return ChainReport(checked, expected_seq, f"entry {expected_seq} is missing")
        if entry.prev_hash != prev_hash:
            return ChainReport(checked, entry.seq, "its previous-hash link does not match the entry before it")
        if compute_hash(prev_hash, entry) != entry.hash:
            return ChainReport(checked, entry.seq, "its contents do not match its hash")
        prev_hash, expected_seq, checked = entry.hash, expected_seq + 1, checked + 1
    return ChainReport(checked)
