"""Malformed input to POST /fhir: every refusal is an OperationOutcome naming the element at fault, nothing
is kept, and nothing produces a 500."""
import copy
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from tests.support.fhir import FHIR_JSON, Ehr, appointment, patient, transaction
from tests.support.worlds import workflow_counts

START = datetime(2026, 11, 20, 15, 0, tzinfo=timezone.utc)


def _valid() -> dict:
    return transaction(patient("C-M1", worker=None), appointment("A-M1", "C-M1", START))


def _set(body, path, value):
    target = body
    for key in path[:-1]:
        target = target[key]
    if value is KeyError:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return body


APPT = ("entry", 1, "resource")
PAT = ("entry", 0, "resource")
CASES = [
    ((), [1, 2], "Bundle", 400),
    (("resourceType",), "Patient", "Bundle", 400),
    (("type",), "batch", "Bundle.type", 400),
    (("entry",), [], "Bundle.entry", 400),
    (("entry",), "x", "Bundle.entry", 400),
    (("entry", 0, "resource", "resourceType"), "Observation", "Bundle.entry[0].resource", 400),
    (("entry", 0, "request"), KeyError, "Bundle.entry[0].request.method", 400),
    (("entry", 0, "request", "method"), "DELETE", "Bundle.entry[0].request.method", 400),
    ((*APPT, "start"), "tomorrow", "Bundle.entry[1].resource.start", 400),
    ((*APPT, "start"), KeyError, "Bundle.entry[1].resource.start", 422),
    ((*APPT, "minutesDuration"), "sixty", "Bundle.entry[1].resource.minutesDuration", 400),
    ((*APPT, "minutesDuration"), 9000, "Bundle.entry[1].resource.minutesDuration", 422),
    ((*APPT, "status"), "entered-in-error", "Bundle.entry[1].resource.status", 422),
    ((*APPT, "identifier"), [], "Bundle.entry[1].resource.identifier", 422),
    ((*APPT, "identifier", 0, "value"), "has space", "Bundle.entry[1].resource.identifier", 422),
    ((*APPT, "participant"), [{"status": "accepted"}], "Bundle.entry[1].resource.participant", 422),
    ((*APPT, "participant", 0, "actor", "reference"), "Patient/C-NOBODY", "Bundle.entry[1].resource.participant", 422),
    ((*APPT, "serviceType"), KeyError, "Bundle.entry[1].resource.serviceType", 422),
    ((*APPT, "extension"), [{"url": "https://continuity.example.org/fhir/StructureDefinition/modality",
                             "valueCode": "teleport"}], "Bundle.entry[1].resource.extension", 422),
    ((*APPT, "colour"), "blue", "Bundle.entry[1].resource.colour", 400),
    ((*PAT, "identifier"), [{"system": "urn:other", "value": "1"}], "Bundle.entry[0].resource.identifier", 422),
    ((*PAT, "name"), [], "Bundle.entry[0].resource.name", 422),
    ((*PAT, "telecom", 0, "system"), "pager", "Bundle.entry[0].resource.telecom", 422),
    ((*PAT, "generalPractitioner"), [{"identifier": {"system": "https://continuity.example.org/fhir/sid/username",
                                                     "value": "nobody"}}],
     "Bundle.entry[0].resource.generalPractitioner", 422),
    ((*PAT, "name", 0, "family"), "Riv\x00era", "Bundle.entry[0].resource.name[0].family", 400),
]


@pytest.mark.parametrize("path, value, element, status", CASES)
def test_each_bad_element_is_named_and_nothing_is_kept(app, path, value, element, status):
    ehr = Ehr(app)
    before = workflow_counts(app)
    body = value if not path else _set(_valid(), path, value)
    response = ehr.post(body)
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == FHIR_JSON
    outcome = response.get_json()
    assert outcome["resourceType"] == "OperationOutcome"
    assert element in [path for issue in outcome["issue"] for path in issue.get("expression", [])], outcome
    assert workflow_counts(app) == before


@pytest.mark.parametrize("raw", [b"", b"{", b"null", b'"Bundle"', b"[" * 5000 + b"]" * 5000, b"\xff\xfe"])
def test_a_body_that_is_not_a_json_object_is_refused(app, raw):
    ehr = Ehr(app)
    response = ehr.client.post("/fhir", data=raw, headers={**ehr.headers(), "Content-Type": FHIR_JSON})
    assert response.status_code == 400 and response.get_json()["resourceType"] == "OperationOutcome"


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
                    max_leaves=8)
FIELDS = ["status", "start", "end", "minutesDuration", "identifier", "participant", "serviceType", "extension",
          "comment", "cancelationReason"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(field=st.sampled_from(FIELDS), value=JSON, which=st.sampled_from([0, 1]))
def test_any_value_in_any_element_is_never_a_500(app, field, value, which):
    ehr = Ehr(app, name=f"ehr-{abs(hash((field, repr(value), which))) % 10**9}")
    body = copy.deepcopy(_valid())
    body["entry"][which]["resource"][field] = value
    response = ehr.post(body)
    assert response.status_code in (200, 400, 409, 422), response.get_data(as_text=True)
    assert response.mimetype == FHIR_JSON
