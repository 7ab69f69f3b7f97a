"""The live schedule, virtual-session attendance signals and the coordinator's today list."""
from datetime import timedelta

import pytest
from tests.support.payloads import event_payload



@pytest.fixture
def feed(app, client):
    from pwa.accounts.operations import create_token
    from pwa.extensions import db

    with app.app_context():
        token = create_token("feed", ["integration"])
        db.session.commit()
    return {"Authorization": f"Bearer {token}"}


def _virtual(client, feed, now, minutes_ago, ref="V-1"):
    client.post("/api/v1/cases", headers=feed, json={"case_ref": "C-1", "display_name": "Robin Lee",
                                                      "risk_flags": [], "contact_routes": []})
    at = (now - timedelta(minutes=minutes_ago)).isoformat()
    response = client.post("/api/v1/appointments", headers=feed, json={
        "appointment_ref": ref, "case_ref": "C-1", "scheduled_at": at, "service": "IOP group therapy",
        "modality": "virtual", "duration_minutes": 60})
    assert response.status_code in (200, 201), response.get_json()
    return response.get_json()


def test_a_virtual_session_with_no_join_is_a_detected_miss_after_the_grace(client, feed, now):
    assert _virtual(client, feed, now, 10)["miss_detected_at"] is None
    detected = _virtual(client, feed, now, 20, ref="V-2")
    assert detected["detected_event_type"] == "virtual_no_join"
    assert detected["event_due_at"].startswith("2026-11-17T15:25")  # start + 15 min grace + 30 min


@pytest.mark.parametrize("stayed_minutes, expected", [(20, "left_early"), (44, "left_early"), (46, None)])
def test_leaving_before_the_configured_share_is_a_detected_miss(client, feed, now, stayed_minutes, expected):
    appointment = _virtual(client, feed, now, 50)
    start = now - timedelta(minutes=50)
    signal = client.post("/api/v1/appointments/V-1/attendance", headers=feed, json={
        "joined_at": start.isoformat(), "left_at": (start + timedelta(minutes=stayed_minutes)).isoformat()})
    assert signal.status_code == 200, signal.get_json()
    assert signal.get_json()["detected_event_type"] == expected
    assert appointment["appointment_ref"] == "V-1"


def test_an_unknown_appointment_signal_is_404(client, feed, now):
    response = client.post("/api/v1/appointments/NOPE/attendance", headers=feed,
                           json={"joined_at": now.isoformat()})
    assert response.status_code == 404


def test_today_lists_detected_misses_with_time_left_until_an_event_exists(auth, factory, now):
    auth.user("cora", "coordinator")
    waiting = factory.appointment(minutes_ago=20)
    overdue = factory.appointment(minutes_ago=70)
    not_yet = factory.appointment(minutes_ago=5)
    auth.login("cora")
    page = auth.get("/today").text
    assert waiting["appointment_ref"] in page and overdue["appointment_ref"] in page
    assert not_yet["appointment_ref"] not in page
    assert "25 min left" in page or "24 min left" in page
    assert "25 min overdue" in page or "24 min overdue" in page
    assert page.index(overdue["appointment_ref"]) < page.index(waiting["appointment_ref"])  # nearest deadline first
    assert auth.post("/api/v1/missed-contacts", event_payload(waiting)).status_code == 201
    assert waiting["appointment_ref"] not in auth.get("/today").text.split("Returned for evidence")[0]


def test_an_htmx_request_gets_the_content_block_only(auth, now):
    auth.user("cora", "coordinator")
    auth.login("cora")
    full = auth.get("/today")
    fragment = auth.get("/today", headers={"HX-Request": "true", "HX-Boosted": "true"})
    assert "<header" in full.text and "<header" not in fragment.text
    assert "Detected misses" in fragment.text
    assert "HX-Request" in full.headers["Vary"]
    assert fragment.headers["HX-Push-Url"] == "/today"
