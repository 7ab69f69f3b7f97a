"""Workflow 1 end to end through the JSON API: open, classify, return, evidence, release."""
import sqlalchemy as sa

from pwa.extensions import db
from tests.support.payloads import classification_payload, event_payload, release_payload


def test_an_event_goes_from_queue_to_release_and_instructs_recovery(auth, factory, now, app):
    auth.user("cora", "coordinator")
    auth.user("sam", "attendance_supervisor")
    worker = auth.user("olu", "outreach_worker")
    case_ref = factory.case(risk_flags=["medication"], worker="olu")
    appointment = factory.appointment(case_ref)

    auth.login("cora")
    opened = auth.post("/api/v1/missed-contacts", event_payload(appointment))
    assert opened.status_code == 201, opened.get_json()
    event = opened.get_json()
    assert event["status"] == "queued"
    assert event["control_status"] == "met"
    assert event["classification_due_at"].startswith("2026-11-17T17:00:0")  # 10:00 + 2 business hours, New York

    auth.login("sam")
    classified = auth.post(f"/api/v1/missed-contacts/{event['id']}/classification", classification_payload())
    assert classified.status_code == 201, classified.get_json()
    assert classified.get_json()["missed_contact_status"] == "confirmed"

    auth.login("cora")
    released = auth.post(f"/api/v1/missed-contacts/{event['id']}/release", release_payload())
    assert released.status_code == 201, released.get_json()
    body = released.get_json()
    assert body["permanent_code"] == "NS-ACCESS"
    assert body["recovery_case_id"]

    auth.login("olu")
    recovery = auth.get(f"/api/v1/recovery-cases/{body['recovery_case_id']}").get_json()
    assert recovery["status"] == "instructed"
    assert recovery["high_risk"] is True
    assert recovery["assigned_outreach_worker"] == "olu"
    # High-risk: 15 minutes (wall clock) from the instruction.
    from datetime import datetime
    instructed = datetime.fromisoformat(recovery["instructed_at"])
    due = datetime.fromisoformat(recovery["open_due_at"])
    assert (due - instructed).total_seconds() == 15 * 60

    with app.app_context():
        from pwa.intake.models import AttendanceCode
        code = db.session.scalar(sa.select(AttendanceCode))
        assert code.code == "NS-ACCESS"
    assert worker
