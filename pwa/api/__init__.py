"""The JSON API (/api/v1): thin handlers over the same operations the screens use."""
from flask import Blueprint, jsonify, request
from werkzeug.exceptions import BadRequest

from ..errors import InvalidInput, WorkflowRefused
from ..extensions import db

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def json_body() -> dict:
    """The request's JSON object, or InvalidInput naming what is wrong with it."""
    if not request.data:
        raise InvalidInput({"_schema": ["Send a JSON object as the request body."]})
    try:
        body = request.get_json(force=True)
    except BadRequest:
        raise InvalidInput({"_schema": ["The body is not valid JSON."]}) from None
    if not isinstance(body, dict):
        raise InvalidInput({"_schema": ["Send a JSON object, not a list or a value."]})
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
