"""The app's side of the sync protocol (sync/): each entry of a device's batch is written through
workflow 2's operations, with the rules, errors and archive entries of an online entry.

Attempts are validated one by one as they come (prepare_attempt writes nothing, so a rejected one
leaves nothing behind) and written together: one INSERT and one archive append for a run of
attempts, instead of a round trip per entry. A disposition, which changes its case, first writes
the attempts before it and runs alone inside a SAVEPOINT.
"""
import hashlib
import logging

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, lazyload, load_only, selectinload

from sync.envelope import Batch, Entry
from sync.protocol import Rejected, Result, Stored, ingest

from ..archive.operations import append_entry, canonical_json
from ..cases.models import Appointment, Case
from ..errors import Forbidden, InvalidInput, NotFound, WorkflowRefused
from ..extensions import db
from ..governance import access
from ..intake.models import MissedContact
from . import operations as ops
from .models import RecoveryCase, SyncConflict
from .schemas import AttemptInput

log = logging.getLogger("continuity.access")

# Who may send each kind (governance.access: SPEC 2b, 2c), what a device is told otherwise, and the
# role the archive names.
KIND_GUARDS = {
    "attempt": (access.can_log_attempt, access.LOG_ATTEMPT_REFUSAL, access.LOG_ATTEMPT[0]),
    "disposition": (access.can_record_disposition, access.RECORD_DISPOSITION_REFUSAL, access.RECORD_DISPOSITION[0]),
}
FOLDERS = {"attempt": ("outreach", "2b"), "disposition": ("rescue-board", "2c")}


class AppliedEntry:
    """An accepted entry; its id exists once the applier has written it."""

    def __init__(self, record, late: bool):
        self.record, self.late, self.fingerprint = record, late, record.payload_digest

    @property
    def id(self) -> int:
        return self.record.id


