"""Workflow 1 operations: the one write path for screens, the JSON API and feeds.

Each validates input, asks the governance rules, changes the models, raises escalations and
writes the archive, then flushes; the request or command commits once.
"""
from datetime import timedelta

from flask import current_app
import sqlalchemy as sa

from ..archive.operations import append_entry
from ..cases import operations as cases
from ..cases.models import Appointment, Case
from ..clock import utcnow
from ..errors import InvalidInput, NotFound, WorkflowRefused
from ..escalations.operations import raise_escalation
from ..extensions import db
from ..governance import back_in_care, deadlines, escalations, missed_contact as rules
from ..recovery.operations import instruct_recovery_case
from ..review.detection import open_threshold_review_if_reached
from ..schema_fields import load
from ..support.operations import open_support_request
from ..timekeeping import calendar, local_today, local_zone
from .models import AttendanceCode, Classification, ClinicalFollowUp, EvidenceAddition, MissedContact, Release
from .queries import open_e2_for
from .schemas import AttendanceCodeInput, ClassificationInput, EvidenceInput, MissedContactInput, ReleaseInput


def get_event(event_id) -> MissedContact:
    event = db.session.get(MissedContact, event_id) if isinstance(event_id, int) else None
    if event is None:
        raise NotFound("no such missed-contact event")
    return event


def _queue(event: MissedContact, at) -> None:
    event.status = "queued"
    event.queued_at = at
    event.classification_due_at = deadlines.classification_due(
        at, calendar(), current_app.config["CLASSIFICATION_BUSINESS_HOURS"])
    event.classification_breached_at = None


def _archive_queue(event: MissedContact, action: str, actor, role: str) -> None:
    append_entry(folder="classification-queue", step="1b", action=action, actor=actor, actor_role=role,
                 case_ref=event.case.case_ref,
                 record={"entity": "missed_contacts", "id": event.id, "status": event.status,
                         "queued_at": event.queued_at, "classification_due_at": event.classification_due_at})


def open_missed_contact(data, actor) -> MissedContact:
    """1a: record the event and place it in the classification queue."""
    values = load(MissedContactInput(), data)
    appointment = db.session.scalar(sa.select(Appointment).filter_by(appointment_ref=values["appointment_ref"]))
    case = db.session.scalar(sa.select(Case).filter_by(case_ref=values["case_ref"]))
    errors = {}
    if case is None:
        errors["case_ref"] = ["No case with this reference."]
    if appointment is None:
        errors["appointment_ref"] = ["No appointment with this reference in the live schedule."]
    if errors:
        raise InvalidInput(errors)
    now = utcnow()
    errors = rules.event_field_errors(
        scheduled_at=values["scheduled_at"], live_scheduled_at=appointment.scheduled_at,
        next_checkpoint_date=values["next_checkpoint_date"], today=local_today(now), now=now, tz=local_zone())
    if errors:
        raise InvalidInput(errors)
    has_event = db.session.scalar(sa.select(MissedContact.id).filter_by(appointment_id=appointment.id)) is not None
    reasons = rules.event_open_refusals(has_event=has_event, cancelled=appointment.cancelled,
                                        case_matches=appointment.case_id == case.id,
                                        notified_absence=appointment.absence_notified_at is not None)
    if reasons:
        raise WorkflowRefused("event_open", reasons)
    open_due = appointment.event_due_at or deadlines.event_open_due(
        values["scheduled_at"] + _grace(), current_app.config["EVENT_OPEN_MINUTES"])
    event = MissedContact(
        case_id=case.id, appointment_id=appointment.id, scheduled_at=values["scheduled_at"],
        event_type=values["event_type"], service_disruption_known=values["service_disruption_known"],
        contactability_status=values["contactability_status"],
        next_checkpoint_date=values["next_checkpoint_date"], note=values.get("note") or None,
        reviewer_id=actor.id, validation_timestamp=now, open_due_at=open_due,
        control_status=deadlines.control_status(now, open_due),
        repeat_of_id=_first_miss_event_id(appointment),
    )
    _queue(event, now)
    db.session.add(event)
    db.session.flush()
    append_entry(folder="missed-contact", step="1a", action="opened", record=event, actor=actor,
                 actor_role="coordinator", case_ref=case.case_ref)
    _archive_queue(event, "queued", actor, "coordinator")
    return event


