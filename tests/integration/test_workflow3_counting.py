"""The 3a figures against the archive: mixed classifications, service-side failures counted or not
per policy, events outside the window, recovery completion from the rescue records; and a policy
change that does not rewrite past reviews."""
import json

import sqlalchemy as sa

from pwa.extensions import db
import pytest
from tests.support.worlds import W3, review_counts


@pytest.fixture
def w3(app, auth, factory, now):
    return W3(app, auth, factory)


def archive_codes(app, case_ref) -> list[dict]:
    """The codes the archive holds for the case (attendance-status folder, code_applied entries)."""
    from pwa.archive.models import ArchiveEntry
    with app.app_context():
        rows = [(e.seq, json.loads(e.record)) for e in db.session.scalars(sa.select(ArchiveEntry).filter_by(
            folder="attendance-status", action="code_applied", case_ref=case_ref).order_by(ArchiveEntry.seq))]
        db.session.remove()
    return [{"seq": seq, **record} for seq, record in rows]


def test_figures_match_the_archive_for_mixed_classifications_and_the_window(w3, app):
    case_ref = w3.factory.case(worker="olu")
    # Outside the 60-day window: never counted, never shown.
    w3.released(case_ref, "person_refusal", days_ago=75)
    w3.released(case_ref, "service_side_failure", days_ago=61)
    # Inside: 2 refusals, 1 access barrier, 2 service-side failures (outreach for two, one disposed).
    w3.released(case_ref, "service_side_failure", days_ago=50)
    w3.released(case_ref, "access_barrier", days_ago=40, route="outreach", dispose=0)
    w3.released(case_ref, "service_side_failure", days_ago=20, route="outreach")
    w3.released(case_ref, "person_refusal", days_ago=10)
    w3.released(case_ref, "person_refusal", days_ago=1)
    review = w3.review_id(case_ref)
    figures = w3.figures(review)
    assert figures["policy"]["version"] == 1 and figures["policy"]["count_service_side_failures"] is False
    assert figures["threshold_event_count"]["value"] == 3
    assert sorted(r["final_classification"] for r in figures["threshold_event_count"]["records"]) == \
        ["access_barrier", "person_refusal", "person_refusal"]
    assert figures["service_side_disruption_count"]["value"] == 2
    assert {r["counted"] for r in figures["service_side_disruption_count"]["records"]} == {False}
    rate = figures["prior_recovery_completion_rate"]
    assert (rate["completed"], rate["total"], rate["value"]) == (1, 2, 50)
    assert all(r["archive_seq"] for r in rate["records"])
    # Each event record links to the archive entry that holds its code, and the archive agrees.
    archived = {a["seq"]: a for a in archive_codes(app, case_ref)}
    shown = figures["events"]
    assert len(shown) == 5 and len(archived) == 7
    for record in shown:
        entry = archived[record["archive_seq"]]
        assert entry["code"] == record["permanent_code"] and entry["id"]
    in_window = [a for a in archived.values() if a["id"] in {r["archive_seq"] and
                                                             archived[r["archive_seq"]]["id"] for r in shown}]
    assert sum(1 for a in in_window if a["code"] != "NS-SERVICE") == figures["threshold_event_count"]["value"]
    assert sum(1 for a in in_window if a["code"] == "NS-SERVICE") == figures["service_side_disruption_count"]["value"]
    # The governance lead's entry equal to the archive is accepted.
    assert w3.review(review).status_code == 200


def test_service_side_failures_count_when_the_policy_says_so(w3):
    created = w3.post("/api/v1/threshold-policies", {"warning_count": 3, "step_up_count": 4, "closure_count": 5,
                                                     "window_days": 60, "count_service_side_failures": True}, "ada")
    assert created.status_code == 201 and created.get_json()["version"] == 2
    case_ref, review = w3.case_at_level(("service_side_failure", "person_refusal", "service_side_failure"))
    assert review is not None
    figures = w3.figures(review)
    assert figures["policy"]["version"] == 2
    assert figures["threshold_event_count"]["value"] == 3
    assert figures["service_side_disruption_count"]["value"] == 2


def test_no_recovery_case_gives_no_rate(w3):
    _case, review = w3.case_at_level()
    rate = w3.figures(review)["prior_recovery_completion_rate"]
    assert rate == {"value": None, "completed": 0, "total": 0, "records": []}
    assert w3.review(review, prior_recovery_completion_rate=0).status_code == 422
    assert w3.review(review).status_code == 200


def test_a_policy_change_does_not_rewrite_past_reviews(w3):
    case_ref, review = w3.case_at_level(("person_refusal", "service_side_failure", "person_refusal",
                                         "person_refusal"))
    before = w3.read(review).get_json()
    assert before["level"] == "warning" and before["policy_version"] == 1
    assert w3.review(review).status_code == 200
    done = w3.read(review).get_json()
    # Policy 2: a 10-day window, service-side failures counted, lower levels.
    created = w3.post("/api/v1/threshold-policies", {"warning_count": 2, "step_up_count": 3, "closure_count": 4,
                                                     "window_days": 10, "count_service_side_failures": "yes",
                                                     "note": "Pilot"}, "ada")
    assert created.status_code == 201
    after = w3.read(review).get_json()
    assert after["policy_version"] == 1
    assert after["figures"] == done["figures"]
    for name in ("threshold_event_count", "prior_recovery_completion_rate", "service_side_disruption_count",
                 "window_start", "window_end", "level"):
        assert after[name] == done[name]
    policies = w3.get("/api/v1/threshold-policies", "gina").get_json()
    assert [p["version"] for p in policies["items"]] == [2, 1] and policies["current"]["version"] == 2
    assert policies["items"][1]["window_days"] == 60


@pytest.mark.parametrize("body, field", [
    ({"warning_count": 3, "step_up_count": 3, "closure_count": 5}, "step_up_count"),
    ({"warning_count": 3, "step_up_count": 4, "closure_count": 4}, "closure_count"),
    ({"warning_count": 0, "step_up_count": 4, "closure_count": 5}, "warning_count"),
    ({"window_days": 0}, "window_days"),
    ({"count_service_side_failures": None}, "count_service_side_failures"),
    ({"count_service_side_failures": "maybe"}, "count_service_side_failures"),
])
def test_policy_validation(w3, app, body, field):
    full = {"warning_count": 3, "step_up_count": 4, "closure_count": 5, "window_days": 60,
            "count_service_side_failures": False, **body}
    before = review_counts(app)
    response = w3.post("/api/v1/threshold-policies", full, "ada")
    assert response.status_code == 422 and field in response.get_json()["errors"], response.get_json()
    assert review_counts(app) == before
