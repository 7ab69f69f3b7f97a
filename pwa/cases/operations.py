"""Case and schedule feeds, attendance signals, and the misses they reveal."""
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from ..accounts.models import User
from ..clock import utcnow
from ..errors import InvalidInput, NotFound
from ..extensions import db
from ..governance import back_in_care
from ..governance.attendance import DetectedMiss, detect_miss
from ..governance.deadlines import event_open_due
from ..schema_fields import load
from ..timekeeping import local_today
from .models import Appointment, Case, CaseRiskFlag, ContactRoute
from .schemas import AppointmentInput, AttendanceSignalInput, CaseInput


def upsert_case(data) -> tuple[Case, bool]:
    values = load(CaseInput(), data)
    errors = back_in_care.expectations_field_errors(
        explained_on=values.get("expectations_explained_on"), text=values.get("expectations_text"),
        today=local_today())
    if errors:
        raise InvalidInput(errors)
    worker = None
    if values.get("assigned_outreach_worker"):
        worker = db.session.scalar(sa.select(User).filter_by(username=values["assigned_outreach_worker"]))
        if worker is None or not worker.has_role("outreach_worker"):
            raise InvalidInput({"assigned_outreach_worker": ["No outreach worker with this username."]})
    case = db.session.scalar(sa.select(Case).filter_by(case_ref=values["case_ref"]))
    created = case is None
    if created:
        case = Case(case_ref=values["case_ref"])
        db.session.add(case)
    case.display_name = values["display_name"]
    case.team = values.get("team") or None
    if "expectations_explained_on" in values or "expectations_text" in values:
        case.expectations_explained_on = values.get("expectations_explained_on")
        case.expectations_text = (values.get("expectations_text") or "").strip() or None
    if values.get("preferred_language"):
        case.preferred_language = values["preferred_language"]
    case.assigned_outreach_worker = worker
    # Kept rows stay (a row deleted and inserted again in one flush would break the unique (case, flag)).
    kept = {row.flag: row for row in case.risk_flag_rows}
    case.risk_flag_rows = [kept.get(f) or CaseRiskFlag(flag=f) for f in sorted(set(values["risk_flags"]))]
    _replace_routes(case, values["contact_routes"])
    db.session.flush()
    db.session.expire(case, ["contact_routes"])
    return case, created


def _replace_routes(case: Case, routes: list[dict]) -> None:
    """The feed's routes become the case's routes on record: a route it sends again (same channel and
    value) is kept and updated, a new one added, and one it no longer sends retired."""
    current = {} if case.id is None else {(r.channel, r.value): r for r in case.contact_routes}
    for route in routes:
        kept = current.pop((route["channel"], route["value"]), None)
        if kept is None:
            case.route_history.append(ContactRoute(**route))
        else:
            kept.approved, kept.preferred = route["approved"], route["preferred"]
    for retired in current.values():
        retired.retired_at = utcnow()


def validate_appointment(data) -> tuple[dict, Case, Appointment | None]:
    """An appointment as the schedule sends it, checked against the case: (values, case, the stored
    appointment or None). Writes nothing."""
    values = load(AppointmentInput(), data)
    case = db.session.scalar(sa.select(Case).filter_by(case_ref=values["case_ref"]))
    if case is None:
        raise InvalidInput({"case_ref": ["No case with this reference."]})
    appointment = db.session.scalar(sa.select(Appointment).filter_by(appointment_ref=values["appointment_ref"]))
    if appointment is not None and appointment.case_id != case.id:
        raise InvalidInput({"case_ref": ["This appointment belongs to a different case."]})
    return values, case, appointment


def save_appointment(values: dict, case: Case, appointment: Appointment | None) -> tuple[Appointment, bool]:
    """Create or update the appointment in the live schedule and stamp any miss it reveals."""
    created = appointment is None
    if created:
        appointment = Appointment(appointment_ref=values["appointment_ref"], case_id=case.id)
        db.session.add(appointment)
    for key in ("scheduled_at", "service", "modality", "duration_minutes", "cancelled"):
        setattr(appointment, key, values[key])
    db.session.flush()
    stamp_detected_miss(appointment, utcnow())
    return appointment, created


def upsert_appointment(data, actor=None) -> tuple[Appointment, bool]:
    """An appointment with no attendance code (a code is workflow 1's: intake.operations.feed_appointment)."""
    values, case, appointment = validate_appointment(data)
    if values.pop("attendance_code", None):
        raise ValueError("an attendance code goes through intake.operations.feed_appointment")
    return save_appointment(values, case, appointment)


def get_appointment(ref: str) -> Appointment:
    appointment = db.session.scalar(sa.select(Appointment).filter_by(appointment_ref=ref))
    if appointment is None:
        raise NotFound("no such appointment")
    return appointment


def record_attendance_signal(ref: str, data) -> Appointment:
    """A virtual-session join/leave (or an arrival) from the session platform."""
    appointment = get_appointment(ref)
    values = load(AttendanceSignalInput(), data)
    joined = values.get("joined_at") or appointment.joined_at
    left = values.get("left_at") or appointment.left_at
    if joined and left and left < joined:
        raise InvalidInput({"left_at": ["Cannot leave before joining."]})
    for key, value in values.items():
        if value is not None:
            setattr(appointment, key, value)
    db.session.flush()
    stamp_detected_miss(appointment, utcnow())
    return appointment


def detected_miss(appointment: Appointment, now: datetime) -> DetectedMiss | None:
    """The miss the appointment's signals reveal by `now`, if any (none for a cancelled one)."""
    cfg = current_app.config
    if appointment.cancelled or appointment.absence_notified_at is not None:
        return None  # a notified absence is never a missed contact
    return detect_miss(
        modality=appointment.modality, scheduled_at=appointment.scheduled_at,
        duration_minutes=appointment.duration_minutes, now=now,
        grace=timedelta(minutes=cfg["MISS_GRACE_MINUTES"]), attendance_share=cfg["VIRTUAL_ATTENDANCE_SHARE"],
        arrived_at=appointment.arrived_at, joined_at=appointment.joined_at, left_at=appointment.left_at)


def stamp_detected_miss(appointment: Appointment, now: datetime) -> None:
    """Store the detection and the 1a deadline on the appointment (cleared if the signal says attended)."""
    miss = detected_miss(appointment, now)
    if miss is None:
        appointment.miss_detected_at = appointment.detected_event_type = appointment.event_due_at = None
    elif appointment.miss_detected_at is None or appointment.detected_event_type != miss.event_type:
        appointment.miss_detected_at = miss.detected_at
        appointment.detected_event_type = miss.event_type
        appointment.event_due_at = event_open_due(miss.detected_at, current_app.config["EVENT_OPEN_MINUTES"])
