"""Workflow 2 end to end: open the recovery case, log attempts, dispose, and what follows."""
import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa

from pwa.extensions import db
from tests.support.payloads import attempt_payload, disposition_payload, open_payload
from tests.support.worlds import instructed_case, route_id


def test_a_worker_opens_logs_three_attempts_and_the_supervisor_disposes(auth, factory, now, time_machine):
    case_id = instructed_case(auth, factory)
    auth.login("olu")
    route = route_id(auth, case_id)
    opened = auth.post(f"/api/v1/recovery-cases/{case_id}/open", open_payload(route))
    assert opened.status_code == 200, opened.get_json()
    assert opened.get_json()["status"] == "open" and opened.get_json()["control_status"] == "met"
    time_machine.move_to(now + timedelta(minutes=10))
    ids = []
    for minutes, outcome in ((1, "no_answer"), (2, "no_answer"), (3, "reached")):
        body = attempt_payload(now + timedelta(minutes=minutes), outcome=outcome)
        created = auth.post(f"/api/v1/recovery-cases/{case_id}/attempts", body)
        assert created.status_code == 201, created.get_json()
        ids.append(created.get_json()["id"])
    replay = auth.post(f"/api/v1/recovery-cases/{case_id}/attempts", body)
    assert replay.status_code == 200 and replay.get_json()["id"] == ids[-1]
    auth.login("sade")
    disposed = auth.post(f"/api/v1/recovery-cases/{case_id}/disposition",
                         disposition_payload(route, evidence=[ids[-1]]))
    assert disposed.status_code == 201, disposed.get_json()
    detail = auth.get(f"/api/v1/recovery-cases/{case_id}").get_json()
    assert detail["status"] == "dispositioned"
    assert len(detail["attempts"]) == 3 and len(detail["dispositions"]) == 1


def test_an_attempt_after_the_disposition_is_kept_and_marked_late(auth, factory, now, time_machine):
    case_id = instructed_case(auth, factory)
    auth.login("olu")
    route = route_id(auth, case_id)
    auth.post(f"/api/v1/recovery-cases/{case_id}/open", open_payload(route))
    first = auth.post(f"/api/v1/recovery-cases/{case_id}/attempts", attempt_payload(now, outcome="reached")).get_json()
    auth.login("sade")
    assert auth.post(f"/api/v1/recovery-cases/{case_id}/disposition",
                     disposition_payload(route, evidence=[first["id"]])).status_code == 201
    auth.login("olu")
    time_machine.move_to(now + timedelta(minutes=10))
    late = auth.post(f"/api/v1/recovery-cases/{case_id}/attempts", attempt_payload(now + timedelta(minutes=5)))
    assert late.status_code == 201 and late.get_json()["late"] is True
    auth.login("sade")
    assert "late" in auth.get("/close-the-day").text


def test_a_later_disposition_supersedes_and_never_edits(auth, factory, now, app):
    case_id = instructed_case(auth, factory)
    auth.login("olu")
    route = route_id(auth, case_id)
    auth.post(f"/api/v1/recovery-cases/{case_id}/open", open_payload(route))
    auth.login("sade")
    first = auth.post(f"/api/v1/recovery-cases/{case_id}/disposition", disposition_payload(
        route, continuity_restored="no", locked_instruction="welfare_escalation")).get_json()
    second = auth.post(f"/api/v1/recovery-cases/{case_id}/disposition", disposition_payload(
        route, continuity_restored="no", locked_instruction="rebook",
        rebook_at=(now + timedelta(days=1)).isoformat())).get_json()
    assert second["supersedes_id"] == first["id"]
    assert second["rebooked_appointment_ref"]
    detail = auth.get(f"/api/v1/recovery-cases/{case_id}").get_json()
    assert [d["locked_instruction"] for d in detail["dispositions"]] == ["welfare_escalation", "rebook"]
    with app.app_context():
        from pwa.cases.models import Appointment
        rebooked = db.session.scalar(sa.select(Appointment).filter_by(appointment_ref=second["rebooked_appointment_ref"]))
        assert rebooked.scheduled_at.isoformat().startswith((now + timedelta(days=1)).astimezone(rebooked.scheduled_at.tzinfo).isoformat()[:16])


