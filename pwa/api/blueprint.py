"""The /api/v1 blueprint and what its handlers share: the JSON body, query choices, the one transaction
per request, and the mapping of refusals to 422/409."""
from flask import Blueprint, jsonify, request
from sync.protocol import nul_fields
from werkzeug.exceptions import BadRequest

from ..errors import InvalidInput, WorkflowRefused
from ..extensions import db
from ..transaction import transaction

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


def choice_arg(name: str, allowed) -> str | None:
    """A query parameter that must be one of `allowed`; absent or empty (`?level=`, as a form leaves it) is
    no filter (None)."""
    value = request.args.get(name) or None
    if value is not None and value not in allowed:
        raise InvalidInput({name: ["Choose one of: " + ", ".join(allowed) + "."]})
    return value


def committed(work, status: int = 200):
    """Run `work` (the operation and the dump of its result) in the request's one transaction and
    answer with its JSON; `work` may give (payload, status). A refusal or bad input raised inside it
    reaches the handlers below."""
    with transaction():
        result = work()
    payload, status = result if isinstance(result, tuple) else (result, status)
    return jsonify(payload), status


def saved(schema, record, created: bool) -> tuple[dict, int]:
    """An upsert's answer: 201 when it created the record, 200 when it updated one."""
    return schema.dump(record), 201 if created else 200


@bp.errorhandler(InvalidInput)
def _invalid(err: InvalidInput):
    db.session.rollback()  # input refused before any operation ran (json_body, query arguments)
    return jsonify(error="invalid input", errors=err.errors), 422


@bp.errorhandler(WorkflowRefused)
def _refused(err: WorkflowRefused):
    # transaction() has settled the session: rolled back, or the escalation the refusal raised kept.
    body = {"error": "refused", "rule": err.rule, "reasons": err.reasons}
    if err.escalation_id:
        body["escalation_id"] = err.escalation_id
    return jsonify(body), 409
