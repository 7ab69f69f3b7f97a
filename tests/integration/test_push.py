"""Web push: subscriptions (API, settings screen, sign-out) and alerts sent by `flask sweep` to a local fake
push service that checks what a real one would: aes128gcm, a valid VAPID JWT, and a body only the
subscription's keys decrypt. Each (subject, mark, user) is sent once, however often and in how many processes
the sweep runs; a 410 removes the subscription; a 500 is retried on the next sweep."""
import json
import logging
import os
import subprocess
import sys

import pytest
import sqlalchemy as sa

from pwa.extensions import db
from pwa.push.keys import b64url, b64url_decode, public_key
from tests.support.clock import ny
from tests.support.processes import ROOT
from tests.support.push import (  # noqa: F401  (push_service: a fixture)
    LOCAL_PUSH_APP,
    Device,
    FakePushService,
    push_service,
    rows,
    server_key,
    signed_in,
    subscribe,
    tagged,
    verify_vapid,
)
from tests.support.worlds import TUESDAY, Sweep


@pytest.fixture
def sweep(app, auth, factory, time_machine):
    machine = Sweep(app, auth, factory, time_machine)
    machine.at(TUESDAY)
    return machine


# --- alerts from the sweep -------------------------------------------------------------------------

def test_a_high_risk_case_still_open_at_its_marks_alerts_the_service_supervisors_once(
        sweep, app, push_service, caplog):
    case_id = sweep.case(risk_flags=["crisis"])  # instructed Tuesday 10:00; its day closes at 17:00
    sweep.at(TUESDAY.replace(minute=5))
    assert sweep.open(case_id).status_code == 200
    case_ref = sweep.read(case_id, "olu").get_json()["case_ref"]
    sweep.auth.user("sue", "service_supervisor")
    sweep.auth.user("otto", "outreach_worker")
    supervisor, worker = Device(push_service, "sue"), Device(push_service, "otto")
    subscribe(signed_in(app, "sue"), supervisor)
    subscribe(signed_in(app, "otto"), worker)
    key_2h, key_close = f"recovery_cases:{case_id}:close-2h", f"recovery_cases:{case_id}:close"

    sweep.at(ny(2026, 11, 17, 14, 59)).run()
    assert tagged(push_service, supervisor, key_2h) == []

    caplog.set_level(logging.INFO, logger="continuity")
    output = sweep.at(ny(2026, 11, 17, 15, 0, 30)).run()
    assert "push alerts: " in output
    [message] = [m for m in push_service.to(supervisor.path) if supervisor.open(m)["tag"] == key_2h]
    assert supervisor.open(message) == {"title": "Continuity", "body": "High-risk recovery case still open at 15:00",
                                        "url": f"/recovery/{case_id}", "tag": key_2h}
    verify_vapid(message, push_service.origin, "mailto:alerts@continuity.test", server_key(app))
    assert message["headers"]["ttl"] == "86400"
    assert message["headers"]["urgency"] == "high"
    # No names, dates of birth or clinical detail cross the push service, nor reach the log.
    plain = json.dumps(supervisor.open(message))
    assert case_ref not in plain and "Person" not in plain and "crisis" not in plain
    assert all(case_ref not in r.getMessage() and "Person" not in r.getMessage() for r in caplog.records)
    assert any("push sent delivery_id=" in r.getMessage() for r in caplog.records)
    # The outreach worker is not a service supervisor: nothing for that device about the case.
    assert not any(worker.open(m)["tag"].startswith("recovery_cases:") for m in push_service.to(worker.path))

    for moment in (ny(2026, 11, 17, 15, 10), ny(2026, 11, 17, 16, 0)):
        sweep.at(moment).run()
    assert len(tagged(push_service, supervisor, key_2h)) == 1
    sweep.at(ny(2026, 11, 17, 17, 0, 30)).run()
    sweep.at(ny(2026, 11, 17, 17, 30)).run()
    assert len(tagged(push_service, supervisor, key_2h)) == 1
    [at_close] = tagged(push_service, supervisor, key_close)
    assert at_close["body"] == "High-risk recovery case still open at 17:00"
    # The log of what was sent to whom and when.
    sent = [d for d in rows(app, "PushDelivery") if d.dedupe_key in (key_2h, key_close)]
    assert [(d.dedupe_key, d.status, d.user_id, d.attempts) for d in sent] == [
        (key_2h, "sent", sweep.auth.users["sue"], 1), (key_close, "sent", sweep.auth.users["sue"], 1)]
    assert all(d.sent_at is not None and d.reason.startswith("High-risk") for d in sent)


