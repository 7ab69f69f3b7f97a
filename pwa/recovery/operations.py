"""Workflow 2 operations: open the recovery case (2a), record attempts (2b) and dispositions (2c),
and decide emergency exceptions. Screens, the JSON API and offline sync all call these."""
import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from sync.clock import is_flagged
from sync.protocol import Stored, replay_conflict

from ..accounts.models import User
from ..archive.operations import append_entries, append_entry, canonical_json
from ..cases.models import Appointment
from ..clock import utcnow
from ..errors import Forbidden, InvalidInput, NotFound, WorkflowRefused
from ..escalations.operations import raise_escalation
from ..extensions import db
from ..governance import access, back_in_care, deadlines, escalations, recovery as rules
from ..support.operations import open_support_request
from ..schema_fields import load
from ..timekeeping import calendar, local_today
from .back_in_care import book_recovery_makeup
from .models import RecoveryAttempt, RecoveryCase, RecoveryDisposition
from .schemas import AttemptInput, DispositionInput, ExceptionDecisionInput, OpenRecoveryInput

SCHEMAS = {"attempt": AttemptInput, "disposition": DispositionInput}


@dataclass(frozen=True)
class Receipt:
    """How an entry reached the server: now, or later from a device's outbox (see sync/)."""

    received_at: datetime
    clock_offset: timedelta = timedelta(0)  # received_at - the device's sent_at
    device_id: str | None = None

    @classmethod
    def online(cls) -> "Receipt":
        return cls(received_at=utcnow())

    def corrected(self, device_time: datetime) -> datetime:
        """A device time on the server's clock."""
        return device_time + self.clock_offset


MAX_DB_ID = 2 ** 31 - 1  # ids are 32-bit integers: PostgreSQL refuses to compare a larger number (a 500)


def _db_id(value) -> int | None:
    """An id that can exist in the database, else None (a URL may carry any number of digits)."""
    return value if isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_DB_ID else None


def get_recovery_case(case_id, user) -> RecoveryCase:
    """The case, if `user` may see it: its assigned worker or a service supervisor (else 403)."""
    recovery = db.session.get(RecoveryCase, case_id) if _db_id(case_id) else None
    if recovery is None:
        raise NotFound("no such recovery case")
    if not access.can_see_recovery_case(user, recovery):
        raise Forbidden("this recovery case is assigned to another outreach worker")
    return recovery


def _archive(recovery: RecoveryCase, folder: str, step: str, action: str, record, actor, role: str,
             receipt: Receipt | None = None, device_time: datetime | None = None) -> None:
    append_entry(folder=folder, step=step, action=action, record=record, actor=actor, actor_role=role,
                 case_ref=recovery.case.case_ref, device_time=device_time,
                 device_id=receipt.device_id if receipt else None)


def instruct_recovery_case(event, release, now: datetime, actor) -> RecoveryCase:
    """1c's outreach instruction: the recovery case, assigned to the case's outreach worker, with its 2a
    deadline (15 minutes when high-risk) and its 2c deadline (the end of the business day)."""
    case = event.case
    cfg = current_app.config
    # A repeat miss (a missed make-up) is raised in priority: treated as high-risk from here on.
    high_risk = back_in_care.raised_priority(high_risk=case.high_risk, repeat_of=event.repeat_of_id)
    recovery = RecoveryCase(
        case_id=case.id, missed_contact_id=event.id, release_id=release.id,
        assigned_worker_id=case.assigned_outreach_worker_id, status="instructed", high_risk=high_risk,
        priority_raised=event.repeat_of_id is not None, instructed_at=now,
        open_due_at=deadlines.recovery_open_due(now, high_risk, calendar(), cfg["RECOVERY_OPEN_BUSINESS_HOURS"],
                                                cfg["RECOVERY_OPEN_HIGH_RISK_MINUTES"]),
        disposition_due_at=deadlines.disposition_due(now, high_risk, calendar(),
                                                     cfg["DISPOSITION_HIGH_RISK_BUSINESS_HOURS"]),
    )
    db.session.add(recovery)
    db.session.flush()
    append_entry(folder="recovery-action", step="1c", action="instructed", record=recovery, actor=actor,
                 actor_role="coordinator", case_ref=case.case_ref)
    return recovery


