"""Endpoints of API.md. Each: check role (decorator), parse, call one operation, commit, dump.

OpenAPI operations are the YAML after '---' in each docstring (collected by pwa.api.openapi).
"""
import sqlalchemy as sa
from flask import jsonify, request
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from ..accounts.operations import authenticate
from ..accounts.views import sign_in_user, sign_out_user
from ..archive.views import folder_page, whole_number_arg
from ..cases import operations as cases
from ..errors import InvalidInput
from ..escalations.operations import acknowledge_escalation
from ..escalations.views import visible_escalations
from ..extensions import db
from ..governance.vocab import ESCALATION_LEVELS, EVENT_STATUSES
from ..intake import operations as intake
from ..intake.models import MissedContact
from ..security import requires
from ..web import ARCHIVE_ROLES
from . import bp, committed, json_body
from .schemas import (
    AppointmentOut, ArchiveEntryOut, AttendanceCodeOut, CaseOut, ClassificationOut, EscalationOut, EvidenceOut,
    MissedContactOut, ReleaseOut, UserOut,
)

ESCALATION_READERS = tuple(dict.fromkeys((*ESCALATION_LEVELS.values(), "admin", "auditor")))


def choice_arg(name: str, allowed) -> str | None:
    value = request.args.get(name)
    if value is not None and value not in allowed:
        raise InvalidInput({name: ["Choose one of: " + ", ".join(allowed) + "."]})
    return value


def _session_payload():
    return {"user": UserOut().dump(current_user), "csrf_token": generate_csrf()}


@bp.post("/session")
def create_session():
    """Sign in with a username and password.
    ---
    post:
      tags: [session]
      summary: Sign in; sets the session cookie and returns a CSRF token
      requestBody:
        content:
          application/json:
            schema:
              type: object
              required: [username, password]
              properties: {username: {type: string}, password: {type: string}}
      responses:
        200: {content: {application/json: {schema: SessionOut}}}
        401: {content: {application/json: {schema: ErrorOut}}}
        422: {content: {application/json: {schema: ErrorOut}}}
    """
    body = json_body()
    username, password = body.get("username"), body.get("password")
    errors = {k: ["Give text."] for k, v in (("username", username), ("password", password)) if not isinstance(v, str)}
    errors.update({k: ["Unknown field."] for k in sorted(set(body) - {"username", "password"})})
    if errors:
        raise InvalidInput(errors)
    user = authenticate(username[:80], password[:1000])
    if user is None:
        db.session.commit()
        return jsonify(error="sign-in failed", errors={"password": ["Username and password do not match."]}), 401
    sign_in_user(user)
    db.session.commit()
    return jsonify(user=UserOut().dump(user), csrf_token=generate_csrf())


@bp.get("/session")
@requires()
def read_session():
    """The signed-in user and a fresh CSRF token (the service worker asks before each sync).
    ---
    get:
      tags: [session]
      responses:
        200: {content: {application/json: {schema: SessionOut}}}
        401: {content: {application/json: {schema: ErrorOut}}}
    """
    return jsonify(_session_payload())


@bp.delete("/session")
@requires()
def delete_session():
    """Sign out: the server-side session ends, so any copy of the cookie stops working.
    ---
    delete:
      tags: [session]
      responses:
        204: {description: Signed out}
    """
    sign_out_user()
    db.session.commit()
    return "", 204


@bp.post("/cases")
@requires("admin", "integration")
def upsert_case():
    """Create or update a case by case_ref.
    ---
    post:
      tags: [schedule]
      requestBody: {content: {application/json: {schema: CaseInput}}}
      responses:
        200: {content: {application/json: {schema: CaseOut}}}
        201: {content: {application/json: {schema: CaseOut}}}
        422: {content: {application/json: {schema: ErrorOut}}}
    """
    case, created = cases.upsert_case(json_body())
    return committed(CaseOut().dump(case), 201 if created else 200)


@bp.post("/appointments")
@requires("admin", "integration")
def upsert_appointment():
    """Create or update an appointment in the live schedule. A feed carrying `attendance_code`
    is refused with 409 and E1 unless a release applied that code.
    ---
    post:
      tags: [schedule]
      requestBody: {content: {application/json: {schema: AppointmentInput}}}
      responses:
        200: {content: {application/json: {schema: AppointmentOut}}}
        201: {content: {application/json: {schema: AppointmentOut}}}
        409: {content: {application/json: {schema: ErrorOut}}}
        422: {content: {application/json: {schema: ErrorOut}}}
    """
    appointment, created = cases.upsert_appointment(json_body(), current_user)
    return committed(AppointmentOut().dump(appointment), 201 if created else 200)


@bp.post("/appointments/<ref>/attendance")
@requires("integration")
def attendance_signal(ref):
    """A virtual-session attendance signal (join and leave times) or an arrival.
    ---
    post:
      tags: [schedule]
      parameters: [{name: ref, in: path, required: true, schema: {type: string}}]
      requestBody: {content: {application/json: {schema: AttendanceSignalInput}}}
      responses:
        200: {content: {application/json: {schema: AppointmentOut}}}
        404: {content: {application/json: {schema: ErrorOut}}}
        422: {content: {application/json: {schema: ErrorOut}}}
    """
    return committed(AppointmentOut().dump(cases.record_attendance_signal(ref, json_body())))