def _first_miss_event_id(appointment: Appointment) -> int | None:
    """A missed make-up repeats the miss it was to make up for: the event of that miss, if one was opened."""
    if appointment.makeup_for_id is None:
        return None
    first = db.session.scalar(sa.select(MissedContact.id).filter_by(appointment_id=appointment.makeup_for_id))
    return first if back_in_care.is_repeat_miss(makeup_for_event_id=first) else None


def _grace() -> timedelta:
    return timedelta(minutes=current_app.config["MISS_GRACE_MINUTES"])


def classify_missed_contact(event_id, data, actor) -> Classification:
    """1b: the attendance supervisor confirms a classification or returns the event for evidence."""
    event = get_event(event_id)
    values = load(ClassificationInput(), data)
    errors = rules.classification_field_errors(
        final_classification=values["final_classification"], outcome=values["outcome"],
        service_failure_contribution=values["service_failure_contribution"],
        contributing_factors=values["contributing_factors"],
        service_disruption_known=event.service_disruption_known)
    if errors:
        raise InvalidInput(errors)
    reasons = rules.classification_refusals(status=event.status, actor_opened_event=event.reviewer_id == actor.id)
    if reasons:
        raise WorkflowRefused("classification_order", reasons)
    now = utcnow()
    record = Classification(
        missed_contact_id=event.id, due_at=event.classification_due_at, reviewer_id=actor.id,
        validation_timestamp=now, control_status=deadlines.control_status(now, event.classification_due_at),
        final_classification=values["final_classification"], outcome=values["outcome"],
        access_barrier_likelihood=values["access_barrier_likelihood"],
        service_failure_contribution=values["service_failure_contribution"],
        contributing_factors=sorted(set(values["contributing_factors"])),
        unresolved_dependency_count=values["unresolved_dependency_count"],
        evidence_summary=values["evidence_summary"],
    )
    db.session.add(record)
    event.status = "confirmed" if values["outcome"] == "confirm" else "returned"
    db.session.flush()
    append_entry(folder="attendance-control", step="1b", action=values["outcome"], record=record, actor=actor,
                 actor_role="attendance_supervisor", case_ref=event.case.case_ref)
    _archive_queue(event, event.status, actor, "attendance_supervisor")
    if record.outcome == "confirm" and back_in_care.opens_support_request(
            contributing_factors=record.contributing_factors):
        open_support_request(case=event.case, source="classification", source_id=record.id, actor=actor,
                             actor_role="attendance_supervisor", missed_contact_id=event.id, now=now)
    if escalations.needs_e2(final_classification=record.final_classification, outcome=record.outcome,
                            unresolved_dependency_count=record.unresolved_dependency_count):
        raise_escalation("E2", subject=record, actor=actor, case_ref=event.case.case_ref,
                         reason=escalations.e2_reason(unresolved_dependency_count=record.unresolved_dependency_count))
    return record


def add_evidence(event_id, data, actor) -> EvidenceAddition:
    """The return-for-evidence loop: the coordinator adds evidence and the event is re-queued."""
    event = get_event(event_id)
    values = load(EvidenceInput(), data)
    reasons = rules.evidence_refusals(status=event.status)
    if reasons:
        raise WorkflowRefused("evidence_order", reasons)
    now = utcnow()
    if values.get("contactability_status"):
        event.contactability_status = values["contactability_status"]
    _queue(event, now)
    addition = EvidenceAddition(
        missed_contact_id=event.id, evidence=values["evidence"],
        contactability_status=values.get("contactability_status"), reviewer_id=actor.id,
        validation_timestamp=now, requeued_at=now, classification_due_at=event.classification_due_at)
    db.session.add(addition)
    db.session.flush()
    append_entry(folder="missed-contact", step="1a", action="evidence_added", record=addition, actor=actor,
                 actor_role="coordinator", case_ref=event.case.case_ref)
    _archive_queue(event, "requeued", actor, "coordinator")
    return addition