def open_recovery_case(case_id, data, actor) -> RecoveryCase:
    """2a: the assigned outreach worker opens the case and starts the outreach sequence."""
    recovery = get_recovery_case(case_id, actor)
    values = load(OpenRecoveryInput(), data)
    reasons = rules.open_refusals(status=recovery.status, is_assigned_worker=access.is_assigned_worker(actor, recovery))
    if reasons:
        raise WorkflowRefused("recovery_open_order", reasons)
    route = next((r for r in recovery.case.approved_routes if r.id == values["approved_contact_route"]), None)
    now = utcnow()
    errors = rules.open_field_errors(high_risk=recovery.high_risk, tier=values["recovery_priority_tier"],
                                     route_ok=route is not None, next_checkpoint_date=values["next_checkpoint_date"],
                                     today=local_today(now))
    if errors:
        raise InvalidInput(errors)
    recovery.status = "open"
    recovery.opened_at = now
    recovery.recovery_priority_tier = values["recovery_priority_tier"]
    recovery.approved_contact_route_id = route.id
    recovery.immediate_welfare_concern = values["immediate_welfare_concern"]
    recovery.service_impact_score = values["service_impact_score"]
    recovery.next_checkpoint_date = values["next_checkpoint_date"]
    recovery.reviewer_id = actor.id
    recovery.validation_timestamp = now
    recovery.control_status = deadlines.control_status(now, recovery.open_due_at)
    db.session.flush()
    _archive(recovery, "recovery-action", "2a", "opened", recovery, actor, "outreach_worker")
    return recovery


def _entry_fingerprint(values: dict) -> str:
    """What a replay must match: the entry as sent, without its id."""
    body = canonical_json({k: v for k, v in values.items() if k != "client_id"})
    return hashlib.sha256(body.encode()).hexdigest()


def entry_fingerprint(kind: str, data) -> str | None:
    """The fingerprint an entry of `kind` would be stored with, or None when its input is invalid."""
    try:
        return _entry_fingerprint(load(SCHEMAS[kind](), data))
    except InvalidInput:
        return None


def _canonical_client_id(data) -> str | None:
    """The client_id of raw input as it would be stored, or None (absent or malformed: the schema speaks)."""
    value = data.get("client_id") if isinstance(data, dict) else None
    try:
        return str(uuid.UUID(value)) if isinstance(value, str) and len(value) <= 64 else None
    except ValueError:
        return None


def stored_entries(client_ids) -> dict[str, Stored]:
    """The attempts and dispositions stored under any of these client_ids (one query per kind).
    A client_id is unique across both kinds: the device's outbox knows it as one entry."""
    found: dict[str, Stored] = {}
    ids = list(client_ids)
    for kind, model in (("attempt", RecoveryAttempt), ("disposition", RecoveryDisposition)):
        for start in range(0, len(ids), 500):
            rows = db.session.execute(sa.select(
                model.client_id, model.id, model.reviewer_id, model.recovery_case_id, model.payload_digest,
                model.late).where(model.client_id.in_(ids[start:start + 500])))
            for row in rows:
                found[row.client_id] = Stored(client_id=row.client_id, kind=kind, id=row.id,
                                              author_id=row.reviewer_id, recovery_case_id=row.recovery_case_id,
                                              fingerprint=row.payload_digest, late=row.late)
    return found


