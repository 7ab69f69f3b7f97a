"""Workflow 2 endpoints: recovery cases, attempts, dispositions, emergency-exception decisions."""
from flask import jsonify
from flask_login import current_user

from ..governance.vocab import RECOVERY_STATUSES
from ..recovery import operations as recovery
from ..security import requires
from . import bp, committed, json_body
from .routes import choice_arg
from .schemas import AttemptOut, DispositionOut, RecoveryCaseDetailOut, RecoveryCaseOut


@bp.get("/recovery-cases")
@requires("outreach_worker", "service_supervisor")
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
    return jsonify(items=RecoveryCaseOut(many=True).dump(recovery.visible_recovery_cases(current_user, status)))


@bp.get("/recovery-cases/<int:case_id>")
@requires("outreach_worker", "service_supervisor")
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
@requires("outreach_worker")
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
    return committed(RecoveryCaseOut().dump(recovery.open_recovery_case(case_id, json_body(), current_user)))


@bp.post("/recovery-cases/<int:case_id>/attempts")
@requires("outreach_worker")
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
    attempt, created = recovery.record_attempt(case_id, json_body(), current_user)
    return committed(AttemptOut().dump(attempt), 201 if created else 200)


@bp.post("/recovery-cases/<int:case_id>/attempts/<int:attempt_id>/exception")
@requires("service_supervisor")
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
    attempt = recovery.decide_exception(case_id, attempt_id, json_body(), current_user)
    return committed(AttemptOut().dump(attempt))


@bp.post("/recovery-cases/<int:case_id>/disposition")
@requires("service_supervisor")
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
    disposition, created = recovery.record_disposition(case_id, json_body(), current_user)
    return committed(DispositionOut().dump(disposition), 201 if created else 200)
