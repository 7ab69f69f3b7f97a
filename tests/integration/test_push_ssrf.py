"""Push endpoints cannot be pointed inward (SSRF) and a known endpoint cannot be taken over by another user.

The suite's app allows the local fake push service on 127.0.0.1 explicitly (tests/conftest.py); these tests
put the production settings back: the major browsers' push services only, public addresses only."""
import pytest
import sqlalchemy as sa

from pwa.extensions import db
from pwa.push.endpoints import DEFAULT_ALLOWED_HOSTS
from tests.support.push import Device, push_service, rows, signed_in  # noqa: F401  (push_service: a fixture)


@pytest.fixture
def production_push(app, monkeypatch):
    monkeypatch.setitem(app.config, "PUSH_ENDPOINT_SCHEMES", ("https",))
    monkeypatch.setitem(app.config, "PUSH_ALLOWED_HOSTS", DEFAULT_ALLOWED_HOSTS)
    monkeypatch.setitem(app.config, "PUSH_ALLOW_PRIVATE_ADDRESSES", False)


def _post(client, endpoint: str, device: Device):
    return client.post("/api/v1/push/subscriptions", json={**device.subscription(), "endpoint": endpoint},
                       headers={"X-CSRFToken": client.csrf})


@pytest.mark.parametrize("endpoint", [
    "https://127.0.0.1:5199/push/x", "https://localhost:8443/push/x", "https://[::1]/push/x",
    "https://10.0.0.7/push/x", "https://169.254.169.254/latest/meta-data", "https://evil.example/push/x",
    "https://fcm.googleapis.com.evil.example/fcm/send/x", "https://user:pw@fcm.googleapis.com/fcm/send/x",
    "http://fcm.googleapis.com/fcm/send/x",
])
def test_only_the_browsers_push_services_are_accepted(app, auth, push_service, production_push, endpoint):
    auth.user("sade", "service_supervisor")
    client = signed_in(app, "sade")
    refused = _post(client, endpoint, Device(push_service, "d"))
    assert refused.status_code == 422, refused.get_json()
    assert "endpoint" in refused.get_json()["errors"]
    assert rows(app, "PushSubscription") == []


@pytest.mark.parametrize("endpoint", [
    "https://fcm.googleapis.com/fcm/send/abc:def", "https://updates.push.services.mozilla.com/wpush/v2/gAAA",
    "https://wns2-db5p.notify.windows.com/w/?token=abc", "https://web.push.apple.com/QGx-abc",
])
def test_the_major_browsers_push_services_are_accepted(app, auth, push_service, production_push, endpoint):
    auth.user("sade", "service_supervisor")
    assert _post(signed_in(app, "sade"), endpoint, Device(push_service, "d")).status_code == 201


def test_the_address_is_checked_again_at_send_time_and_never_retried(app, auth, push_service, monkeypatch):
    """An allowed host name that resolves to loopback (DNS changed, or rebinding): nothing is sent there,
    the subscription is removed, and the delivery is not retried by the next sweeps."""
    from pwa.push.operations import queue_alert, send_due_alerts

    monkeypatch.setitem(app.config, "PUSH_ALLOWED_HOSTS", ("localhost",))
    monkeypatch.setitem(app.config, "PUSH_ALLOW_PRIVATE_ADDRESSES", False)
    sade = auth.user("sade", "service_supervisor")
    device = Device(push_service, "rebound")
    device.endpoint = device.endpoint.replace("127.0.0.1", "localhost")
    response = _post(signed_in(app, "sade"), device.endpoint, device)
    assert response.status_code == 201, response.get_json()  # the name is allowed; its address is not
    with app.app_context():
        queue_alert("escalations:1:raised", sade, reason="Test", url="/escalations")
        db.session.commit()
        first = send_due_alerts()
        second = send_due_alerts()
    assert push_service.received == []
    assert first == {"sent": 0, "failed": 0, "gone": 1} and second == {"sent": 0, "failed": 0, "gone": 0}
    assert rows(app, "PushSubscription") == []
    assert [d.status for d in rows(app, "PushDelivery")] == ["gone"]


def test_the_suites_local_push_service_still_receives(app, auth, push_service):
    """The explicit test configuration (127.0.0.1 allowed) is what lets the other push tests run."""
    from pwa.push.operations import queue_alert, send_due_alerts

    sade = auth.user("sade", "service_supervisor")
    device = Device(push_service, "local")
    assert _post(signed_in(app, "sade"), device.endpoint, device).status_code == 201
    with app.app_context():
        queue_alert("escalations:1:raised", sade, reason="Test", url="/escalations")
        db.session.commit()
        assert send_due_alerts()["sent"] == 1
    assert len(push_service.to(device.path)) == 1


def test_a_known_endpoint_re_posted_by_another_user_is_refused(app, auth, push_service):
    from pwa.push.models import PushSubscription

    olu, _otto = auth.user("olu", "outreach_worker"), auth.user("otto", "outreach_worker")
    device = Device(push_service, "olus-phone")
    assert _post(signed_in(app, "olu"), device.endpoint, device).status_code == 201
    attacker = signed_in(app, "otto")
    taken = _post(attacker, device.endpoint, Device(push_service, "otto-keys"))
    assert taken.status_code == 409 and taken.get_json()["rule"] == "push_endpoint_taken"
    with app.app_context():
        kept = db.session.scalar(sa.select(PushSubscription))
        assert kept.user_id == olu and kept.p256dh == device.subscription()["keys"]["p256dh"]
    # The owner may subscribe the same device again (new keys after a browser update).
    assert _post(signed_in(app, "olu"), device.endpoint, device).status_code == 201
