"""Writing to and checking the archive. append_entry is called by every step operation."""
import hashlib
import json
from dataclasses import dataclass
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
    return {c.key: getattr(model, c.key) for c in sa.inspect(model).mapper.column_attrs}


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
                 device_id: str | None = None) -> ArchiveEntry:
    """Append one entry to the chain in the caller's transaction (the caller commits)."""
    session = db.session
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": ARCHIVE_LOCK_KEY})
    last = session.execute(
        sa.select(ArchiveEntry.seq, ArchiveEntry.hash).order_by(ArchiveEntry.seq.desc()).limit(1)
    ).first()
    data = snapshot(record) if isinstance(record, db.Model) else record
    entry = ArchiveEntry(
        seq=(last.seq + 1) if last else 1, folder=folder, step=step, action=action,
        entity=type(record).__tablename__ if isinstance(record, db.Model) else data.get("entity", "record"),
        entity_id=data.get("id"), case_ref=case_ref, actor_id=getattr(actor, "id", None),
        actor_role=actor_role, record=canonical_json(data), device_time=device_time,
        server_time=utcnow(), device_id=device_id,
        prev_hash=last.hash if last else GENESIS,
    )
    entry.hash = compute_hash(entry.prev_hash, entry)
    session.add(entry)
    session.flush()
    return entry


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
