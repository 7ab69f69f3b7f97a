"""Escalations (the caller's levels, acknowledgement) and the archive's folders."""
from flask import jsonify, request
from flask_login import current_user

from ..archive.queries import folder_page, whole_number_arg
from ..errors import InvalidInput
from ..escalations.operations import acknowledge_escalation
from ..escalations.queries import visible_escalations
from ..governance import access
from ..governance.escalations import ESCALATION_LEVELS
from ..security import requires
from .blueprint import bp, choice_arg, committed, json_body
from .schemas import ArchiveEntryOut, EscalationOut


@bp.get("/escalations")
@requires(*access.READ_ESCALATIONS)
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
@requires(*access.READ_ESCALATIONS)
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
    return committed(lambda: EscalationOut().dump(acknowledge_escalation(escalation_id, user=current_user,
                                                                         note=body.get("note"))))


@bp.get("/archive/<folder>")
@requires(*access.READ_ARCHIVE)
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
