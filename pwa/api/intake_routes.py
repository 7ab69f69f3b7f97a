"""Workflow 1 endpoints: permanent codes, missed-contact events (1a), classification (1b), evidence, release (1c)."""
import sqlalchemy as sa
from flask import jsonify
from flask_login import current_user

from ..cases.models import Appointment
from ..extensions import db
from ..governance import access
from ..governance.vocab import EVENT_STATUSES
from ..intake import operations as intake
from ..intake.models import MissedContact
from ..recovery.queries import recovery_case_for
from ..security import requires
from ..transaction import transaction
from .blueprint import bp, choice_arg, committed, json_body
from .schemas import AttendanceCodeOut, ClassificationOut, EvidenceOut, MissedContactOut, ReleaseOut


@bp.post("/attendance-codes")
@requires(*access.APPLY_ATTENDANCE_CODE)
def attendance_code():
    """Set a permanent attendance code: refused with 409 and E1 unless released.
    ---
    post:
      tags: [workflow 1]
      requestBody: {content: {application/json: {schema: AttendanceCodeInput}}}
      responses:
        200: {content: {application/json: {schema: AttendanceCodeOut}}}
        409: {content: {application/json: {schema: ErrorOut}}}
        422: {content: {application/json: {schema: ErrorOut}}}
    """
    with transaction():
        code = intake.apply_attendance_code(json_body(), current_user, source="the API")
        appointment = db.session.get(Appointment, code.appointment_id)
        payload = {**AttendanceCodeOut().dump(code), "appointment_ref": appointment.appointment_ref}
    return jsonify(payload)


@bp.post("/missed-contacts")
@requires(*access.RECORD_MISSED_CONTACT)
def open_missed_contact():
    """Step 1a: open the missed-contact event; it is placed in the classification queue.
    ---
    post:
      tags: [workflow 1]
      requestBody: {content: {application/json: {schema: MissedContactInput}}}
      responses:
        201: {content: {application/json: {schema: MissedContactOut}}}
        409: {content: {application/json: {schema: ErrorOut}}}
        422: {content: {application/json: {schema: ErrorOut}}}
    """
    return committed(lambda: MissedContactOut().dump(intake.open_missed_contact(json_body(), current_user)), 201)


@bp.get("/missed-contacts")
@requires(*access.READ_MISSED_CONTACTS)
def list_missed_contacts():
    """The classification queue and its history, by status.
    ---
    get:
      tags: [workflow 1]
      parameters: [{name: status, in: query, schema: {type: string, enum: [queued, returned, confirmed, released]}}]
      responses:
        200: {content: {application/json: {schema: {type: object, properties: {items: {type: array, items: MissedContactOut}}}}}}
        422: {content: {application/json: {schema: ErrorOut}}}
    """
    status = choice_arg("status", EVENT_STATUSES)
    query = sa.select(MissedContact).order_by(MissedContact.classification_due_at)
    if status:
        query = query.where(MissedContact.status == status)
    return jsonify(items=MissedContactOut(many=True).dump(db.session.scalars(query.limit(1000)).all()))


@bp.get("/missed-contacts/<int:event_id>")
@requires(*access.READ_MISSED_CONTACTS)
def read_missed_contact(event_id):
    """One event with its classifications, evidence and release.
    ---
    get:
      tags: [workflow 1]
      parameters: [{name: event_id, in: path, required: true, schema: {type: integer}}]
      responses:
        200: {content: {application/json: {schema: MissedContactOut}}}
        404: {content: {application/json: {schema: ErrorOut}}}
    """
    return jsonify(MissedContactOut().dump(intake.get_event(event_id)))


@bp.post("/missed-contacts/<int:event_id>/classification")
@requires(*access.CLASSIFY)
def classify(event_id):
    """Step 1b: classification challenge (confirm or return for evidence).
    ---
    post:
      tags: [workflow 1]
      parameters: [{name: event_id, in: path, required: true, schema: {type: integer}}]
      requestBody: {content: {application/json: {schema: ClassificationInput}}}
      responses:
        201: {content: {application/json: {schema: ClassificationOut}}}
        404: {content: {application/json: {schema: ErrorOut}}}
        409: {content: {application/json: {schema: ErrorOut}}}
        422: {content: {application/json: {schema: ErrorOut}}}
    """
    return committed(lambda: ClassificationOut().dump(intake.classify_missed_contact(event_id, json_body(), current_user)),
                     201)


@bp.post("/missed-contacts/<int:event_id>/evidence")
@requires(*access.RECORD_MISSED_CONTACT)
def add_evidence(event_id):
    """Add evidence to an event returned for evidence; it is re-queued with a new deadline.
    ---
    post:
      tags: [workflow 1]
      parameters: [{name: event_id, in: path, required: true, schema: {type: integer}}]
      requestBody: {content: {application/json: {schema: EvidenceInput}}}
      responses:
        201: {content: {application/json: {schema: EvidenceOut}}}
        409: {content: {application/json: {schema: ErrorOut}}}
        422: {content: {application/json: {schema: ErrorOut}}}
    """
    return committed(lambda: EvidenceOut().dump(intake.add_evidence(event_id, json_body(), current_user)), 201)


@bp.post("/missed-contacts/<int:event_id>/release")
@requires(*access.RECORD_MISSED_CONTACT)
def release(event_id):
    """Step 1c: coded event release; includes recovery_case_id when outreach follows.
    ---
    post:
      tags: [workflow 1]
      parameters: [{name: event_id, in: path, required: true, schema: {type: integer}}]
      requestBody: {content: {application/json: {schema: ReleaseInput}}}
      responses:
        201: {content: {application/json: {schema: ReleaseOut}}}
        409: {content: {application/json: {schema: ErrorOut}}}
        422: {content: {application/json: {schema: ErrorOut}}}
    """
    with transaction():
        record = intake.release_code(event_id, json_body(), current_user)
        recovery = recovery_case_for(record)
        payload = {**ReleaseOut().dump(record), "recovery_case_id": recovery.id if recovery else None}
    return jsonify(payload), 201
