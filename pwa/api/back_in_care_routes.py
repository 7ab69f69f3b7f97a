"""Section 4 endpoints (back in care): the case's schedule with make-ups, arrivals, notice of absence,
closing a recovery case, and support requests."""
from flask import jsonify, request
from flask_login import current_user

from ..cases import queries as schedule
from ..errors import InvalidInput
from ..governance import access
from ..governance.vocab import SUPPORT_STATUSES
from ..recovery import back_in_care, operations as recovery
from ..security import requires
from ..support import operations as support
from ..support.queries import support_requests
from .blueprint import bp, choice_arg, committed, json_body
from .schemas import AppointmentOut, RecoveryCaseOut, SupportRequestOut


@bp.get("/appointments")
@requires(*access.READ_SCHEDULE)
def list_appointments():
    """One case's schedule, each appointment with its `status` and `makeup_for` (the missed one's ref).
    ---
    get:
      tags: [back in care]
      parameters: [{name: case_ref, in: query, required: true, schema: {type: string}}]
      responses:
        200: {content: {application/json: {schema: {type: object, properties: {items: {type: array, items: AppointmentOut}}}}}}
        404: {content: {application/json: {schema: ErrorOut}}}
        422: {content: {application/json: {schema: ErrorOut}}}
    """
    case_ref = request.args.get("case_ref", "")
    if not case_ref or len(case_ref) > 64 or "\x00" in case_ref:
        raise InvalidInput({"case_ref": ["Give the case's reference."]})
    return jsonify(items=AppointmentOut(many=True).dump(schedule.case_schedule(case_ref)))


@bp.post("/appointments/<ref>/arrival")
@requires(*access.RECORD_ARRIVAL)
def record_arrival(ref):
    """An in-person arrival (`arrived_at`): attendance; it closes the person's recovery cases for earlier
    misses as `reengaged`.
    ---
    post:
      tags: [back in care]
      parameters: [{name: ref, in: path, required: true, schema: {type: string}}]
      requestBody: {content: {application/json: {schema: ArrivalInput}}}
      responses:
        200: {content: {application/json: {schema: AppointmentOut}}}
        404: {content: {application/json: {schema: ErrorOut}}}
        409: {content: {application/json: {schema: ErrorOut}}}
        422: {content: {application/json: {schema: ErrorOut}}}
    """
    return committed(lambda: AppointmentOut().dump(back_in_care.record_arrival(ref, json_body(), current_user)))


@bp.post("/appointments/<ref>/absence-notice")
@requires(*access.NOTIFY_ABSENCE)
def absence_notice(ref):
    """Notice given before the start (`notified_at`, `reason`, `channel`, optional `makeup_at`): a notified
    absence, never a missed-contact event nor a threshold count; `makeup_at` books the make-up offered.
    ---
    post:
      tags: [back in care]
      parameters: [{name: ref, in: path, required: true, schema: {type: string}}]
      requestBody: {content: {application/json: {schema: AbsenceNoticeInput}}}
      responses:
        200: {content: {application/json: {schema: AppointmentOut}}}
        404: {content: {application/json: {schema: ErrorOut}}}
        409: {content: {application/json: {schema: ErrorOut}}}
        422: {content: {application/json: {schema: ErrorOut}}}
    """
    return committed(lambda: AppointmentOut().dump(
        back_in_care.record_absence_notice(ref, json_body(), current_user)))


@bp.post("/recovery-cases/<int:case_id>/close")
@requires(*access.CLOSE_RECOVERY)
def close_recovery_case(case_id):
    """A service supervisor closes the recovery case: `closure_reason` and `evidence`.
    ---
    post:
      tags: [back in care]
      parameters: [{name: case_id, in: path, required: true, schema: {type: integer}}]
      requestBody: {content: {application/json: {schema: CloseRecoveryInput}}}
      responses:
        200: {content: {application/json: {schema: RecoveryCaseOut}}}
        403: {content: {application/json: {schema: ErrorOut}}}
        404: {content: {application/json: {schema: ErrorOut}}}
        409: {content: {application/json: {schema: ErrorOut}}}
        422: {content: {application/json: {schema: ErrorOut}}}
    """
    return committed(lambda: RecoveryCaseOut().dump(back_in_care.close_recovery_case(
        recovery.get_recovery_case(case_id, current_user), json_body(), current_user)))


@bp.get("/support-requests")
@requires(*access.HANDLE_SUPPORT)
def list_support_requests():
    """Technology support requests, open ones first, soonest due first.
    ---
    get:
      tags: [back in care]
      parameters: [{name: status, in: query, schema: {type: string, enum: [open, resolved, not_resolved]}}]
      responses:
        200: {content: {application/json: {schema: {type: object, properties: {items: {type: array, items: SupportRequestOut}}}}}}
        422: {content: {application/json: {schema: ErrorOut}}}
    """
    status = choice_arg("status", SUPPORT_STATUSES)
    return jsonify(items=SupportRequestOut(many=True).dump(support_requests(status)))


@bp.post("/support-requests/<int:request_id>/resolve")
@requires(*access.HANDLE_SUPPORT)
def resolve_support_request(request_id):
    """Resolve a support request (`resolution`: resolved or not_resolved, `resolution_note`).
    ---
    post:
      tags: [back in care]
      parameters: [{name: request_id, in: path, required: true, schema: {type: integer}}]
      requestBody: {content: {application/json: {schema: ResolveSupportInput}}}
      responses:
        200: {content: {application/json: {schema: SupportRequestOut}}}
        404: {content: {application/json: {schema: ErrorOut}}}
        409: {content: {application/json: {schema: ErrorOut}}}
        422: {content: {application/json: {schema: ErrorOut}}}
    """
    role = next(r for r in access.HANDLE_SUPPORT if current_user.has_role(r))
    return committed(lambda: SupportRequestOut().dump(
        support.resolve_support_request(request_id, json_body(), current_user, role)))