@bp.post("/attendance-codes")
@requires("integration", "coordinator")
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
    code = intake.apply_attendance_code(json_body(), current_user, source="the API")
    appointment = db.session.get(cases.Appointment, code.appointment_id)
    return committed({**AttendanceCodeOut().dump(code), "appointment_ref": appointment.appointment_ref})


@bp.post("/missed-contacts")
@requires("coordinator")
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
    event = intake.open_missed_contact(json_body(), current_user)
    return committed(MissedContactOut().dump(event), 201)


@bp.get("/missed-contacts")
@requires("coordinator", "attendance_supervisor")
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
@requires("coordinator", "attendance_supervisor")
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
@requires("attendance_supervisor")
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
    record = intake.classify_missed_contact(event_id, json_body(), current_user)
    return committed(ClassificationOut().dump(record), 201)


@bp.post("/missed-contacts/<int:event_id>/evidence")
@requires("coordinator")
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
    return committed(EvidenceOut().dump(intake.add_evidence(event_id, json_body(), current_user)), 201)


@bp.post("/missed-contacts/<int:event_id>/release")
@requires("coordinator")
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
    record = intake.release_code(event_id, json_body(), current_user)
    recovery = intake.recovery_case_for(record)
    payload = ReleaseOut().dump(record)
    payload["recovery_case_id"] = recovery.id if recovery else None
    return committed(payload, 201)


@bp.get("/escalations")
@requires(*ESCALATION_READERS)
def list_escalations():
    """Escalations addressed to the caller's roles.
    ---
    get:
      tags: [escalations]
      parameters:
        - {name: status, in: query, schema: {type: string, enum: [open, acknowledged]}}
        - {name: level, in: query, schema: {type: string}}
      responses:
        200: {content: {application/json: {schema: {type: object, properties: {items: {type: array, items: EscalationOut}}}}}}
    """
    status = choice_arg("status", ("open", "acknowledged"))
    level = choice_arg("level", tuple(dict.fromkeys(ESCALATION_LEVELS.values())))
    return jsonify(items=EscalationOut(many=True).dump(visible_escalations(current_user, status, level)))


@bp.post("/escalations/<int:escalation_id>/acknowledge")
@requires(*ESCALATION_READERS)
def acknowledge(escalation_id):
    """Acknowledge an escalation with a note (only a holder of its level's role).
    ---
    post:
      tags: [escalations]
      parameters: [{name: escalation_id, in: path, required: true, schema: {type: integer}}]
      requestBody:
        content:
          application/json:
            schema: {type: object, required: [note], properties: {note: {type: string}}}
      responses:
        200: {content: {application/json: {schema: EscalationOut}}}
        403: {content: {application/json: {schema: ErrorOut}}}
        409: {content: {application/json: {schema: ErrorOut}}}
        422: {content: {application/json: {schema: ErrorOut}}}
    """
    body = json_body()
    unknown = sorted(set(body) - {"note"})
    if unknown:
        raise InvalidInput({k: ["Unknown field."] for k in unknown})
    return committed(EscalationOut().dump(acknowledge_escalation(escalation_id, user=current_user,
                                                                 note=body.get("note"))))


@bp.get("/archive/<folder>")
@requires(*ARCHIVE_ROLES)
def archive_folder(folder):
    """One archive folder, newest first, paged.
    ---
    get:
      tags: [archive]
      parameters:
        - {name: folder, in: path, required: true, schema: {type: string}}
        - {name: page, in: query, schema: {type: integer, minimum: 1}}
        - {name: per_page, in: query, schema: {type: integer, minimum: 1, maximum: 500}}
        - {name: case_ref, in: query, schema: {type: string}}
      responses:
        200: {content: {application/json: {schema: ArchivePageOut}}}
        404: {content: {application/json: {schema: ErrorOut}}}
        422: {content: {application/json: {schema: ErrorOut}}}
    """
    errors = {}
    page, per_page = request.args.get("page", "1"), request.args.get("per_page", "50")
    if whole_number_arg(page, 999_999) is None:
        errors["page"] = ["Give a page number from 1."]
    if whole_number_arg(per_page, 500) is None:
        errors["per_page"] = ["Give 1 to 500 entries per page."]
    if errors:
        raise InvalidInput(errors)
    items, total = folder_page(folder, int(page), int(per_page), request.args.get("case_ref", "")[:64] or None)
    return jsonify(folder=folder, page=int(page), per_page=int(per_page), total=total,
                   items=ArchiveEntryOut(many=True).dump(items))


from . import recovery_routes  # noqa: E402,F401
from . import review_routes  # noqa: E402,F401
from . import push_routes  # noqa: E402,F401
from . import outcome_routes  # noqa: E402,F401
from . import sync_routes  # noqa: E402,F401
from . import openapi  # noqa: E402,F401