def test_a_restored_case_is_not_alerted_at_its_marks(sweep, app, push_service):
    case_id = sweep.case(risk_flags=["medication"])
    sweep.at(TUESDAY.replace(minute=5))
    assert sweep.open(case_id).status_code == 200
    reached = sweep.attempted(case_id, outcome="reached")["id"]
    assert sweep.dispose(case_id, evidence=[reached], continuity_restored="yes").status_code == 201
    sweep.auth.user("sue", "service_supervisor")
    supervisor = Device(push_service, "sue")
    subscribe(signed_in(app, "sue"), supervisor)
    sweep.at(ny(2026, 11, 17, 17, 1)).run()
    assert not any(supervisor.open(m)["tag"].startswith("recovery_cases:") for m in push_service.to(supervisor.path))


def test_every_escalation_raised_alerts_the_users_holding_its_level(sweep, app, push_service):
    case_id = sweep.case(risk_flags=["crisis"])  # not opened within 15 minutes: E4 to the service supervisor
    sweep.auth.user("sue", "service_supervisor")
    sweep.auth.user("cora2", "coordinator")
    supervisor, coordinator = Device(push_service, "sue"), Device(push_service, "cora2")
    subscribe(signed_in(app, "sue"), supervisor)
    subscribe(signed_in(app, "cora2"), coordinator)
    sweep.at(TUESDAY.replace(minute=16)).run()
    [e4] = sweep.raised("E4", case_id)
    [message] = [m for m in push_service.to(supervisor.path)
                 if supervisor.open(m)["tag"] == f"escalations:{e4['id']}:raised"]
    assert supervisor.open(message) == {"title": "Continuity", "body": "High-priority recovery not started",
                                        "url": "/escalations", "tag": f"escalations:{e4['id']}:raised"}
    assert message["headers"]["urgency"] == "high"
    verify_vapid(message, push_service.origin, "mailto:alerts@continuity.test", server_key(app))
    assert push_service.to(coordinator.path) == []
    sweep.at(TUESDAY.replace(minute=30)).run()
    assert len([m for m in push_service.to(supervisor.path)
                if supervisor.open(m)["tag"] == f"escalations:{e4['id']}:raised"]) == 1


def test_a_dead_subscription_is_removed_and_a_failing_one_retried_next_sweep(sweep, app, push_service):
    sweep.case(risk_flags=["crisis"])
    sweep.auth.user("sue", "service_supervisor")
    sweep.auth.user("sade2", "service_supervisor")
    dead, flaky = Device(push_service, "dead"), Device(push_service, "flaky")
    subscribe(signed_in(app, "sue"), dead)
    subscribe(signed_in(app, "sade2"), flaky)
    push_service.status[dead.path] = 410
    push_service.status[flaky.path] = 500
    sweep.at(TUESDAY.replace(minute=16)).run()
    assert len(push_service.to(dead.path)) == 1 and len(push_service.to(flaky.path)) == 1
    subscriptions = rows(app, "PushSubscription")
    assert [s.endpoint for s in subscriptions] == [flaky.endpoint]
    assert subscriptions[0].failure_count == 1
    by_user = {d.user_id: d for d in rows(app, "PushDelivery")}
    assert by_user[sweep.auth.users["sue"]].status == "gone"
    failed = by_user[sweep.auth.users["sade2"]]
    assert (failed.status, failed.last_error, failed.attempts) == ("failed", "HTTP 500", 1)

    push_service.status[flaky.path] = 201
    sweep.at(TUESDAY.replace(minute=20)).run()
    assert len(push_service.to(dead.path)) == 1  # a removed subscription is never tried again
    assert len(push_service.to(flaky.path)) == 2
    flaky.open(push_service.to(flaky.path)[-1])
    retried = {d.user_id: d for d in rows(app, "PushDelivery")}[sweep.auth.users["sade2"]]
    assert (retried.status, retried.attempts, retried.last_error) == ("sent", 2, None)
    assert rows(app, "PushSubscription")[0].failure_count == 0
    sweep.at(TUESDAY.replace(minute=25)).run()
    assert len(push_service.to(flaky.path)) == 2


def test_two_sweeps_in_two_processes_at_once_send_each_alert_once(app, auth, push_service):
    """Real `flask sweep` processes on the same database (real time: the alert is an escalation just raised)."""
    from pwa.accounts.models import User
    from pwa.escalations.operations import raise_escalation

    auth.user("sam", "attendance_supervisor")
    device = Device(push_service, "sam")
    subscribe(signed_in(app, "sam"), device)
    with app.app_context():
        user = db.session.get(User, auth.users["sam"])
        escalation = raise_escalation("E1", subject=user, reason="A permanent code was attempted.")
        db.session.commit()
        escalation_id = escalation.id
        db.session.remove()
    env = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
           "VAPID_PRIVATE_KEY": app.config["VAPID_PRIVATE_KEY"], "VAPID_SUBJECT": app.config["VAPID_SUBJECT"],
           "NO_PROXY": "127.0.0.1,localhost", "SECRET_KEY": "test-secret"}
    # The suite's explicit allowance for its local push service, as the app factory's arguments (never the
    # environment: production cannot be talked into sending to 127.0.0.1).
    command = [sys.executable, "-m", "flask", "--app", LOCAL_PUSH_APP, "sweep"]
    processes = [subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True) for _ in range(2)]
    outputs = [process.communicate(timeout=60) for process in processes]
    assert [process.returncode for process in processes] == [0, 0], outputs
    result = app.test_cli_runner().invoke(args=["sweep"])
    assert result.exit_code == 0, result.output
    assert len(push_service.to(device.path)) == 1, outputs
    assert device.open(push_service.to(device.path)[0])["tag"] == f"escalations:{escalation_id}:raised"
    assert [(d.dedupe_key, d.status) for d in rows(app, "PushDelivery")] == [
        (f"escalations:{escalation_id}:raised", "sent")]