def release_code(event_id, data, actor) -> Release:
    """1c: apply the permanent code and issue the follow-up instruction."""
    event = get_event(event_id)
    values = load(ReleaseInput(), data)
    reasons = rules.release_refusals(status=event.status, open_e2=open_e2_for(event))
    if reasons:
        raise WorkflowRefused("release_order", reasons)
    classification = event.latest_classification
    now = utcnow()
    errors = rules.release_field_errors(
        final_classification=classification.final_classification, today=local_today(now), **values)
    if errors:
        raise InvalidInput(errors)
    release = Release(missed_contact_id=event.id, classification_id=classification.id, reviewer_id=actor.id,
                      validation_timestamp=now, control_status="met", **values)
    db.session.add(release)
    event.status = "released"
    db.session.flush()
    code = AttendanceCode(appointment_id=event.appointment_id, case_id=event.case_id,
                          code=release.permanent_code, release_id=release.id, applied_at=now)
    db.session.add(code)
    db.session.flush()
    case_ref = event.case.case_ref
    append_entry(folder="attendance-status", step="1c", action="released", record=release, actor=actor,
                 actor_role="coordinator", case_ref=case_ref)
    append_entry(folder="attendance-status", step="1c", action="code_applied", record=code, actor=actor,
                 actor_role="coordinator", case_ref=case_ref)
    _archive_queue(event, "released", actor, "coordinator")
    if release.follow_up_route == "outreach":
        instruct_recovery_case(event, release, now, actor)
    elif release.follow_up_route == "clinical":
        instruction = ClinicalFollowUp(release_id=release.id, case_id=event.case_id, instructed_at=now,
                                       review_date=release.review_date)
        db.session.add(instruction)
        db.session.flush()
        append_entry(folder="attendance-status", step="1c", action="clinical_instructed", record=instruction,
                     actor=actor, actor_role="coordinator", case_ref=case_ref)
    if escalations.needs_e3(follow_up_route=release.follow_up_route):
        raise_escalation("E3", subject=release, actor=actor, case_ref=case_ref,
                         reason=escalations.e3_reason(permanent_code=release.permanent_code))
    # Workflow 3: a code that brings the case to a threshold level opens a review and freezes restrictions.
    open_threshold_review_if_reached(event.case, release, actor)
    return release


def apply_attendance_code(data, actor, source: str) -> AttendanceCode:
    """A permanent code from a screen, the API or a schedule feed: accepted only when it is the code
    a release already applied; otherwise refused and escalated (E1)."""
    values = load(AttendanceCodeInput(), data)
    appointment = db.session.scalar(sa.select(Appointment).filter_by(appointment_ref=values["appointment_ref"]))
    if appointment is None:
        raise InvalidInput({"appointment_ref": ["No appointment with this reference in the live schedule."]})
    return require_released_code(case=appointment.case, appointment=appointment,
                                 appointment_ref=appointment.appointment_ref, code=values["code"],
                                 actor=actor, source=source)


def feed_appointment(data, actor) -> tuple[Appointment, bool]:
    """An appointment from the schedule feed, which may carry an attendance code: the code is checked
    (E1 when no release applied it) before anything is written, so a refused code leaves the schedule
    untouched."""
    values, case, appointment = cases.validate_appointment(data)
    code = values.pop("attendance_code", None)
    if code:
        require_released_code(case=case, appointment=appointment, appointment_ref=values["appointment_ref"],
                              code=code, actor=actor, source="the schedule feed")
    return cases.save_appointment(values, case, appointment)


def require_released_code(*, case: Case, appointment: Appointment | None, appointment_ref: str, code: str,
                          actor, source: str) -> AttendanceCode:
    """The released code when `code` is it. Otherwise refused (WorkflowRefused); when no release exists,
    E1 is raised and kept with the refusal. A new appointment has no release, so its case is E1's subject."""
    existing = appointment and db.session.scalar(sa.select(AttendanceCode).filter_by(appointment_id=appointment.id))
    reasons = rules.attendance_code_refusals(released_code=existing.code if existing else None, code=code)
    if not reasons:
        return existing
    if not escalations.needs_e1(released_code=existing.code if existing else None):
        raise WorkflowRefused("code_mismatch", reasons)
    event = appointment and db.session.scalar(sa.select(MissedContact).filter_by(appointment_id=appointment.id))
    escalation = raise_escalation(
        "E1", subject=appointment or case, actor=actor, case_ref=case.case_ref,
        reason=escalations.e1_reason(code=code, appointment_ref=appointment_ref, source=source,
                                     event_status=event.status if event else None))
    raise WorkflowRefused("E1", reasons, escalation_id=escalation.id)