def _replayed(kind: str, case_id, data, actor):
    """The stored entry when `data` carries a client_id seen before (a replay creates nothing); the same
    id for anything but the same entry, by the same user on the same case, is a conflict. Checked before
    the case's ownership and state, so an entry replayed after its case was reassigned or closed still
    answers with what was stored; a conflict never shows another user's record."""
    client_id = _canonical_client_id(data)
    stored = stored_entries([client_id]).get(client_id) if client_id else None
    if stored is None:
        return None
    if replay_conflict(stored, kind=kind, recovery_case_id=case_id, author_id=actor.id,
                       fingerprint=entry_fingerprint(kind, data)):
        raise WorkflowRefused("conflict", ["This entry id was already used for a different entry."])
    model = RecoveryAttempt if stored.kind == "attempt" else RecoveryDisposition
    return db.session.get(model, stored.id)


@dataclass
class NewAttempt:
    """An attempt validated and built by prepare_attempt, written by save_attempts."""

    record: RecoveryAttempt
    recovery: RecoveryCase
    actor: object
    receipt: Receipt
    device_time: datetime | None  # the device's recorded_at as sent, for the archive
    makeup_at: datetime | None = None  # the accepted slot, booked as the make-up appointment


def record_attempt(case_id, data, actor, receipt: Receipt | None = None) -> tuple[RecoveryAttempt, bool]:
    """2b: one contact effort. Returns (attempt, created); a replayed client_id returns the stored one."""
    receipt = receipt or Receipt.online()
    existing = _replayed("attempt", case_id, data, actor)
    if existing:
        return existing, False
    new = prepare_attempt(get_recovery_case(case_id, actor), data, actor, receipt)
    save_attempts([new])
    return new.record, True


def prepare_attempt(recovery: RecoveryCase, data, actor, receipt: Receipt,
                    schema: AttemptInput | None = None) -> NewAttempt:
    """Validate an attempt on a case the actor may see and build it, writing nothing: a refusal
    (InvalidInput 422, WorkflowRefused 409) leaves the session as it was. A batch passes one `schema`
    for all its entries (making a marshmallow schema costs more than loading with it)."""
    values = load(schema or AttemptInput(), data)
    reasons = rules.attempt_refusals(status=recovery.status, is_assigned_worker=access.is_assigned_worker(actor, recovery))
    if reasons:
        raise WorkflowRefused("attempt_order", reasons)
    approved = {r.channel for r in recovery.case.approved_routes}
    attempt_at = receipt.corrected(values["attempt_at"])
    missed = recovery_missed_appointment(recovery)
    errors = rules.attempt_field_errors(
        attempt_at=attempt_at, opened_at=recovery.opened_at, now=receipt.received_at, channel=values["channel"],
        approved_channels=approved, emergency_exception_reason=values.get("emergency_exception_reason"),
        rescue_option=values["rescue_option"], rescue_detail=values.get("rescue_detail"),
        modality=missed.modality)
    for field, messages in back_in_care.makeup_field_errors(
            rescue_option=values["rescue_option"], outcome=values["outcome"],
            offer_accepted=values.get("offer_accepted"), makeup_at=values.get("makeup_at"),
            missed_at=missed.scheduled_at, now=receipt.received_at).items():
        errors.setdefault(field, []).extend(messages)
    if errors:
        raise InvalidInput(errors)
    exception = rules.is_emergency_exception(values["channel"], approved)
    attempt = RecoveryAttempt(
        recovery_case_id=recovery.id, attempt_at=attempt_at, channel=values["channel"], outcome=values["outcome"],
        barrier_signal=values["barrier_signal"], rescue_option=values["rescue_option"],
        rescue_detail=(values.get("rescue_detail") or "").strip() or None,
        emergency_exception_reason=values.get("emergency_exception_reason") if exception else None,
        exception_status="pending" if exception else None, late=rules.attempt_is_late(recovery.status),
        offer_accepted=values.get("offer_accepted"),
        reviewer_id=actor.id, validation_timestamp=receipt.received_at, control_status="met",
        escalation_status="none", **_offline_columns(values, receipt),
    )
    return NewAttempt(attempt, recovery, actor, receipt, values.get("recorded_at"), values.get("makeup_at"))


