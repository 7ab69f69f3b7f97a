"""Section 4 operations (back in care, seed 002): make-up appointments linked to the miss, re-engagement
that closes the recovery case by itself, supervisor closure, arrivals and notice of absence.
Screens, the JSON API and feeds all call these."""
from datetime import datetime

import sqlalchemy as sa

from ..archive.operations import append_entry
from ..cases import operations as cases
from ..cases.models import Appointment
from ..clock import utcnow
from ..errors import InvalidInput, WorkflowRefused
from ..extensions import db
from ..governance import back_in_care as rules
from ..intake.models import MissedContact
from ..schema_fields import load
from ..timekeeping import local_time, local_today
from .models import RecoveryCase
from .schemas import AbsenceNoticeInput, ArrivalInput, CloseRecoveryInput


def _role(actor, *preferred: str) -> str:
    return next((role for role in preferred if actor.has_role(role)), preferred[-1])


# --- make-up appointments ------------------------------------------------------------------------

def book_makeup(missed: Appointment, at: datetime, actor, actor_role: str, *, service: str | None = None,
                modality: str | None = None, suffix: str = "M") -> Appointment:
    """The accepted slot becomes a real appointment in the live schedule, linked to the miss (makeup_for)."""
    count = db.session.scalar(sa.select(sa.func.count()).select_from(Appointment)
                              .where(Appointment.makeup_for_id == missed.id))
    ref = f"{missed.appointment_ref[:56]}-{suffix}{count + 1}"
    appointment, _ = cases.upsert_appointment({
        "appointment_ref": ref, "case_ref": missed.case.case_ref, "scheduled_at": at.isoformat(),
        "service": service or missed.service, "modality": modality or missed.modality,
        "duration_minutes": missed.duration_minutes}, actor)
    appointment.makeup_for_id = missed.id
    db.session.flush()
    append_entry(folder="recovery-action", step="4", action="makeup_booked", record=appointment, actor=actor,
                 actor_role=actor_role, case_ref=missed.case.case_ref)
    return appointment


def book_recovery_makeup(recovery: RecoveryCase, at: datetime, actor, actor_role: str, **kwargs) -> Appointment:
    appointment = book_makeup(recovery.missed_contact.appointment, at, actor, actor_role, **kwargs)
    recovery.makeup_appointment_id = appointment.id
    db.session.flush()
    return appointment


# --- closure -------------------------------------------------------------------------------------

def _close(recovery: RecoveryCase, reason: str, evidence: str, actor, actor_role: str, *,
           appointment: Appointment | None = None, closed_by=None) -> RecoveryCase:
    recovery.status = "closed"
    recovery.closure_reason = reason
    recovery.closure_evidence = evidence
    recovery.reengaged_appointment_id = appointment.id if appointment else None
    recovery.closed_at = utcnow()
    recovery.closed_by_id = closed_by.id if closed_by else None
    db.session.flush()
    append_entry(folder="recovery-action", step="4", action=f"closed_{reason}", record=recovery, actor=actor,
                 actor_role=actor_role, case_ref=recovery.case.case_ref)
    return recovery


def _local(at: datetime) -> str:
    return local_time(at).strftime("%a %d %b %Y %H:%M %Z")


def attendance_evidence(appointment: Appointment) -> str:
    """The attendance record, as the closure's evidence (times in the business time zone)."""
    signal = (f"arrived {_local(appointment.arrived_at)}" if appointment.arrived_at else
              f"joined {_local(appointment.joined_at)}"
              + (f", left {_local(appointment.left_at)}" if appointment.left_at else ""))
    kind = "make-up" if appointment.makeup_for_id else "session"
    return (f"Attended {kind} {appointment.appointment_ref} ({appointment.service}, "
            f"{appointment.modality.replace('_', ' ')}): {signal}")


def reengage_after_attendance(appointment: Appointment, actor, actor_role: str) -> list[RecoveryCase]:
    """The person attended: every recovery case of theirs for an earlier miss closes as reengaged."""
    if not appointment.attended:
        return []
    pending = db.session.scalars(
        sa.select(RecoveryCase).join(MissedContact, MissedContact.id == RecoveryCase.missed_contact_id)
        .where(RecoveryCase.case_id == appointment.case_id, RecoveryCase.status != "closed")
        .order_by(RecoveryCase.id)).all()
    closed = []
    for recovery in pending:
        if rules.reengages(recovery_status=recovery.status, missed_at=recovery.missed_contact.scheduled_at,
                           attended_at=appointment.scheduled_at):
            closed.append(_close(recovery, "reengaged", attendance_evidence(appointment), actor, actor_role,
                                 appointment=appointment))
    return closed


def attended_after(recovery: RecoveryCase) -> Appointment | None:
    """The latest attended appointment of the person after the miss, if any."""
    candidates = db.session.scalars(sa.select(Appointment).where(
        Appointment.case_id == recovery.case_id,
        Appointment.scheduled_at > recovery.missed_contact.scheduled_at,
        Appointment.miss_detected_at.is_(None), Appointment.cancelled.is_(False),
        (Appointment.arrived_at.is_not(None)) | (Appointment.joined_at.is_not(None)))
        .order_by(Appointment.scheduled_at.desc())).all()
    return next((a for a in candidates if a.attended), None)


