"""Workflow 2 endpoints: recovery cases, attempts, dispositions, emergency-exception decisions."""
from flask import jsonify
from flask_login import current_user

from ..governance import access
from ..governance.vocab import RECOVERY_STATUSES
from ..recovery import operations as recovery
from ..recovery.queries import visible_recovery_cases
from ..security import requires
from .blueprint import bp, choice_arg, committed, json_body, saved

from .schemas import AttemptOut, DispositionOut, RecoveryCaseDetailOut, RecoveryCaseOut


@bp.get("/recovery-cases")
@requires(*access.READ_RECOVERY)
def list_recovery_cases():
    """Recovery cases: an outreach worker's own, or all for a service supervisor; high-risk first.
    ---
    get:
      tags: [workflow 2]
      parameters: [{name: status, in: query, schema: {type: string, enum: [instructed, open, dispositioned, closed]}}]
      responses:
        200: {content: {application/json: {schema: {type: object, properties: {items: {type: array, items: RecoveryCaseOut}}}}}}
        422: {content: {application/json: {schema: ErrorOut}}}
    """
    status = choice_arg("status", RECOVERY_STATUSES)
    return jsonify(items=RecoveryCaseOut(many=True).dump(visible_recovery_cases(current_user, status)))


@bp.get("/recovery-cases/<int:case_id>")
@requires(*access.READ_RECOVERY)
def read_recovery_case(case_id):
    """One recovery case with its attempts and dispositions (its worker or a service supervisor).
    ---
    get:
      tags: [workflow 2]
      parameters: [{name: case_id, in: path, required: true, schema: {type: integer}}]
      responses:
        200: {content: {application/json: {schema: RecoveryCaseDetailOut}}}
        403: {content: {application/json: {schema: ErrorOut}}}
        404: {content: {application/json: {schema: ErrorOut}}}
    """
    return jsonify(RecoveryCaseDetailOut().dump(recovery.get_recovery_case(case_id, current_user)))


@bp.post("/recovery-cases/<int:case_id>/open")
@requires(*access.OPEN_RECOVERY)
def open_recovery_case(case_id):
    """Step 2a: the assigned outreach worker opens the recovery case.
    ---
    post:
      tags: [workflow 2]
      parameters: [{name: case_id, in: path, required: true, schema: {type: integer}}]
      requestBody: {content: {application/json: {schema: OpenRecoveryInput}}}
      responses:
        200: {content: {application/json: {schema: RecoveryCaseOut}}}
        403: {content: {application/json: {schema: ErrorOut}}}
        409: {content: {application/json: {schema: ErrorOut}}}
        422: {content: {application/json: {schema: ErrorOut}}}
    """
    return committed(lambda: RecoveryCaseOut().dump(recovery.open_recovery_case(case_id, json_body(), current_user)))


@bp.post("/recovery-cases/<int:case_id>/attempts")
@requires(*access.LOG_ATTEMPT)
def record_attempt(case_id):
    """Step 2b: one recovery attempt. With a client_id seen before, returns the stored attempt (200).
    ---
    post:
      tags: [workflow 2]
      parameters: [{name: case_id, in: path, required: true, schema: {type: integer}}]
      requestBody: {content: {application/json: {schema: AttemptInput}}}
      responses:
        200: {description: A replay of an attempt already stored, content: {application/json: {schema: AttemptOut}}}
        201: {content: {application/json: {schema: AttemptOut}}}
        403: {content: {application/json: {schema: ErrorOut}}}
        409: {content: {application/json: {schema: ErrorOut}}}
        422: {content: {application/json: {schema: ErrorOut}}}
    """
    return committed(lambda: saved(AttemptOut(), *recovery.record_attempt(case_id, json_body(), current_user)))


@bp.post("/recovery-cases/<int:case_id>/attempts/<int:attempt_id>/exception")
@requires(*access.DECIDE_EXCEPTION)
def decide_exception(case_id, attempt_id):
    """Approve or reject an attempt made on an unapproved channel under an emergency exception.
    ---
    post:
      tags: [workflow 2]
      parameters:
        - {name: case_id, in: path, required: true, schema: {type: integer}}
        - {name: attempt_id, in: path, required: true, schema: {type: integer}}
      requestBody: {content: {application/json: {schema: ExceptionDecisionInput}}}
      responses:
        200: {content: {application/json: {schema: AttemptOut}}}
        409: {content: {application/json: {schema: ErrorOut}}}
        422: {content: {application/json: {schema: ErrorOut}}}
    """
    return committed(lambda: AttemptOut().dump(recovery.decide_exception(case_id, attempt_id, json_body(), current_user)))


@bp.post("/recovery-cases/<int:case_id>/disposition")
@requires(*access.RECORD_DISPOSITION)
def record_disposition(case_id):
    """Step 2c: the recovery disposition with one locked instruction; a later one supersedes it.
    ---
    post:
      tags: [workflow 2]
      parameters: [{name: case_id, in: path, required: true, schema: {type: integer}}]
      requestBody: {content: {application/json: {schema: DispositionInput}}}
      responses:
        200: {description: A replay of a disposition already stored, content: {application/json: {schema: DispositionOut}}}
        201: {content: {application/json: {schema: DispositionOut}}}
        409: {content: {application/json: {schema: ErrorOut}}}
        422: {content: {application/json: {schema: ErrorOut}}}
    """
    return committed(lambda: saved(DispositionOut(), *recovery.record_disposition(case_id, json_body(), current_user)))
