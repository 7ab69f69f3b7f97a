"""GET /api/v1/access-records: who has seen a person's record, and when (auditors)."""
from flask import jsonify, request

from ..access_log.record import AUDITORS, accesses
from ..archive.queries import whole_number_arg
from ..errors import InvalidInput
from ..security import requires
from .blueprint import bp
from .schemas import AccessPageOut


@bp.get("/access-records")
@requires(*AUDITORS)
def access_records():
    """Every read of one person's data, newest first, paged.
    ---
    get:
      tags: [audit]
      parameters:
        - {name: case_ref, in: query, required: true, schema: {type: string, minLength: 1, maxLength: 64}}
        - {name: page, in: query, schema: {type: integer, minimum: 1, maximum: 999999}}
        - {name: per_page, in: query, schema: {type: integer, minimum: 1, maximum: 500}}
      responses:
        200: {content: {application/json: {schema: AccessPageOut}}}
        401: {content: {application/json: {schema: ErrorOut}}}
        403: {content: {application/json: {schema: ErrorOut}}}
        422: {content: {application/json: {schema: ErrorOut}}}
    """
    case_ref = request.args.get("case_ref", "")
    errors = {}
    if not case_ref or len(case_ref) > 64:
        errors["case_ref"] = ["Give the case reference (1 to 64 characters)."]
    page = whole_number_arg(request.args.get("page", "1"), 999_999)
    per_page = whole_number_arg(request.args.get("per_page", "50"), 500)
    if page is None:
        errors["page"] = ["Give a whole number from 1."]
    if per_page is None:
        errors["per_page"] = ["Give a whole number from 1 to 500."]
    if errors:
        raise InvalidInput(errors)
    items, total = accesses(case_ref, page, per_page)
    return jsonify(AccessPageOut().dump({"case_ref": case_ref, "page": page, "per_page": per_page, "total": total,
                                         "items": items}))