def close_recovery_case(recovery: RecoveryCase, data, actor) -> RecoveryCase:
    """A service supervisor closes the case with a reason and its evidence (the rules in
    governance.back_in_care.closure_field_errors)."""
    values = load(CloseRecoveryInput(), data)
    reasons = rules.closure_refusals(status=recovery.status)
    if reasons:
        raise WorkflowRefused("closure_order", reasons)
    current = [d for d in recovery.dispositions if not d.late]
    latest = current[-1] if current else None
    continued = latest if latest is not None and latest.locked_instruction == "continued_outreach" else None
    attempts_since = 0 if continued is None else sum(
        1 for a in recovery.attempts if a.received_at >= continued.received_at and not a.late)
    appointment = attended_after(recovery)
    errors = rules.closure_field_errors(
        closure_reason=values["closure_reason"], evidence=values["evidence"],
        attended_after_miss=appointment is not None,
        continued_outreach_review_date=continued.review_date if continued else None,
        attempts_since_instruction=attempts_since, today=local_today(utcnow()))
    if errors:
        raise InvalidInput(errors)
    return _close(recovery, values["closure_reason"], values["evidence"].strip(), actor, "service_supervisor",
                  appointment=appointment if values["closure_reason"] == "reengaged" else None, closed_by=actor)


# --- attendance: arrivals, virtual signals, recordings -------------------------------------------

def record_arrival(ref: str, data, actor) -> Appointment:
    """An in-person arrival (reception, or the practice system): attendance, and re-engagement."""
    appointment = cases.get_appointment(ref)
    values = load(ArrivalInput(), data)
    reasons = rules.arrival_refusals(cancelled=appointment.cancelled,
                                     notified=appointment.absence_notified_at is not None,
                                     modality=appointment.modality)
    if reasons:
        raise WorkflowRefused("arrival_order", reasons)
    errors = rules.arrival_field_errors(arrived_at=values["arrived_at"], scheduled_at=appointment.scheduled_at,
                                        now=utcnow())
    if errors:
        raise InvalidInput(errors)
    appointment.arrived_at = values["arrived_at"]
    db.session.flush()
    cases.stamp_detected_miss(appointment, utcnow())
    role = _role(actor, "integration", "coordinator")
    append_entry(folder="attendance-status", step="4", action="arrived", record=appointment, actor=actor,
                 actor_role=role, case_ref=appointment.case.case_ref)
    reengage_after_attendance(appointment, actor, role)
    return appointment


def record_attendance_signal(ref: str, data, actor) -> Appointment:
    """The session platform's signal (join, leave, a recording sent or viewed); an attended session
    closes the person's open recovery cases as reengaged. A viewing is never attendance."""
    appointment = cases.record_attendance_signal(ref, data)
    reengage_after_attendance(appointment, actor, _role(actor, "integration", "coordinator"))
    return appointment


# --- notice of absence ---------------------------------------------------------------------------

def record_absence_notice(ref: str, data, actor) -> Appointment:
    """The person said beforehand that they cannot attend: a notified absence, never a missed contact
    nor a threshold count; with `makeup_at`, the make-up offered is booked."""
    appointment = cases.get_appointment(ref)
    values = load(AbsenceNoticeInput(), data)
    has_event = db.session.scalar(sa.select(MissedContact.id).filter_by(appointment_id=appointment.id)) is not None
    reasons = rules.notice_refusals(cancelled=appointment.cancelled,
                                    already_notified=appointment.absence_notified_at is not None,
                                    attended=appointment.attended, has_event=has_event)
    if reasons:
        raise WorkflowRefused("notice_order", reasons)
    now = utcnow()
    errors = rules.notice_field_errors(notified_at=values["notified_at"], scheduled_at=appointment.scheduled_at,
                                       now=now, reason=values["reason"], makeup_at=values.get("makeup_at"))
    if errors:
        raise InvalidInput(errors)
    appointment.absence_notified_at = values["notified_at"]
    appointment.absence_reason = values["reason"].strip()
    appointment.absence_channel = values["channel"]
    appointment.absence_recorded_by_id = actor.id
    db.session.flush()
    cases.stamp_detected_miss(appointment, now)  # a miss the sweep stamped before the notice arrived is cleared
    role = _role(actor, "integration", "coordinator")
    append_entry(folder="attendance-status", step="4", action="absence_notified", record=appointment, actor=actor,
                 actor_role=role, case_ref=appointment.case.case_ref)
    if values.get("makeup_at"):
        book_makeup(appointment, values["makeup_at"], actor, role)
    return appointment


def makeups_of(appointment_ids) -> dict[int, list[Appointment]]:
    ids = list(appointment_ids)
    found: dict[int, list[Appointment]] = {}
    if ids:
        for row in db.session.scalars(sa.select(Appointment).where(Appointment.makeup_for_id.in_(ids))
                                      .order_by(Appointment.scheduled_at)):
            found.setdefault(row.makeup_for_id, []).append(row)
    return found
