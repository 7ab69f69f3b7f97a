"""A transaction Bundle in: Patient → the case feed (`upsert_case`), Appointment → the schedule feed
(`feed_appointment`) and then the attendance operations its status or participant says (arrival,
attendance signal, notice of absence), or a check that the miss a `noshow` reports is detected. Every
write is an operation's; the request's one transaction makes the Bundle all-or-nothing. Resending the
same Bundle changes nothing: upserts are idempotent and an attendance already on record is not sent
again."""
from datetime import timedelta

import pydantic
import sqlalchemy as sa
from fhir.resources.R4B.bundle import Bundle

from ..cases import operations as cases
from ..cases.models import Appointment, Case
from ..clock import utcnow
from ..errors import InvalidInput, NotFound, WorkflowRefused
from ..extensions import db
from ..intake import operations as intake
from ..recovery import back_in_care
from . import terms
from .outcome import FhirError, invalid

MAX_ENTRIES = 500
SCHEDULED = {"booked", "pending", "proposed"}
HANDLED = SCHEDULED | {"arrived", "checked-in", "fulfilled", "noshow", "cancelled"}
# Our input fields → the FHIR element they come from, for errors' paths.
PATIENT_PATHS = {"case_ref": "identifier", "display_name": "name", "team": "managingOrganization",
                 "risk_flags": "extension", "contact_routes": "telecom",
                 "assigned_outreach_worker": "generalPractitioner"}
APPOINTMENT_PATHS = {"appointment_ref": "identifier", "case_ref": "participant", "scheduled_at": "start",
                     "service": "serviceType", "modality": "extension", "duration_minutes": "minutesDuration",
                     "cancelled": "status", "arrived_at": "participant.period.start",
                     "joined_at": "participant.period.start", "left_at": "participant.period.end",
                     "notified_at": "participant.status", "reason": "comment", "channel": "extension"}


def parse_bundle(body) -> Bundle:
    """The body as an R4 transaction Bundle, or a 400 naming each element at fault."""
    if not isinstance(body, dict) or body.get("resourceType") != "Bundle":
        raise invalid("Bundle", "Send a Bundle resource (resourceType Bundle).")
    with_nul = list(_nul_paths(body, "Bundle"))
    if with_nul:
        # PostgreSQL cannot store or compare text with NUL: refused here, element by element.
        raise FhirError(400, [("invalid", path, "Remove the NUL character: it cannot be stored.")
                              for path in with_nul])
    if body.get("type") != "transaction":
        raise invalid("Bundle.type", "Only transaction Bundles are accepted.")
    entries = body.get("entry")
    if not isinstance(entries, list) or not entries or len(entries) > MAX_ENTRIES:
        raise invalid("Bundle.entry", f"Give 1 to {MAX_ENTRIES} entries.")
    for i, entry in enumerate(entries):
        kind = entry.get("resource", {}).get("resourceType") if isinstance(entry, dict) and isinstance(
            entry.get("resource"), dict) else None
        if kind not in ("Patient", "Appointment"):
            raise invalid(f"Bundle.entry[{i}].resource", "Each entry holds a Patient or an Appointment.")
    try:
        bundle = Bundle.model_validate(body)
    except pydantic.ValidationError as err:
        raise FhirError(400, [("invalid", _path(e["loc"]), e["msg"]) for e in err.errors()]) from None
    except (KeyError, TypeError, ValueError) as err:
        raise invalid("Bundle", f"Not a valid R4 Bundle: {err}") from None
    for i, entry in enumerate(bundle.entry):
        if entry.request is None or entry.request.method not in ("POST", "PUT"):
            raise invalid(f"Bundle.entry[{i}].request.method", "Each entry is a POST or a PUT.")
    return bundle


def _nul_paths(value, path: str):
    if isinstance(value, str):
        if "\x00" in value:
            yield path
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _nul_paths(item, f"{path}.{key}") if "\x00" not in key else [path]
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _nul_paths(item, f"{path}[{i}]")


def _path(loc) -> str:
    path = "Bundle"
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif not str(part).startswith(("function-", "json-or-python")):
            path += "." + str(part).removesuffix("__ext")
    return path