def test_a_claimed_alert_is_not_queued_again_even_if_the_first_check_misses_it(app, ctx, auth):
    """The unique (dedupe_key, user) constraint decides, in a savepoint: the surrounding work is kept."""
    from pwa.push.models import PushDelivery
    from pwa.push.operations import queue_alert

    uid = auth.user("sue", "service_supervisor")
    assert queue_alert("recovery_cases:1:close", uid, reason="r", url="/recovery/1") is True
    db.session.commit()
    # As if another process inserted between our check and our insert: skip the check, the constraint refuses.
    original = db.session.scalar
    db.session.scalar = lambda *a, **k: None
    try:
        assert queue_alert("recovery_cases:1:close", uid, reason="r", url="/recovery/1") is False
    finally:
        db.session.scalar = original
    assert queue_alert("recovery_cases:1:close-2h", uid, reason="r", url="/recovery/1") is True
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count(PushDelivery.id))) == 2


# --- subscriptions ---------------------------------------------------------------------------------

def test_the_public_key_is_the_vapid_key_as_application_server_key(app, auth):
    auth.as_role("coordinator")
    body = auth.get("/api/v1/push/public-key").get_json()
    raw = b64url_decode(body["public_key"])
    assert len(raw) == 65 and raw[0] == 4
    with app.app_context():
        assert body["public_key"] == public_key()
    assert app.test_client().get("/api/v1/push/public-key").status_code == 401


def test_subscribe_then_unsubscribe_through_the_api(app, auth, push_service):
    auth.as_role("service_supervisor")
    device = Device(push_service, "a")
    created = auth.post("/api/v1/push/subscriptions", device.subscription())
    assert created.status_code == 201
    assert set(created.get_json()) == {"id", "device", "created_at", "last_success_at"}  # never the keys
    again = auth.post("/api/v1/push/subscriptions", device.subscription())
    assert again.status_code == 201 and again.get_json()["id"] == created.get_json()["id"]
    assert len(rows(app, "PushSubscription")) == 1
    # Another user cannot remove it; its owner can.
    auth.as_role("coordinator")
    other = auth.client.delete("/api/v1/push/subscriptions", json={"endpoint": device.endpoint},
                               headers=auth.headers())
    assert other.status_code == 404
    assert len(rows(app, "PushSubscription")) == 1
    auth.login("service_supervisor")
    removed = auth.client.delete("/api/v1/push/subscriptions", json={"endpoint": device.endpoint},
                                 headers=auth.headers())
    assert removed.status_code == 204
    assert rows(app, "PushSubscription") == []


def _bad_subscriptions(good: dict) -> list:
    keys = good["keys"]
    return [
        None, [], "text", {}, {"endpoint": good["endpoint"]},
        {**good, "endpoint": "ftp://push.example/x"}, {**good, "endpoint": "not a url"},
        {**good, "endpoint": "http://[::1"}, {**good, "endpoint": "https://" + "a" * 3000},
        {**good, "endpoint": 42}, {**good, "keys": "abc"}, {**good, "keys": None}, {**good, "keys": []},
        {**good, "keys": {**keys, "p256dh": "!!!"}}, {**good, "keys": {**keys, "p256dh": b64url(b"\x04" + b"\x01" * 64)}},
        {**good, "keys": {**keys, "p256dh": b64url(b"\x04" * 10)}}, {**good, "keys": {**keys, "auth": b64url(b"x" * 15)}},
        {**good, "keys": {**keys, "auth": 12}}, {**good, "keys": {**keys, "extra": "x"}}, {**good, "user_id": 1},
        {**good, "endpoint": "https://push.example/\u0000"},
    ]


