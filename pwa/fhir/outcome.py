"""OperationOutcome answers: every refusal the adapter gives, each issue with the path of the element at
fault (FHIRPath, e.g. `Bundle.entry[2].resource.start`), and the fhir+json response."""
import json

from flask import Response
from fhir.resources.R4B.operationoutcome import OperationOutcome

FHIR_JSON = "application/fhir+json"


class FhirError(Exception):
    """A refusal as an OperationOutcome: `issues` are (code, path or None, text)."""

    def __init__(self, status: int, issues: list[tuple[str, str | None, str]]):
        super().__init__("; ".join(text for _, _, text in issues))
        self.status = status
        self.issues = issues


def invalid(path: str | None, text: str, status: int = 400) -> FhirError:
    return FhirError(status, [("invalid", path, text)])


def outcome(issues: list[tuple[str, str | None, str]], severity: str = "error") -> OperationOutcome:
    return OperationOutcome(issue=[
        {"severity": severity, "code": code, "diagnostics": text, **({"expression": [path]} if path else {})}
        for code, path, text in issues])


def fhir_response(resource, status: int = 200, headers: dict | None = None) -> Response:
    body = resource.model_dump_json(exclude_none=True)
    return Response(body, status=status, mimetype=FHIR_JSON, headers=headers or {})


def error_response(err: FhirError) -> Response:
    return fhir_response(outcome(err.issues), err.status)


def plain_error(status: int, code: str, text: str) -> Response:
    """For the app's own hooks (sign-in, CSRF) that answer before a FHIR view runs."""
    return Response(json.dumps({"resourceType": "OperationOutcome", "issue": [
        {"severity": "error", "code": code, "diagnostics": text}]}), status=status, mimetype=FHIR_JSON)