def apply_bundle(bundle: Bundle, actor) -> list[dict]:
    """Patients first, then Appointments (as FHIR orders a transaction's writes); the answers in the
    Bundle's order. Field errors of every entry are gathered, then raised together (nothing is kept)."""
    issues, answers, by_url = [], {}, {}
    order = sorted(range(len(bundle.entry)), key=lambda i: bundle.entry[i].resource.get_resource_type() != "Patient")
    for i in order:
        entry = bundle.entry[i]
        resource, where = entry.resource, f"Bundle.entry[{i}].resource"
        try:
            if resource.get_resource_type() == "Patient":
                case, created = cases.upsert_case(patient_input(resource, where))
                for key in filter(None, (entry.fullUrl, resource.id and f"Patient/{resource.id}")):
                    by_url[key] = case.case_ref
                answers[i] = (f"Patient/{case.case_ref}", created)
            else:
                appointment, created = apply_appointment(resource, where, by_url, actor)
                answers[i] = (f"Appointment/{appointment.appointment_ref}", created)
        except InvalidInput as err:
            paths = PATIENT_PATHS if resource.get_resource_type() == "Patient" else APPOINTMENT_PATHS
            issues += [("invalid", _element(where, field, paths), text) for field, text in _messages(err.errors)]
        except FhirError as err:
            issues += err.issues
        except NotFound as err:
            issues.append(("not-found", where, str(err)))
        except WorkflowRefused as err:
            raise FhirError(409, [("business-rule", where, f"{reason} ({err.rule})") for reason in err.reasons])
    if issues:
        raise FhirError(422, issues)
    return [{"location": answers[i][0], "created": answers[i][1]} for i in range(len(bundle.entry))]


def _messages(errors, prefix=""):
    for key, value in errors.items():
        name = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, dict):
            yield from _messages(value, name)
        else:
            for text in value if isinstance(value, list) else [value]:
                yield name, str(text)


def _element(where: str, field: str, paths: dict) -> str:
    head = field.split(".")[0]
    return f"{where}.{paths[head]}" if head in paths else where


def _identifier(resource, system: str, where: str) -> str:
    for i, identifier in enumerate(resource.identifier or []):
        if identifier.system == system and identifier.value:
            return identifier.value
    raise invalid(f"{where}.identifier", f"Give an identifier with system {system}.", 422)


def _extension(resource, url: str):
    return [e for e in (resource.extension or []) if e.url == url]


# --- Patient → case ------------------------------------------------------------------------------

def patient_input(patient, where: str) -> dict:
    """The case feed's input. What the Patient does not carry (risk flags, routes, team, worker) stays as
    it is on record."""
    case_ref = _identifier(patient, terms.CASE_REF_SYSTEM, where)
    stored = db.session.scalar(sa.select(Case).filter_by(case_ref=case_ref))
    name = (patient.name or [None])[0]
    display = name and (name.text or " ".join([*(name.given or []), name.family or ""]).strip())
    values = {"case_ref": case_ref, "display_name": display or ""}
    flags = [e.valueCode for e in _extension(patient, terms.RISK_FLAG)]
    values["risk_flags"] = flags if flags or stored is None else stored.risk_flags
    if patient.telecom:
        values["contact_routes"] = [_route(point) for point in patient.telecom]
    else:
        values["contact_routes"] = [] if stored is None else [
            {"channel": r.channel, "value": r.value, "approved": r.approved, "preferred": r.preferred}
            for r in stored.contact_routes]
    team = patient.managingOrganization and patient.managingOrganization.display
    values["team"] = team or (stored.team if stored else None)
    worker = next((p.identifier.value for p in patient.generalPractitioner or []
                   if p.identifier and p.identifier.system == terms.USER_SYSTEM), None)
    if worker is None and stored is not None and stored.assigned_outreach_worker:
        worker = stored.assigned_outreach_worker.username
    values["assigned_outreach_worker"] = worker
    return {key: value for key, value in values.items() if value is not None}


