"""GET /api/v1/openapi.json: built by apispec from the marshmallow schemas and the YAML in each
endpoint's docstring, so the document cannot drift from the code."""
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
        "ArchiveEntryOut", "ArchivePageOut", "ErrorOut",
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
    for rule in current_app.url_map.iter_rules():
        if rule.endpoint.startswith("api.") and rule.endpoint != "api.openapi_document":
            spec.path(view=current_app.view_functions[rule.endpoint], app=current_app)
    return spec.to_dict()


@bp.get("/openapi.json")
def openapi_document():
    ext = current_app.extensions
    if "continuity.openapi" not in ext:
        ext["continuity.openapi"] = build_spec()
    return jsonify(ext["continuity.openapi"])