def save_attempts(new: list[NewAttempt]) -> None:
    """Write prepared attempts in order: one INSERT, their archive entries (one append for all), then
    the E5 escalations they raise. The screens and the API save one; sync saves a batch."""
    if not new:
        return
    db.session.add_all([n.record for n in new])
    db.session.flush()
    append_entries([dict(folder="outreach", step="2b", action="late_attempt" if n.record.late else "attempt",
                         record=n.record, actor=n.actor, actor_role="outreach_worker",
                         case_ref=n.recovery.case.case_ref, device_time=n.device_time,
                         device_id=n.receipt.device_id) for n in new])
    for recovery in {id(n.recovery): n.recovery for n in new}.values():
        # The case's attempts collection, if loaded, does not know the new rows yet.
        db.session.expire(recovery, ["attempts"])
    for n in new:
        # Section 4: the accepted slot becomes the make-up appointment; a technology barrier a support request.
        if back_in_care.books_makeup(offer_accepted=n.record.offer_accepted, late=n.record.late):
            n.record.makeup_appointment_id = book_recovery_makeup(
                n.recovery, n.makeup_at, n.actor, "outreach_worker", suffix="M").id
        if back_in_care.opens_support_request(barrier_signal=n.record.barrier_signal):
            open_support_request(case=n.recovery.case, source="attempt", source_id=n.record.id, actor=n.actor,
                                 actor_role="outreach_worker", recovery_case_id=n.recovery.id,
                                 missed_contact_id=n.recovery.missed_contact_id, now=n.receipt.received_at)
        if escalations.needs_e5(barrier_signal=n.record.barrier_signal, rescue_option=n.record.rescue_option):
            raise_escalation("E5", subject=n.record, actor=n.actor, case_ref=n.recovery.case.case_ref,
                             reason=escalations.E5_REASON)


def _offline_columns(values: dict, receipt: Receipt) -> dict:
    """The device's recorded_at as sent beside the same time on the server's clock; an entry with no
    recorded_at (an API client that does not stamp one) was recorded when it was received."""
    offset = receipt.clock_offset.total_seconds()
    device_time = values.get("recorded_at")
    return {
        "client_id": str(values.get("client_id") or uuid.uuid4()),
        "recorded_at": device_time or receipt.received_at,
        "corrected_recorded_at": receipt.corrected(device_time) if device_time else receipt.received_at,
        "received_at": receipt.received_at,
        "clock_offset_seconds": offset,
        "clock_flagged": is_flagged(offset, current_app.config["CLOCK_TOLERANCE_SECONDS"]),
        "device_id": receipt.device_id,
        "payload_digest": _entry_fingerprint(values),
    }


def recovery_missed_appointment(recovery: RecoveryCase) -> Appointment:
    return recovery.missed_contact.appointment


def decide_exception(case_id, attempt_id, data, actor) -> RecoveryAttempt:
    """A service supervisor approves or rejects an attempt's emergency exception."""
    recovery = get_recovery_case(case_id, actor)
    values = load(ExceptionDecisionInput(), data)
    attempt = db.session.get(RecoveryAttempt, attempt_id) if _db_id(attempt_id) else None
    if attempt is None or attempt.recovery_case_id != recovery.id:
        raise NotFound("no such attempt on this recovery case")
    if attempt.exception_status != "pending":
        raise WorkflowRefused("exception_order", ["This attempt has no emergency exception awaiting approval."])
    attempt.exception_status = values["decision"]
    attempt.exception_decided_by_id = actor.id
    attempt.exception_decided_at = utcnow()
    db.session.flush()
    _archive(recovery, "outreach", "2b", f"exception_{values['decision']}", attempt, actor, "service_supervisor")
    return attempt


