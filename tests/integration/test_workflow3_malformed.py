"""Malformed input on every workflow-3 endpoint: wrong types, missing fields, unknown enumerations,
unknown fields, huge strings, bad JSON and bad query parameters get a 422 naming the field, never a
500, and nothing is saved."""
import pytest

from tests.support.payloads import communication_body, determination_body
from tests.support.worlds import W3, review_counts

HUGE = "x" * 5000


@pytest.fixture
def world(app, auth, factory, now):
    w3 = W3(app, auth, factory)
    case_ref, review = w3.case_at_level()
    return w3, case_ref, review


def valid_bodies(w3, review):
    figures = w3.figures(review)
    return {
        "review": {"threshold_event_count": figures["threshold_event_count"]["value"],
                   "prior_recovery_completion_rate": None,
                   "service_side_disruption_count": 0, "continuity_risk_level": "low",
                   "next_checkpoint_date": "2026-12-01"},
        "determination": determination_body(),
        "communication": communication_body(),
        "restriction": {"kind": "warning", "source": "manual"},
        "policy": {"warning_count": 3, "step_up_count": 4, "closure_count": 5, "window_days": 60,
                   "count_service_side_failures": False},
    }


ENUMS = {"review": ["continuity_risk_level"],
         "determination": ["panel_decision", "barrier_remediation_status", "proportionality_result"],
         "communication": ["decision_explained", "objection_raised"],
         "restriction": ["kind", "source"], "policy": []}
TEXTS = {"determination": ["proportionality_rationale"],
         "communication": ["alternative_pathway_offered", "appeal_route_provided", "objection_detail"],
         "restriction": ["detail"], "policy": ["note"], "review": []}
WHO = {"review": "gina", "determination": "pat", "communication": "cora", "restriction": "ian", "policy": "ada"}


def cases(body_name, body):
    out = []
    for field in body:
        missing = {k: v for k, v in body.items() if k != field}
        out.append((f"missing {field}", missing, field))
        for bad in ([1], {"a": 1}, True if field not in ("count_service_side_failures",) else [True]):
            out.append((f"{field}={bad!r}", {**body, field: bad}, field))
    for field in ENUMS[body_name]:
        out.append((f"unknown {field}", {**body, field: "sometimes"}, field))
        out.append((f"null {field}", {**body, field: None}, field))
    for field in TEXTS[body_name]:
        out.append((f"huge {field}", {**body, field: HUGE}, field))
    out.append(("unknown field", {**body, "reviewer_id": 1}, "reviewer_id"))
    return out


def path_for(name, case_ref, review):
    return {"review": f"/api/v1/threshold-reviews/{review}/review",
            "determination": f"/api/v1/threshold-reviews/{review}/determination",
            "communication": f"/api/v1/threshold-reviews/{review}/communication",
            "restriction": f"/api/v1/cases/{case_ref}/restrictions",
            "policy": "/api/v1/threshold-policies"}[name]


@pytest.mark.parametrize("name", ["review", "determination", "communication", "restriction", "policy"])
def test_every_field_of_every_endpoint(world, app, name):
    w3, case_ref, review = world
    if name in ("determination", "communication"):
        w3.through(review, "3a" if name == "determination" else "3b")
    body = valid_bodies(w3, review)[name]
    path = path_for(name, case_ref, review)
    before = review_counts(app)
    failures = []
    for label, payload, field in cases(name, body):
        response = w3.post(path, payload, WHO[name])
        errors = (response.get_json() or {}).get("errors", {})
        if response.status_code != 422 or field not in errors:
            failures.append(f"{label}: {response.status_code} {errors}")
    for raw in (b"{", b"[1, 2]", b'"text"', b"", b'{"a": "\\u0000"}', b"\xff\xfe"):
        w3.as_user(WHO[name])
        response = w3.auth.client.post(path, data=raw, content_type="application/json", headers=w3.auth.headers())
        if response.status_code != 422 or not response.get_json().get("errors"):
            failures.append(f"raw {raw!r}: {response.status_code}")
    assert not failures, "\n".join(failures)
    assert review_counts(app) == before


def test_bad_ids_refs_and_query_parameters(world):
    w3, case_ref, review = world
    assert w3.get("/api/v1/threshold-reviews?status=nope").status_code == 422
    assert "status" in w3.get("/api/v1/threshold-reviews?status=nope").get_json()["errors"]
    assert w3.get("/api/v1/threshold-reviews/999999").status_code == 404
    assert w3.get("/api/v1/threshold-reviews/99999999999999").status_code == 404
    assert w3.post("/api/v1/threshold-reviews/999999/review", {}, "gina").status_code == 404
    assert w3.post("/api/v1/cases/NOPE/restrictions", {"kind": "warning", "source": "manual"}, "ian").status_code == 404
    assert w3.post("/api/v1/cases/" + "x" * 300 + "/restrictions", {}, "ian").status_code == 404
    for week in ("2026-13-01", "tomorrow", "0001-01-01", "2026-11-1", "9" * 50):
        response = w3.get(f"/api/v1/governance/weekly?week={week}", "evan")
        assert response.status_code == 422 and "week" in response.get_json()["errors"], week
    assert w3.get("/api/v1/governance/weekly?week=2026-11-17", "evan").status_code == 200
