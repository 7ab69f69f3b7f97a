"""/fhir: the CapabilityStatement, transaction Bundles in, searchset Bundles out (application/fhir+json).
Role checks are the app's (`requires`), with bearer tokens for systems and CSRF for cookie sessions."""
import logging
from datetime import datetime, timezone
from urllib.parse import urlencode

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from flask import Blueprint, request
from flask_login import current_user
from werkzeug.exceptions import BadRequest, HTTPException

from ..access_log.record import note_reads
from ..extensions import db
from ..governance import access
from ..security import requires
from ..transaction import transaction
from . import inbound, outbound, search
from .outcome import FhirError, error_response, fhir_response, invalid, outcome

bp = Blueprint("fhir", __name__, url_prefix="/fhir")
log = logging.getLogger("continuity.fhir")

# resource: (its statuses or None, the search, the resource of a row, the person (case_ref) a row is about)
SEARCHES = {
    "Appointment": (search.APPOINTMENT_STATUSES, search.appointments,
                    lambda row: outbound.appointment_resource(row[0], bool(row[1])), lambda row: row[0].case.case_ref),
    "Task": (search.TASK_STATUSES, search.tasks, lambda row: outbound.task_resource(row[0], row[1]),
             lambda row: row[0].case.case_ref),
    "Communication": (search.COMMUNICATION_STATUSES, search.communications,
                      lambda row: outbound.communication_resource(row[0]),
                      lambda row: row[0].recovery_case.case.case_ref),
    "Provenance": (None, search.provenances, lambda row: outbound.provenance_resource(*row),
                   lambda row: row[1].recovery_case.case.case_ref),
    "AuditEvent": (None, search.audit_events, lambda row: outbound.audit_event_resource(row[0], row[1]),
                   lambda row: row[0].case_ref),
}


@bp.get("/metadata")
def metadata():
    """What the server supports, for anyone (no personal data)."""
    params = [{"name": "patient", "type": "reference"}, {"name": "_lastUpdated", "type": "date"},
              {"name": "_count", "type": "number"}]
    resources = [{"type": kind, "interaction": [{"code": "search-type"}],
                  "searchParam": params + ([{"name": "status", "type": "token"}] if statuses else [])}
                 for kind, (statuses, *_) in SEARCHES.items()]
    resources.append({"type": "Patient", "documentation": "Written through transaction Bundles (the case feed)."})
    statement = CapabilityStatement(
        status="active", date=datetime.now(timezone.utc).date().isoformat(), kind="instance",
        fhirVersion="4.0.1", format=["application/fhir+json", "json"], publisher="Continuity",
        implementation={"description": "Continuity FHIR adapter", "url": request.url_root.rstrip("/") + "/fhir"},
        rest=[{"mode": "server", "resource": resources, "interaction": [{"code": "transaction"}],
               "security": {"description": "Bearer token (integration, auditor roles) or a signed-in session "
                                           "with its CSRF token for writes."}}])
    return fhir_response(statement)


@bp.post("")
@requires(*access.FHIR_WRITE)
def transaction_bundle():
    """A transaction Bundle of Patient and Appointment: all of it or none of it."""
    try:
        body = request.get_json(force=True, silent=False)
    except (BadRequest, RecursionError):
        raise invalid("Bundle", "The body is not valid JSON.") from None
    bundle = inbound.parse_bundle(body)
    with transaction():
        answers = inbound.apply_bundle(bundle, current_user)
    response = Bundle(type="transaction-response", entry=[
        {"response": {"status": "201 Created" if a["created"] else "200 OK", "location": a["location"]}}
        for a in answers])
    return fhir_response(response)


@bp.get("/<kind>")
@requires(*access.FHIR_READ)
def search_type(kind):
    if kind not in SEARCHES:
        raise FhirError(404, [("not-supported", None, f"No search on {kind}: supported are "
                               + ", ".join(SEARCHES) + ".")])
    statuses, run, build, person = SEARCHES[kind]
    query = search.parse(request.args, statuses)
    page = run(query)
    note_reads(person(row) for row in page.rows)  # the access record: who read whose data, by FHIR too
    base = request.url_root.rstrip("/") + "/fhir"
    bundle = Bundle(type="searchset", total=page.total, link=_links(base, kind, query, page.total), entry=[
        {"fullUrl": f"{base}/{kind}/{resource.id}", "resource": resource, "search": {"mode": "match"}}
        for resource in map(build, page.rows)])
    return fhir_response(bundle)


def _links(base: str, kind: str, query: search.Query, total: int) -> list[dict]:
    kept = [(k, v) for k, v in request.args.items(multi=True) if k not in ("_count", "_offset")]

    def url(offset):
        return f"{base}/{kind}?" + urlencode(kept + [("_count", query.count), ("_offset", offset)])

    links = [{"relation": "self", "url": url(query.offset)}]
    if query.offset + query.count < total:
        links.append({"relation": "next", "url": url(query.offset + query.count)})
    if query.offset > 0:
        links.append({"relation": "previous", "url": url(max(query.offset - query.count, 0))})
    return links


@bp.errorhandler(FhirError)
def _fhir_error(err: FhirError):
    db.session.rollback()
    return error_response(err)


@bp.errorhandler(HTTPException)
def _http(err: HTTPException):
    code = {401: "login", 403: "forbidden", 404: "not-found", 405: "not-supported"}.get(err.code, "processing")
    return fhir_response(outcome([(code, None, err.description or err.name)]), err.code or 400)


@bp.errorhandler(Exception)
def _unexpected(err):
    db.session.rollback()
    log.exception("unexpected error on %s %s", request.method, request.path)
    return fhir_response(outcome([("exception", None, "The error was logged. Nothing was saved.")]), 500)

