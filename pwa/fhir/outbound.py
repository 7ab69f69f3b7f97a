"""Records out as R4 resources, built with fhir.resources' R4B models (which validate as they are made):
an appointment as Appointment, a recovery case as Task, an attempt as Communication, the device and
server times of an attempt or disposition as Provenance, an archive entry as AuditEvent."""
from datetime import timedelta

from fhir.resources.R4B.appointment import Appointment as FhirAppointment
from fhir.resources.R4B.auditevent import AuditEvent
from fhir.resources.R4B.communication import Communication
from fhir.resources.R4B.provenance import Provenance
from fhir.resources.R4B.task import Task

from . import terms

# Continuity's recovery status → Task.status (the exact state is Task.businessStatus).
TASK_STATUS = {"instructed": "ready", "open": "in-progress", "dispositioned": "in-progress", "closed": "completed"}


def _when(value):
    return value.isoformat() if value else None


def _patient(case_ref: str) -> dict:
    return {"reference": f"Patient/{case_ref}",
            "identifier": {"system": terms.CASE_REF_SYSTEM, "value": case_ref}}


def _user(user) -> dict | None:
    return user and {"identifier": {"system": terms.USER_SYSTEM, "value": user.username}, "display": user.username}


def _meta(updated) -> dict:
    return {"lastUpdated": _when(updated)}


def _drop_none(items):
    return [item for item in items if item is not None] or None


def appointment_status(appointment, released: bool) -> str:
    """A miss is `noshow` once released as a permanent code; before that it is still `booked`
    (workflow 1 decides what a miss was)."""
    if appointment.cancelled or appointment.absence_notified_at is not None:
        return "cancelled"
    if appointment.miss_detected_at is not None:
        return "noshow" if released else "booked"
    return "fulfilled" if appointment.attended else "booked"


def appointment_resource(appointment, released: bool) -> FhirAppointment:
    attended = appointment.arrived_at or appointment.joined_at
    participant = {"actor": {"reference": f"Patient/{appointment.case.case_ref}",
                             "identifier": {"system": terms.CASE_REF_SYSTEM, "value": appointment.case.case_ref}},
                   "status": "declined" if appointment.absence_notified_at else "accepted"}
    if attended:
        participant["period"] = {"start": _when(attended), "end": _when(appointment.left_at)}
    extension = [{"url": terms.MODALITY, "valueCode": appointment.modality}]
    if appointment.makeup_for is not None:
        extension.append({"url": terms.MAKEUP_FOR,
                          "valueReference": {"reference": f"Appointment/{appointment.makeup_for.appointment_ref}"}})
    end = appointment.scheduled_at + timedelta(minutes=appointment.duration_minutes)
    return FhirAppointment(
        id=appointment.appointment_ref, meta=_meta(appointment.updated_at), extension=extension,
        identifier=[{"system": terms.APPOINTMENT_REF_SYSTEM, "value": appointment.appointment_ref}],
        status=appointment_status(appointment, released), serviceType=[{"text": appointment.service}],
        start=_when(appointment.scheduled_at), end=_when(end), minutesDuration=appointment.duration_minutes,
        comment=appointment.absence_reason, participant=[participant])


def task_resource(recovery, last_updated) -> Task:
    missed = recovery.missed_contact.appointment
    business = recovery.status + (f":{recovery.closure_reason}" if recovery.closure_reason else "")
    extension = _drop_none([
        {"url": terms.OPEN_DUE, "valueDateTime": _when(recovery.open_due_at)},
        recovery.disposition_due_at and {"url": terms.DISPOSITION_DUE,
                                         "valueDateTime": _when(recovery.disposition_due_at)}])
    due = recovery.disposition_due_at or recovery.open_due_at
    return Task(
        id=str(recovery.id), meta=_meta(last_updated), extension=extension,
        identifier=[{"system": f"{terms.BASE}/sid/recovery-case", "value": str(recovery.id)}],
        status=TASK_STATUS[recovery.status], intent="order",
        businessStatus={"coding": [{"system": terms.RECOVERY_STATUS_SYSTEM, "code": recovery.status}],
                        "text": business},
        statusReason={"text": recovery.closure_reason} if recovery.closure_reason else None,
        priority="urgent" if recovery.high_risk or recovery.priority_raised else "routine",
        code={"text": "Same-day recovery outreach after a missed contact"},
        focus={"reference": f"Appointment/{missed.appointment_ref}"}, for_fhir=_patient(recovery.case.case_ref),
        authoredOn=_when(recovery.instructed_at), lastModified=_when(last_updated),
        owner=_user(recovery.assigned_worker),
        executionPeriod={"start": _when(recovery.opened_at), "end": _when(recovery.closed_at)}
        if recovery.opened_at else None,
        restriction={"period": {"end": _when(due)}})