def test_malformed_subscriptions_are_422_never_500(app, auth, push_service):
    auth.as_role("service_supervisor")
    good = Device(push_service, "good").subscription()
    for body in _bad_subscriptions(good):
        response = auth.client.post("/api/v1/push/subscriptions", data=json.dumps(body),
                                    content_type="application/json", headers=auth.headers())
        assert response.status_code == 422, (body, response.status_code, response.get_json())
        assert response.get_json()["errors"], body
    for raw in (b"", b"{", b"\xff\xfe"):
        response = auth.client.post("/api/v1/push/subscriptions", data=raw, content_type="application/json",
                                    headers=auth.headers())
        assert response.status_code == 422, raw
    for body in (None, {}, {"endpoint": 5}, {"endpoint": "x", "more": 1}):
        response = auth.client.delete("/api/v1/push/subscriptions", data=json.dumps(body),
                                      content_type="application/json", headers=auth.headers())
        assert response.status_code == 422, body
    assert rows(app, "PushSubscription") == []


def test_signing_out_on_a_device_removes_only_that_devices_subscriptions(app, auth, push_service):
    auth.user("sue", "service_supervisor")
    phone, tablet = signed_in(app, "sue"), signed_in(app, "sue")
    subscribe(phone, Device(push_service, "phone"))
    subscribe(tablet, Device(push_service, "tablet"))
    assert len(rows(app, "PushSubscription")) == 2
    assert phone.delete("/api/v1/session", headers={"X-CSRFToken": phone.csrf}).status_code == 204
    assert [s.endpoint.rsplit("/", 1)[1] for s in rows(app, "PushSubscription")] == ["tablet"]
    # Signing out from the screen (the header's form) does the same.
    page = tablet.get("/settings/alerts")
    assert "(this sign-in)" in page.text
    from conftest import csrf_from

    assert tablet.post("/sign-out", data={"csrf_token": csrf_from(page.text)}).status_code == 302
    assert rows(app, "PushSubscription") == []


def test_the_settings_screen_lists_devices_and_removes_one(app, auth, push_service):
    auth.user("sue", "service_supervisor")
    auth.user("cora2", "coordinator")
    sue = signed_in(app, "sue")
    subscribe(sue, Device(push_service, "one"))
    subscribe(signed_in(app, "cora2"), Device(push_service, "theirs"))
    page = sue.get("/settings/alerts")
    assert page.status_code == 200
    assert "Turn on alerts on this device" in page.text and "Chrome on Android" in page.text
    assert 'data-public-key-url="/api/v1/push/public-key"' in page.text
    from conftest import csrf_from

    mine = next(s for s in rows(app, "PushSubscription") if s.endpoint.endswith("/one"))
    theirs = next(s for s in rows(app, "PushSubscription") if s.endpoint.endswith("/theirs"))
    token = csrf_from(page.text)
    refused = sue.post(f"/settings/alerts/devices/{theirs.id}/remove", data={"csrf_token": token})
    assert refused.status_code == 404
    done = sue.post(f"/settings/alerts/devices/{mine.id}/remove", data={"csrf_token": token})
    assert done.status_code == 302
    assert [s.id for s in rows(app, "PushSubscription")] == [theirs.id]
    assert "No devices yet." in sue.get("/settings/alerts").text


def test_the_service_worker_is_served_for_the_whole_site(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response.mimetype == "application/javascript"
    assert response.headers["Service-Worker-Allowed"] == "/"
    body = response.text
    assert 'addEventListener("push"' in body and 'addEventListener("notificationclick"' in body
    assert client.get("/static/icons/badge.svg").status_code == 200


def test_the_inbox_badge_counts_the_users_open_escalations(app, auth):
    from pwa.accounts.models import User
    from pwa.escalations.operations import raise_escalation

    auth.as_role("attendance_supervisor")
    with app.app_context():
        user = db.session.get(User, auth.users["attendance_supervisor"])
        for _ in range(2):
            raise_escalation("E1", subject=user, reason="test")
        raise_escalation("E2", subject=user, reason="test")  # the manager's, not this user's
        db.session.commit()
    page = auth.get("/queue").text
    assert '<span class="badge" aria-label="2 open">2</span>' in page


def test_flask_push_keys_creates_a_key_once_in_the_instance_folder(app, monkeypatch, tmp_path):
    runner = app.test_cli_runner()
    configured = runner.invoke(args=["push", "keys"])
    assert configured.exit_code == 0 and "VAPID_PRIVATE_KEY is configured" in configured.output
    assert server_key(app) in configured.output

    monkeypatch.setitem(app.config, "VAPID_PRIVATE_KEY", None)
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    created = runner.invoke(args=["push", "keys"])
    assert created.exit_code == 0 and "created a VAPID key" in created.output
    key = (tmp_path / "vapid_private_key").read_text()
    assert (tmp_path / "vapid_private_key").stat().st_mode & 0o077 == 0
    kept = runner.invoke(args=["push", "keys"])
    assert "already kept" in kept.output and (tmp_path / "vapid_private_key").read_text() == key
    assert server_key(app) in kept.output and server_key(app) != configured.output
