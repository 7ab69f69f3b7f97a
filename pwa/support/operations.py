"""Support requests: opened by a technology barrier, resolved (or not) by tech support before the person's
next virtual session. The one write path for the screens and the API."""
from datetime import datetime

import sqlalchemy as sa

from ..archive.operations import append_entry
from ..cases.models import Appointment
from ..clock import utcnow
from ..errors import InvalidInput, NotFound, WorkflowRefused
from ..extensions import db
from ..governance import back_in_care as rules
from ..schema_fields import load
from ..timekeeping import calendar
from .models import SupportRequest
from .schemas import ResolveSupportInput

MAX_DB_ID = 2 ** 31 - 1


def next_virtual_session(case_id: int, after: datetime) -> Appointment | None:
    """The person's next virtual session still to come (not cancelled, no notice of absence)."""
    return db.session.scalar(
        sa.select(Appointment).where(
            Appointment.case_id == case_id, Appointment.modality == "virtual", Appointment.scheduled_at > after,
            Appointment.cancelled.is_(False), Appointment.absence_notified_at.is_(None))
        .order_by(Appointment.scheduled_at, Appointment.id).limit(1))


def open_support_request(*, case, source: str, source_id: int, actor, actor_role: str, recovery_case_id=None,
                         missed_contact_id=None, now: datetime | None = None) -> SupportRequest:
    """Open the request for a technology barrier (once per attempt or classification), due before the
    person's next virtual session."""
    now = now or utcnow()
    existing = db.session.scalar(sa.select(SupportRequest).filter_by(source=source, source_id=source_id))
    if existing is None and (recovery_case_id or missed_contact_id):
        # One open request per rescue: a barrier named again on the same case joins the one being worked.
        same = (SupportRequest.recovery_case_id == recovery_case_id if recovery_case_id
                else SupportRequest.missed_contact_id == missed_contact_id)
        existing = db.session.scalar(sa.select(SupportRequest).where(same, SupportRequest.status == "open"))
    if existing is not None:
        return existing
    session = next_virtual_session(case.id, now)
    request = SupportRequest(
        case_id=case.id, recovery_case_id=recovery_case_id, missed_contact_id=missed_contact_id, source=source,
        source_id=source_id, opened_at=now, next_appointment_id=session.id if session else None,
        due_at=rules.support_due(next_virtual_session_at=session.scheduled_at if session else None,
                                 fallback=calendar().add_business_days(now, 1)),
        status="open")
    db.session.add(request)
    db.session.flush()
    append_entry(folder="recovery-action", step="4", action="support_requested", record=request, actor=actor,
                 actor_role=actor_role, case_ref=case.case_ref)
    return request


def get_support_request(request_id) -> SupportRequest:
    found = db.session.get(SupportRequest, request_id) if isinstance(request_id, int) and 0 < request_id <= MAX_DB_ID \
        else None
    if found is None:
        raise NotFound("no such support request")
    return found


def resolve_support_request(request_id, data, actor, actor_role: str) -> SupportRequest:
    """Tech support (or a supervisor) records the resolution, or that it could not be resolved."""
    request = get_support_request(request_id)
    values = load(ResolveSupportInput(), data)
    reasons = rules.resolve_refusals(status=request.status)
    if reasons:
        raise WorkflowRefused("support_order", reasons)
    if len(values["resolution_note"].strip()) < 10:
        raise InvalidInput({"resolution_note": ["Say what was done (at least 10 characters)."]})
    request.status = values["resolution"]
    request.resolution_note = values["resolution_note"].strip()
    request.resolved_at = utcnow()
    request.resolved_by_id = actor.id
    db.session.flush()
    append_entry(folder="recovery-action", step="4", action=f"support_{values['resolution']}", record=request,
                 actor=actor, actor_role=actor_role, case_ref=request.case.case_ref)
    return request