def _route(point) -> dict:
    approved = next((e.valueBoolean for e in point.extension or [] if e.url == terms.APPROVED_ROUTE), False)
    return {"channel": terms.TELECOM_CHANNEL.get(point.system, point.system), "value": point.value,
            "approved": bool(approved), "preferred": point.rank == 1}


# --- Appointment → schedule and attendance -------------------------------------------------------

def _patient(appointment, where: str, by_url: dict) -> tuple[str, object]:
    """The case_ref of the Appointment's patient participant, and that participant."""
    for participant in appointment.participant or []:
        actor = participant.actor
        if actor is None:
            continue
        if actor.identifier and actor.identifier.system == terms.CASE_REF_SYSTEM and actor.identifier.value:
            return actor.identifier.value, participant
        reference = actor.reference or ""
        if reference in by_url:
            return by_url[reference], participant
        if reference.startswith("Patient/"):
            return reference.removeprefix("Patient/"), participant
    raise invalid(f"{where}.participant", "Name the patient: a participant whose actor is a Patient of this "
                  "Bundle, Patient/<case_ref>, or an identifier with the case-ref system.", 422)


def appointment_input(appointment, where: str, by_url: dict) -> tuple[dict, object]:
    if appointment.status not in HANDLED:
        raise invalid(f"{where}.status", "Handled statuses: " + ", ".join(sorted(HANDLED)) + ".", 422)
    ref = _identifier(appointment, terms.APPOINTMENT_REF_SYSTEM, where)
    case_ref, participant = _patient(appointment, where, by_url)
    if appointment.start is None:
        raise invalid(f"{where}.start", "Give the start.", 422)
    stored = db.session.scalar(sa.select(Appointment).filter_by(appointment_ref=ref))
    modality = next((e.valueCode for e in _extension(appointment, terms.MODALITY)), None)
    duration = appointment.minutesDuration
    if duration is None and appointment.end is not None:
        duration = int((appointment.end - appointment.start).total_seconds() // 60)
    service_type = (appointment.serviceType or [None])[0]
    service = service_type and (service_type.text or next(
        (c.display or c.code for c in service_type.coding or []), None))
    values = {"appointment_ref": ref, "case_ref": case_ref, "scheduled_at": appointment.start.isoformat(),
              "service": service or "", "modality": modality or (stored.modality if stored else "in_person"),
              "cancelled": appointment.status == "cancelled"}
    if duration is not None:
        values["duration_minutes"] = duration
    return values, participant


def apply_appointment(resource, where: str, by_url: dict, actor):
    values, participant = appointment_input(resource, where, by_url)
    appointment, created = intake.feed_appointment(values, actor)
    status, period = resource.status, participant.period
    if status in ("arrived", "checked-in") or (status == "fulfilled" and appointment.modality != "virtual"):
        arrived = (period and period.start) or (resource.start if status == "fulfilled" else utcnow())
        if appointment.arrived_at is None:
            back_in_care.record_arrival(appointment.appointment_ref, {"arrived_at": arrived.isoformat()}, actor)
    elif status == "fulfilled":
        joined = (period and period.start) or resource.start
        left = (period and period.end) or resource.end or resource.start + timedelta(
            minutes=appointment.duration_minutes)
        if (appointment.joined_at, appointment.left_at) != (joined, left):
            back_in_care.record_attendance_signal(
                appointment.appointment_ref, {"joined_at": joined.isoformat(), "left_at": left.isoformat()}, actor)
    elif status == "noshow" and appointment.miss_detected_at is None:
        raise invalid(f"{where}.status", "No miss is detected on this appointment: it has not passed its start "
                      "plus the grace period, or attendance is on record.", 422)
    if status in SCHEDULED and participant.status == "declined" and appointment.absence_notified_at is None:
        channel = next((e.valueCode for e in _extension(resource, terms.ABSENCE_CHANNEL)), None)
        reason = resource.comment or (resource.cancelationReason and resource.cancelationReason.text) or ""
        back_in_care.record_absence_notice(appointment.appointment_ref, {
            "notified_at": utcnow().isoformat(), "reason": reason, "channel": channel or ""}, actor)
    return appointment, created
