"""GET /api/v1/openapi.json: built by apispec from the marshmallow schemas and the YAML in each
endpoint's docstring, so the document cannot drift from the code."""
import re

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from apispec.ext.marshmallow.common import resolve_schema_cls
from apispec_webframeworks.flask import FlaskPlugin
from flask import current_app, jsonify
from marshmallow import Schema
from sync.envelope import BatchInput, EntryInput

from ..cases.schemas import AppointmentInput, AttendanceSignalInput, CaseInput
from ..intake.schemas import AttendanceCodeInput, ClassificationInput, EvidenceInput, MissedContactInput, ReleaseInput
from ..outcomes import schemas as outcome_schemas
from ..push.schemas import SubscriptionInput, SubscriptionKeysInput, UnsubscribeInput
from ..recovery.schemas import (
    AbsenceNoticeInput, ArrivalInput, AttemptInput, CloseRecoveryInput, DispositionInput, ExceptionDecisionInput,
    OpenRecoveryInput,
)
from ..support.schemas import ResolveSupportInput
from ..review.schemas import (
    CommunicationInput, DeterminationInput, RestrictionInput, ThresholdPolicyInput, ThresholdReviewInput,
)
from . import schemas
from .blueprint import bp

COMPONENTS = {
    "CaseInput": CaseInput, "AppointmentInput": AppointmentInput, "AttendanceSignalInput": AttendanceSignalInput,
    "MissedContactInput": MissedContactInput, "ClassificationInput": ClassificationInput,
    "EvidenceInput": EvidenceInput, "ReleaseInput": ReleaseInput, "AttendanceCodeInput": AttendanceCodeInput,
    "OpenRecoveryInput": OpenRecoveryInput, "AttemptInput": AttemptInput, "DispositionInput": DispositionInput,
    "ExceptionDecisionInput": ExceptionDecisionInput, "CloseRecoveryInput": CloseRecoveryInput,
    "ArrivalInput": ArrivalInput, "AbsenceNoticeInput": AbsenceNoticeInput, "ResolveSupportInput": ResolveSupportInput,
    "ThresholdPolicyInput": ThresholdPolicyInput, "ThresholdReviewInput": ThresholdReviewInput,
    "DeterminationInput": DeterminationInput, "CommunicationInput": CommunicationInput,
    "RestrictionInput": RestrictionInput,
    "SubscriptionKeysInput": SubscriptionKeysInput, "SubscriptionInput": SubscriptionInput,
    "UnsubscribeInput": UnsubscribeInput,
    "SyncEntryInput": EntryInput, "SyncBatchInput": BatchInput,
    **{name: getattr(schemas, name) for name in (
        # Nested schemas before the schemas that nest them.
        "UserOut", "SessionOut", "ContactRouteOut", "CaseOut", "AppointmentOut", "ClassificationOut",
        "EvidenceOut", "ReleaseOut", "MissedContactOut", "AttendanceCodeOut", "RouteOut", "RecoveryCaseOut",
        "AttemptOut", "DispositionOut", "RecoveryCaseDetailOut", "EscalationOut",
        "ArchiveEntryOut", "ArchivePageOut", "ErrorOut", "AccessRecordOut", "AccessPageOut",
        "ThresholdPolicyOut", "EventRecordOut", "RecoveryRecordOut", "EventFigureOut", "RateFigureOut",
        "LatestDispositionOut", "FiguresOut", "DeterminationOut", "CommunicationOut", "RestrictionOut",
        "ThresholdReviewOut", "ThresholdReviewDetailOut", "BreachOut", "WeeklyGovernanceOut",
        "PushPublicKeyOut", "PushSubscriptionOut", "SyncResultOut", "SyncOut", "SupportRequestOut")},
    # GET /api/v1/outcomes, nested schemas first.
    **{name: getattr(outcome_schemas, name) for name in (
        "OutcomeFiltersOut", "OutcomeValueOut", "OutcomeFigureOut", "EscalationLevelOut", "OutcomeGroupOut",
        "OutcomeBreakdownOut", "OutcomeBucketOut", "OutcomeTrendOut", "OutcomesOut")},
}


def schema_name(schema) -> str | None:
    """Component name = class name; a schema narrowed with only/exclude is inlined instead."""
    if isinstance(schema, Schema) and (schema.only or schema.exclude):
        return None
    return resolve_schema_cls(schema).__name__


def build_spec() -> dict:
    spec = APISpec(
        title="Continuity API", version="1.0.0", openapi_version="3.0.3",
        plugins=[FlaskPlugin(), MarshmallowPlugin(schema_name_resolver=schema_name)],
        info={"description": "Governed missed-contact response. Session cookie + X-CSRFToken, or a bearer token."},
    )
    spec.components.security_scheme("cookie", {"type": "apiKey", "in": "cookie", "name": "session"})
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    for name, schema in COMPONENTS.items():
        spec.components.schema(name, schema=schema)
    views = {}
    for rule in current_app.url_map.iter_rules():
        if rule.endpoint.startswith("api.") and rule.endpoint != "api.openapi_document":
            spec.path(view=current_app.view_functions[rule.endpoint], app=current_app)
            views[re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)] = current_app.view_functions[rule.endpoint]
    document = spec.to_dict()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if method in ("get", "post", "put", "patch", "delete"):
                _common_answers(path, method, operation, views.get(path))
    return document


ERROR = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}}
COMMON = {
    "400": "A NUL character in the address or query, or (with the session cookie) a missing CSRF token",
    "401": "Not signed in (no session, or no valid bearer token)",
    "403": "The role or the ownership of the record does not allow it",
    "404": "No such record",
    "422": "Bad input: the errors name each field",
}


def _common_answers(path: str, method: str, operation: dict, view) -> None:
    """The answers every operation can give by the app's shared rules (pwa.security, pwa.api), documented on
    each so that a client (and schemathesis) can rely on the document: 400 for a NUL character or a missing
    CSRF token, 401 and 403 on routes that check the role, 404 where the path names a record, 422 where a
    body or query is read. A request body is always required (json_body refuses an empty one)."""
    responses = operation.setdefault("responses", {})
    wanted = ["400"]
    if getattr(view, "allowed_roles", None) is not None:
        wanted += ["401", "403"]
    if "{" in path:
        wanted.append("404")
    if "requestBody" in operation or operation.get("parameters") or method != "get":
        wanted.append("422")
    for status in wanted:
        if status not in responses and int(status) not in responses:
            responses[status] = {"description": COMMON[status], **ERROR}
    if "requestBody" in operation:
        operation["requestBody"]["required"] = True


@bp.get("/openapi.json")
def openapi_document():
    ext = current_app.extensions
    if "continuity.openapi" not in ext:
        ext["continuity.openapi"] = build_spec()
    return jsonify(ext["continuity.openapi"])
