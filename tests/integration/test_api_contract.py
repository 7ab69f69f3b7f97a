"""What schemathesis found against the OpenAPI document, each pinned by hand: valid requests answered, a 405 that
names the allowed methods, and the statuses the API gives documented on its operations."""
import pytest


def test_an_empty_filter_is_no_filter(app, auth, now):
    auth.as_role("manager")
    response = auth.get("/api/v1/escalations?status=acknowledged&level=")
    assert response.status_code == 200, response.get_json()
    assert auth.get("/api/v1/escalations?status=&level=").status_code == 200
    assert auth.get("/api/v1/escalations?level=nobody").status_code == 422


@pytest.mark.parametrize("path", ["/api/v1/escalations", "/escalations", "/api/v1/session"])
def test_trace_is_405_with_an_allow_header(client, path):
    response = client.open(path, method="TRACE")
    assert response.status_code == 405
    allowed = {m.strip() for m in response.headers["Allow"].split(",")}
    assert "GET" in allowed and "TRACE" not in allowed


def test_the_document_lists_the_statuses_every_operation_can_give(client):
    document = client.get("/api/v1/openapi.json").get_json()
    paths = document["paths"]
    recovery = paths["/api/v1/recovery-cases/{case_id}"]["get"]["responses"]
    assert {"400", "401", "403", "404"} <= set(map(str, recovery))
    acknowledge = paths["/api/v1/escalations/{escalation_id}/acknowledge"]["post"]
    assert {"400", "401", "403", "404", "409", "422"} <= set(map(str, acknowledge["responses"]))
    assert acknowledge["requestBody"]["required"] is True
    session = paths["/api/v1/session"]["post"]["responses"]
    assert {"401", "415", "422", "429"} <= set(map(str, session))
    assert "409" in map(str, paths["/api/v1/push/subscriptions"]["post"]["responses"])  # another user's endpoint
