"""Schedule feeds: cases, appointments (with an attendance code, workflow 1 checks it) and attendance signals."""
from flask_login import current_user

from ..cases import operations as cases
from ..governance import access
from ..intake import operations as intake
from ..recovery import back_in_care
from ..security import requires
from .blueprint import bp, committed, json_body, saved
from .schemas import AppointmentOut, CaseOut


@bp.post("/cases")
@requires(*access.FEED_SCHEDULE)
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
    return committed(lambda: saved(CaseOut(), *cases.upsert_case(json_body())))


@bp.post("/appointments")
@requires(*access.FEED_SCHEDULE)
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
    return committed(lambda: saved(AppointmentOut(), *intake.feed_appointment(json_body(), current_user)))


@bp.post("/appointments/<ref>/attendance")
@requires(*access.SEND_ATTENDANCE_SIGNAL)
def attendance_signal(ref):
    """A virtual-session attendance signal (join and leave times), an arrival, or a recording sent or
    viewed (a viewing is partial engagement, never attendance). An attended session closes the person's
    recovery cases for earlier misses as `reengaged`.
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
    return committed(lambda: AppointmentOut().dump(back_in_care.record_attendance_signal(ref, json_body(), current_user)))