class RecoveryApplier:
    """sync.protocol.Applier over workflow 2, for one signed-in user and one batch."""

    def __init__(self, actor, receipt: ops.Receipt):
        self.actor, self.receipt = actor, receipt
        self.pending: list[ops.NewAttempt] = []
        self.cases: dict[int, RecoveryCase] = {}
        self.attempt_input = AttemptInput()

    def preload(self, entries) -> None:
        """The batch's recovery cases with what an attempt reads (routes, the missed appointment's
        modality), in a few round trips for the whole batch, held here so that get_recovery_case finds
        them in the session. Only the columns an attempt reads are loaded; any other is loaded when
        something asks for it (a disposition does)."""
        ids = sorted({e.recovery_case_id for e in entries})
        self.cases = {c.id: c for c in db.session.scalars(
            sa.select(RecoveryCase).where(RecoveryCase.id.in_(ids)).options(
                load_only(RecoveryCase.case_id, RecoveryCase.missed_contact_id, RecoveryCase.status,
                          RecoveryCase.assigned_worker_id, RecoveryCase.opened_at),
                selectinload(RecoveryCase.case).options(load_only(Case.case_ref), selectinload(Case.contact_routes),
                                                        lazyload(Case.risk_flag_rows)),
                # The same Case rows again through these two: found in the session when asked for.
                selectinload(RecoveryCase.missed_contact).options(
                    load_only(MissedContact.appointment_id), lazyload(MissedContact.case),
                    joinedload(MissedContact.appointment).options(load_only(Appointment.modality),
                                                                  lazyload(Appointment.case)))))}

    def stored(self, client_ids) -> dict[str, Stored]:
        return ops.stored_entries(client_ids)

    def fingerprint(self, entry: Entry) -> str | None:
        return ops.entry_fingerprint(entry.kind, self._input(entry))

    def apply(self, entry: Entry) -> AppliedEntry:
        allowed, message, role = KIND_GUARDS[entry.kind]
        if not allowed(self.actor):
            self._log_refusal(entry, f"needs {role}")
            raise Rejected({"kind": [message]}, rule="forbidden")
        try:
            if entry.kind == "attempt":
                recovery = ops.get_recovery_case(entry.recovery_case_id, self.actor)
                new = ops.prepare_attempt(recovery, self._input(entry), self.actor, self.receipt,
                                          schema=self.attempt_input)
                self.pending.append(new)
                return AppliedEntry(new.record, new.record.late)
            self._write_pending()  # the disposition sees the attempts sent before it
            with db.session.begin_nested():
                disposition, _ = ops.record_disposition(entry.recovery_case_id, self._input(entry), self.actor,
                                                        self.receipt)
            return AppliedEntry(disposition, disposition.late)
        except InvalidInput as err:
            raise Rejected(err.errors) from None
        except WorkflowRefused as err:
            raise Rejected({"_schema": err.reasons}, rule=err.rule) from None
        except NotFound:
            raise Rejected({"recovery_case_id": ["No such recovery case."]}, rule="not_found") from None
        except Forbidden as err:
            self._log_refusal(entry, str(err))
            raise Rejected({"recovery_case_id": [_sentence(str(err))]}, rule="forbidden") from None

    def keep_conflict(self, entry: Entry, stored: Stored, reason: str) -> None:
        digest = hashlib.sha256(canonical_json({
            "kind": entry.kind, "recovery_case_id": entry.recovery_case_id, "recorded_at": entry.recorded_at,
            "payload": entry.payload}).encode()).hexdigest()
        kept = db.session.scalar(sa.select(SyncConflict).filter_by(client_id=entry.client_id, entry_digest=digest))
        if kept is not None:  # the same conflicting entry again (a retry): counted, not kept twice
            kept.times_received += 1
            kept.last_received_at = self.receipt.received_at
            return
        conflict = SyncConflict(
            client_id=entry.client_id, kind=entry.kind, recovery_case_id=entry.recovery_case_id,
            user_id=self.actor.id, device_id=self.receipt.device_id, payload=entry.payload,
            recorded_at=entry.recorded_at, received_at=self.receipt.received_at,
            clock_offset_seconds=self.receipt.clock_offset.total_seconds(), entry_digest=digest,
            stored_kind=stored.kind, stored_id=stored.id, reason=reason, times_received=1,
            last_received_at=self.receipt.received_at)
        db.session.add(conflict)
        db.session.flush()
        folder, step = FOLDERS[entry.kind]
        sent_case = self.cases.get(entry.recovery_case_id)
        append_entry(folder=folder, step=step, action="sync_conflict", record=conflict, actor=self.actor,
                     actor_role=KIND_GUARDS[entry.kind][2], case_ref=sent_case.case.case_ref if sent_case else None,
                     device_time=entry.recorded_at, device_id=self.receipt.device_id)

    def finish(self) -> None:
        self._write_pending()

    def _write_pending(self) -> None:
        ops.save_attempts(self.pending)
        self.pending = []

    def _input(self, entry: Entry) -> dict:
        """The operation's input: the payload as a form or the API would send it, with the entry's id
        and device time."""
        return {**entry.payload, "client_id": entry.client_id, "recorded_at": entry.recorded_at.isoformat()}

    def _log_refusal(self, entry: Entry, reason: str) -> None:
        # As security.refuse logs a 403: who and which case, never the entry's contents.
        log.warning("refused user_id=%s roles=%s sync entry %s (%s) recovery_case_id=%s: %s", self.actor.id,
                    ",".join(self.actor.roles), entry.index, entry.kind, entry.recovery_case_id, reason)


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


def ingest_batch(batch: Batch, actor, receipt: ops.Receipt) -> list[Result]:
    """Answer every entry of a validated batch (the caller commits)."""
    applier = RecoveryApplier(actor, receipt)
    applier.preload(batch.entries)
    return ingest(batch, applier, author_id=actor.id, author=actor.username)