def communication_resource(attempt) -> Communication:
    recovery = attempt.recovery_case
    return Communication(
        id=str(attempt.id), meta=_meta(attempt.exception_decided_at or attempt.received_at),
        identifier=[{"system": f"{terms.BASE}/sid/client-id", "value": attempt.client_id}],
        basedOn=[{"reference": f"Task/{recovery.id}"}], status="completed",
        subject=_patient(recovery.case.case_ref), sent=_when(attempt.attempt_at),
        medium=[{"coding": [{"system": terms.PARTICIPATION_MODE, "code": terms.MEDIUM[attempt.channel]},
                            {"system": terms.CHANNEL_SYSTEM, "code": attempt.channel}], "text": attempt.channel}],
        sender=_user(attempt.reviewer),
        extension=[{"url": terms.ATTEMPT_OUTCOME, "valueCode": attempt.outcome},
                   {"url": terms.DEVICE_RECORDED, "valueDateTime": _when(attempt.recorded_at)},
                   {"url": terms.SERVER_RECEIVED, "valueDateTime": _when(attempt.received_at)}])


def provenance_resource(kind: str, entry) -> Provenance:
    """`kind` is attempt (target: its Communication) or disposition (target: the Task it decided)."""
    target = f"Communication/{entry.id}" if kind == "attempt" else f"Task/{entry.recovery_case_id}"
    extension = _drop_none([
        entry.device_id and {"url": terms.DEVICE_ID, "valueString": entry.device_id},
        {"url": terms.CLOCK_OFFSET, "valueDecimal": round(entry.clock_offset_seconds, 3)},
        {"url": terms.CLOCK_FLAGGED, "valueBoolean": bool(entry.clock_flagged)},
        {"url": terms.CORRECTED_RECORDED, "valueDateTime": _when(entry.corrected_recorded_at)}])
    return Provenance(
        id=f"{kind}-{entry.id}", meta=_meta(entry.received_at), target=[{"reference": target}],
        occurredDateTime=_when(entry.recorded_at), recorded=_when(entry.received_at), extension=extension,
        agent=[{"type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/provenance-participant-type",
                                     "code": "author"}]},
                "who": _user(entry.reviewer) or {"display": "unknown"}}])


def audit_event_resource(entry, actor) -> AuditEvent:
    what = {"display": f"{entry.entity} {entry.entity_id}" if entry.entity_id else entry.entity}
    details = [{"type": terms.HASH, "valueString": entry.hash}, {"type": terms.PREV_HASH, "valueString": entry.prev_hash}]
    return AuditEvent(
        id=str(entry.seq), meta=_meta(entry.server_time),
        type={"system": terms.ARCHIVE_SYSTEM, "code": entry.folder},
        subtype=[{"system": terms.ARCHIVE_ACTION_SYSTEM, "code": entry.action}],
        action="C", recorded=_when(entry.server_time), outcome="0",
        agent=[{"who": _user(actor) or {"display": "system"}, "requestor": True,
                **({"role": [{"text": entry.actor_role}]} if entry.actor_role else {})}],
        source={"observer": {"display": "Continuity archive"}},
        entity=[{"what": what, "name": f"step {entry.step}", "detail": details},
                *([{"what": _patient(entry.case_ref)}] if entry.case_ref else [])])