def record_disposition(case_id, data, actor, receipt: Receipt | None = None) -> tuple[RecoveryDisposition, bool]:
    """2c: continuity restored or not, a viable route, and exactly one locked instruction.
    A later disposition supersedes the latest one by reference; none is ever edited. On a closed case
    (an entry that was on its way while the case was closed) it is kept, marked late, and changes
    nothing about the case: no reopening, no reassignment, no rebooked appointment."""
    receipt = receipt or Receipt.online()
    existing = _replayed("disposition", case_id, data, actor)
    if existing:
        return existing, False
    recovery = get_recovery_case(case_id, actor)
    values = load(DispositionInput(), data)
    reasons = rules.disposition_refusals(status=recovery.status)
    if reasons:
        raise WorkflowRefused("disposition_order", reasons)
    route = next((r for r in recovery.case.contact_routes if r.id == values["replacement_contact_route"]), None)
    failed_channels = {a.channel for a in recovery.attempts if a.outcome == "wrong_route"}
    owner = None
    detail = (values.get("instruction_detail") or "").strip() or None
    if values["locked_instruction"] == "continued_outreach" and detail:
        owner = db.session.scalar(sa.select(User).filter_by(username=detail))
        owner = owner if owner is not None and owner.has_role("outreach_worker") else None
    now = receipt.received_at
    errors = rules.disposition_field_errors(
        continuity_restored=values["continuity_restored"], evidence_attempt_ids=values["continuity_evidence"],
        case_attempt_ids={a.id for a in recovery.attempts}, rebooked=values["locked_instruction"] == "rebook"
        and values.get("rebook_at") is not None, replacement_route_ok=route is not None,
        replacement_route_failed=route is not None and route.channel in failed_channels,
        locked_instruction=values["locked_instruction"], instruction_detail=detail, owner_ok=owner is not None,
        rebook_at=values.get("rebook_at"), review_date=values["review_date"], today=local_today(now), now=now)
    if errors:
        raise InvalidInput(errors)
    previous = recovery.latest_disposition
    late = rules.disposition_is_late(recovery.status)
    offline = _offline_columns(values, receipt)
    disposition = RecoveryDisposition(
        recovery_case_id=recovery.id, continuity_restored=values["continuity_restored"],
        continuity_evidence=sorted(set(values["continuity_evidence"])), replacement_contact_route_id=route.id,
        unresolved_barrier_count=values["unresolved_barrier_count"],
        locked_instruction=values["locked_instruction"], instruction_detail=detail,
        owner_id=owner.id if owner else None, review_date=values["review_date"],
        supersedes_id=previous.id if previous else None, due_at=recovery.disposition_due_at,
        reviewer_id=actor.id, validation_timestamp=now, late=late,
        control_status=deadlines.control_status(offline["corrected_recorded_at"], recovery.disposition_due_at),
        **offline,
    )
    db.session.add(disposition)
    db.session.flush()
    if not late:
        if values["locked_instruction"] == "rebook":
            disposition.rebooked_appointment_id = book_recovery_makeup(
                recovery, values["rebook_at"], actor, "service_supervisor", suffix="R",
                service=values.get("rebook_service"), modality=values.get("rebook_modality")).id
        if owner is not None:
            recovery.assigned_worker_id = owner.id
        recovery.status = "open" if values["locked_instruction"] == "continued_outreach" else "dispositioned"
    db.session.flush()
    # The case's dispositions collection, if loaded, does not know the new row: the next disposition
    # in the same session (a synced batch) must supersede this one.
    db.session.expire(recovery, ["dispositions"])
    action = "late_disposition" if late else "superseded" if previous else "disposed"
    _archive(recovery, "rescue-board", "2c", action, disposition, actor, "service_supervisor", receipt,
             device_time=values.get("recorded_at"))
    return disposition, True


def restored(recovery: RecoveryCase) -> bool:
    return any(d.continuity_restored == "yes" for d in recovery.dispositions)
