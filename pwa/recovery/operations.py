"""Workflow 2 operations: open the recovery case (2a), record attempts (2b) and dispositions (2c),
and decide emergency exceptions. Screens, the JSON API and offline sync all call these."""
import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from ..accounts.models import User
from ..archive.operations import append_entry, canonical_json
from ..cases.models import Appointment
from ..clock import utcnow
from ..errors import Forbidden, InvalidInput, NotFound, WorkflowRefused
from ..escalations.operations import raise_escalation
from ..extensions import db
from ..governance import deadlines, recovery_rules as rules
from ..schema_fields import load
from ..timekeeping import local_today
from .models import RecoveryAttempt, RecoveryCase, RecoveryDisposition
from .schemas import AttemptInput, DispositionInput, ExceptionDecisionInput, OpenRecoveryInput


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


def can_see(user, recovery: RecoveryCase) -> bool:
    return user.has_role("service_supervisor") or recovery.assigned_worker_id == user.id


MAX_DB_ID = 2 ** 31 - 1  # ids are 32-bit integers: PostgreSQL refuses to compare a larger number (a 500)


def _db_id(value) -> int | None:
    """An id that can exist in the database, else None (a URL may carry any number of digits)."""
    return value if isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_DB_ID else None


def get_recovery_case(case_id, user) -> RecoveryCase:
    """The case, if `user` may see it: its assigned worker or a service supervisor (else 403)."""
    recovery = db.session.get(RecoveryCase, case_id) if _db_id(case_id) else None
    if recovery is None:
        raise NotFound("no such recovery case")
    if not can_see(user, recovery):
        raise Forbidden("this recovery case is assigned to another outreach worker")
    return recovery


def visible_recovery_cases(user, status: str | None = None) -> list[RecoveryCase]:
    """Supervisors see every case; an outreach worker only the cases assigned to them.
    High-risk first, then nearest deadline."""
    query = sa.select(RecoveryCase)
    if not user.has_role("service_supervisor"):
        query = query.where(RecoveryCase.assigned_worker_id == user.id)
    if status:
        query = query.where(RecoveryCase.status == status)
    due = sa.case((RecoveryCase.status == "instructed", RecoveryCase.open_due_at),
                  else_=RecoveryCase.disposition_due_at)
    return db.session.scalars(query.order_by(RecoveryCase.high_risk.desc(), due, RecoveryCase.id)).all()


def _archive(recovery: RecoveryCase, folder: str, step: str, action: str, record, actor, role: str,
             receipt: Receipt | None = None, device_time: datetime | None = None) -> None:
    append_entry(folder=folder, step=step, action=action, record=record, actor=actor, actor_role=role,
                 case_ref=recovery.case.case_ref, device_time=device_time,
                 device_id=receipt.device_id if receipt else None)


def open_recovery_case(case_id, data, actor) -> RecoveryCase:
    """2a: the assigned outreach worker opens the case and starts the outreach sequence."""
    recovery = get_recovery_case(case_id, actor)
    values = load(OpenRecoveryInput(), data)
    reasons = rules.open_refusals(status=recovery.status, is_assigned_worker=recovery.assigned_worker_id == actor.id)
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


def _replay(model, client_id, values: dict):
    """The stored entry for a client_id seen before (a replay creates nothing); a different payload
    under the same id is a conflict."""
    if client_id is None:
        return None
    existing = db.session.scalar(sa.select(model).filter_by(client_id=str(client_id)))
    if existing is None:
        return None
    if existing.payload_digest != _entry_fingerprint(values):
        raise WorkflowRefused("conflict", ["This entry id was already used for a different entry."])
    return existing


