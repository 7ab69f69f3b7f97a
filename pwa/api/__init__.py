"""The JSON API (/api/v1): thin handlers over the same operations the screens use."""
from flask import Blueprint, jsonify, request
from sync.protocol import nul_fields
from werkzeug.exceptions import BadRequest

from ..errors import InvalidInput, WorkflowRefused
from ..extensions import db

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def json_body(refuse_nul: bool = True) -> dict:
    """The request's JSON object, or InvalidInput naming what is wrong with it. `refuse_nul=False`
    leaves NUL characters to the caller (sync refuses them entry by entry, not the whole batch)."""
    if not request.data:
        raise InvalidInput({"_schema": ["Send a JSON object as the request body."]})
    try:
        body = request.get_json(force=True)
    except (BadRequest, RecursionError):  # RecursionError: JSON nested deeper than the parser's stack
        raise InvalidInput({"_schema": ["The body is not valid JSON."]}) from None
    if not isinstance(body, dict):
        raise InvalidInput({"_schema": ["Send a JSON object, not a list or a value."]})
    with_nul = nul_fields(body) if refuse_nul else []
    if with_nul:
        # PostgreSQL cannot store or even compare text with NUL: refuse it here, field by field, not with a 500.
        raise InvalidInput({key: ["Remove the NUL character (\\u0000): it cannot be stored."] for key in with_nul})
    return body


def committed(payload, status: int = 200):
    """One commit per request, after the operation succeeded."""
    db.session.commit()
    return jsonify(payload), status


@bp.errorhandler(InvalidInput)
def _invalid(err: InvalidInput):
    db.session.rollback()
    return jsonify(error="invalid input", errors=err.errors), 422


@bp.errorhandler(WorkflowRefused)
def _refused(err: WorkflowRefused):
    # A refusal that raised an escalation keeps it (E1, E7, E9): the refusal itself is evidence.
    if err.keeps_records:
        db.session.commit()
    else:
        db.session.rollback()
    body = {"error": "refused", "rule": err.rule, "reasons": err.reasons}
    if err.escalation_id:
        body["escalation_id"] = err.escalation_id
    return jsonify(body), 409


from . import routes  # noqa: E402,F401  (registers the endpoints on bp)