@pytest.mark.parametrize("detail, ok", [
    ("Offered Thursday 19 Nov at 14:00 with the same counsellor", True),
    ("Please call us back to rebook", False),
    ("Callback requested", False),
    ("Offered another slot next week sometime", False),
])
def test_a_slot_rescue_must_name_the_slot(auth, factory, now, detail, ok):
    case_id = instructed_case(auth, factory)
    auth.login("olu")
    auth.post(f"/api/v1/recovery-cases/{case_id}/open", open_payload(route_id(auth, case_id)))
    response = auth.post(f"/api/v1/recovery-cases/{case_id}/attempts", attempt_payload(now, rescue_detail=detail))
    assert response.status_code == (201 if ok else 422), response.get_json()
    if not ok:
        assert "rescue_detail" in response.get_json()["errors"]


def test_the_worker_screens_open_and_log_an_attempt(auth, factory, now):
    case_id = instructed_case(auth, factory, risk_flags=["crisis"])
    auth.login("olu")
    route = route_id(auth, case_id)
    assert "My day" in auth.get("/recovery").text
    page = auth.get(f"/recovery/{case_id}")
    assert page.status_code == 200 and "Open the recovery case" in page.text
    from conftest import csrf_from
    token = csrf_from(page.text)
    bad = auth.client.post(f"/recovery/{case_id}/open", data={"csrf_token": token, "recovery_priority_tier": "2"})
    assert bad.status_code == 422 and "must be tier 1" in bad.text
    good = auth.client.post(f"/recovery/{case_id}/open", data={
        "csrf_token": token, "recovery_priority_tier": "1", "approved_contact_route": str(route),
        "immediate_welfare_concern": "yes", "service_impact_score": "4",
        "next_checkpoint_date": (now.date() + timedelta(days=1)).isoformat()})
    assert good.status_code == 302, good.text[:500]
    page = auth.get(f"/recovery/{case_id}")
    assert "Log an attempt" in page.text
    saved = auth.client.post(f"/recovery/{case_id}/attempts", data={
        "csrf_token": csrf_from(page.text), "client_id": str(uuid.uuid4()),
        "attempt_at": now.strftime("%Y-%m-%dT%H:%M"), "channel": "phone_call", "outcome": "reached",
        "barrier_signal": "transport", "rescue_option": "transport_support",
        "rescue_detail": "Booked a taxi voucher for Thursday's session"})
    assert saved.status_code == 302, saved.text[:800]
    assert "Booked a taxi voucher" in auth.get(f"/recovery/{case_id}").text


def test_a_feed_update_that_drops_a_route_in_use_retires_it_and_keeps_the_recovery_record(app, auth, factory, now):
    """The schedule feed replaces a case's routes while a recovery case and its disposition point at them
    (an API fuzzer found this as a 500): the update answers 200, the old routes leave the case's routes on
    record, and the recovery records still show the route they used."""
    from pwa.accounts.operations import create_token

    case_id = instructed_case(auth, factory, risk_flags=["crisis"])
    auth.login("olu")
    route = route_id(auth, case_id)
    assert auth.post(f"/api/v1/recovery-cases/{case_id}/open", open_payload(route)).status_code == 200
    auth.login("sade")
    assert auth.post(f"/api/v1/recovery-cases/{case_id}/disposition",
                     disposition_payload(route, continuity_restored="no")).status_code == 201
    case_ref = auth.get(f"/api/v1/recovery-cases/{case_id}").get_json()["case_ref"]
    with app.app_context():
        token = create_token("feed", ["integration"])
        db.session.commit()
    feed = app.test_client()
    bearer = {"Authorization": f"Bearer {token}"}
    update = {"case_ref": case_ref, "risk_flags": ["safeguarding", "medication", "medication", "crisis"],
              "team": None, "contact_routes": [], "display_name": "è…"}
    response = feed.post("/api/v1/cases", headers=bearer, json=update)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["contact_routes"] == []
    recovery = auth.get(f"/api/v1/recovery-cases/{case_id}").get_json()
    assert recovery["approved_contact_route"] == route
    assert recovery["dispositions"][0]["replacement_contact_route"] == route
    assert recovery["contact_routes"] == []  # retired: no longer offered for a new attempt
    # The same route sent again is a route on record again; sending the update twice changes nothing.
    again = {**update, "contact_routes": [{"channel": "sms", "value": "+1 555 0199", "approved": True}]}
    first = feed.post("/api/v1/cases", headers=bearer, json=again).get_json()["contact_routes"]
    assert feed.post("/api/v1/cases", headers=bearer, json=again).get_json()["contact_routes"] == first
    assert [r["channel"] for r in first] == ["sms"]