def record_attempt(case_id, data, actor, receipt: Receipt | None = None) -> tuple[RecoveryAttempt, bool]:
    """2b: one contact effort. Returns (attempt, created); a replayed client_id returns the stored one."""
    receipt = receipt or Receipt.online()
    recovery = get_recovery_case(case_id, actor)
    values = load(AttemptInput(), data)
    existing = _replay(RecoveryAttempt, values.get("client_id"), values)
    if existing:
        return existing, False
    reasons = rules.attempt_refusals(status=recovery.status, is_assigned_worker=recovery.assigned_worker_id == actor.id)
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
    if errors:
        raise InvalidInput(errors)
    exception = rules.is_emergency_exception(values["channel"], approved)
    recorded_at = receipt.corrected(values["recorded_at"]) if values.get("recorded_at") else receipt.received_at
    attempt = RecoveryAttempt(
        recovery_case_id=recovery.id, attempt_at=attempt_at, channel=values["channel"], outcome=values["outcome"],
        barrier_signal=values["barrier_signal"], rescue_option=values["rescue_option"],
        rescue_detail=(values.get("rescue_detail") or "").strip() or None,
        emergency_exception_reason=values.get("emergency_exception_reason") if exception else None,
        exception_status="pending" if exception else None,
        late=recovery.status == "dispositioned", reviewer_id=actor.id, validation_timestamp=receipt.received_at,
        control_status="met", **_offline_columns(values, receipt, recorded_at),
    )
    db.session.add(attempt)
    db.session.flush()
    _archive(recovery, "outreach", "2b", "late_attempt" if attempt.late else "attempt", attempt, actor,
             "outreach_worker", receipt, device_time=values.get("recorded_at"))
    if rules.needs_e5(barrier_signal=attempt.barrier_signal, rescue_option=attempt.rescue_option):
        raise_escalation("E5", subject=attempt, actor=actor, case_ref=recovery.case.case_ref,
                         reason="Active risk signalled on a recovery attempt and no rescue option was offered.")
    return attempt, True


def _offline_columns(values: dict, receipt: Receipt, recorded_at: datetime) -> dict:
    offset = receipt.clock_offset.total_seconds()
    return {
        "client_id": str(values.get("client_id") or uuid.uuid4()),
        "recorded_at": recorded_at,
        "received_at": receipt.received_at,
        "clock_offset_seconds": offset,
        "clock_flagged": abs(offset) > current_app.config["CLOCK_TOLERANCE_SECONDS"],
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
    A later disposition supersedes the latest one by reference; none is ever edited."""
    receipt = receipt or Receipt.online()
    recovery = get_recovery_case(case_id, actor)
    values = load(DispositionInput(), data)
    existing = _replay(RecoveryDisposition, values.get("client_id"), values)
    if existing:
        return existing, False
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
    recorded_at = receipt.corrected(values["recorded_at"]) if values.get("recorded_at") else now
    disposition = RecoveryDisposition(
        recovery_case_id=recovery.id, continuity_restored=values["continuity_restored"],
        continuity_evidence=sorted(set(values["continuity_evidence"])), replacement_contact_route_id=route.id,
        unresolved_barrier_count=values["unresolved_barrier_count"],
        locked_instruction=values["locked_instruction"], instruction_detail=detail,
        owner_id=owner.id if owner else None, review_date=values["review_date"],
        supersedes_id=previous.id if previous else None, due_at=recovery.disposition_due_at,
        reviewer_id=actor.id, validation_timestamp=now,
        control_status=deadlines.control_status(recorded_at, recovery.disposition_due_at),
        **_offline_columns(values, receipt, recorded_at),
    )
    db.session.add(disposition)
    db.session.flush()
    if values["locked_instruction"] == "rebook":
        disposition.rebooked_appointment_id = _schedule_rebook(recovery, values["rebook_at"], actor).id
    if owner is not None:
        recovery.assigned_worker_id = owner.id
    recovery.status = "open" if values["locked_instruction"] == "continued_outreach" else "dispositioned"
    db.session.flush()
    _archive(recovery, "rescue-board", "2c", "superseded" if previous else "disposed", disposition, actor,
             "service_supervisor", receipt, device_time=values.get("recorded_at"))
    return disposition, True


def _schedule_rebook(recovery: RecoveryCase, at: datetime, actor) -> Appointment:
    """The proposed new appointment goes into the live schedule (same service and modality)."""
    from ..cases.operations import upsert_appointment

    missed = recovery_missed_appointment(recovery)
    count = db.session.scalar(sa.select(sa.func.count()).select_from(RecoveryDisposition)
                              .where(RecoveryDisposition.recovery_case_id == recovery.id))
    appointment, _ = upsert_appointment({
        "appointment_ref": f"{missed.appointment_ref}-R{count}"[:64], "case_ref": recovery.case.case_ref,
        "scheduled_at": at.isoformat(), "service": missed.service, "modality": missed.modality,
        "duration_minutes": missed.duration_minutes}, actor)
    return appointment


def restored(recovery: RecoveryCase) -> bool:
    return any(d.continuity_restored == "yes" for d in recovery.dispositions)
