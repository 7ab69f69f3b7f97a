"""Operators' access commands: tokens list / revoke / create --expires-days, users deactivate (sign-ins and
tokens end at once, push subscriptions removed), and the absolute session lifetime beside the idle timeout."""
from datetime import timedelta

import sqlalchemy as sa
from conftest import TUESDAY_10AM

from pwa.extensions import db
from tests.support.push import Device, FakePushService, signed_in, subscribe


def cli(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def bearer(secret: str) -> dict:
    return {"Authorization": f"Bearer {secret}"}


def token(app, *args) -> str:
    result = cli(app, "tokens", "create", *args)
    assert result.exit_code == 0, result.output
    return result.output.strip()


def test_tokens_are_listed_without_their_secret_and_revoked_at_once(app, time_machine):
    time_machine.move_to(TUESDAY_10AM, tick=False)
    client = app.test_client()
    secret = token(app, "ehr-feed")
    second = token(app, "ehr-feed")
    other = token(app, "billing", "--expires-days", "30")
    assert client.get("/api/v1/session", headers=bearer(secret)).status_code == 200

    listing = cli(app, "tokens", "list")
    assert listing.exit_code == 0
    lines = listing.output.splitlines()
    assert lines[0].split()[:3] == ["name", "id", "roles"]
    ehr = [line for line in lines if line.startswith("ehr-feed")]
    assert len(ehr) == 2 and all(line.endswith("active") for line in ehr)
    assert "2026-11-17 15:00" in ehr[0]  # last used (UTC) by the request above
    [billing] = [line for line in lines if line.startswith("billing")]
    assert "2026-12-17 15:00" in billing and billing.endswith("active")
    assert all(s not in listing.output for s in (secret, second, other))

    revoked = cli(app, "tokens", "revoke", "ehr-feed")
    assert revoked.exit_code == 0 and "revoked 2 token(s) named ehr-feed" in revoked.output
    for s in (secret, second):
        response = client.get("/api/v1/session", headers=bearer(s))
        assert response.status_code == 401
    assert client.get("/api/v1/session", headers=bearer(other)).status_code == 200
    assert [line.split()[-3] for line in cli(app, "tokens", "list").output.splitlines()
            if line.startswith("ehr-feed")] == ["revoked", "revoked"]
    again = cli(app, "tokens", "revoke", "ehr-feed")
    assert again.exit_code == 1 and "no live token named ehr-feed" in again.output


def test_a_token_stops_working_when_its_days_are_up(app, time_machine):
    time_machine.move_to(TUESDAY_10AM, tick=False)
    secret = token(app, "lab", "--expires-days", "2")
    client = app.test_client()
    time_machine.move_to(TUESDAY_10AM + timedelta(days=2) - timedelta(seconds=1), tick=False)
    assert client.get("/api/v1/session", headers=bearer(secret)).status_code == 200
    time_machine.move_to(TUESDAY_10AM + timedelta(days=2), tick=False)
    assert client.get("/api/v1/session", headers=bearer(secret)).status_code == 401
    assert cli(app, "tokens", "list").output.splitlines()[1].endswith("expired")


def test_bad_expiry_is_refused_and_nothing_is_made(app, ctx):
    from pwa.accounts.models import ApiToken, User

    for days in ("0", "-3", "99999"):
        result = cli(app, "tokens", "create", "lab", "--expires-days", days)
        assert result.exit_code == 2 and "expires_days: Give a whole number of days" in result.output
    assert cli(app, "tokens", "create", "lab", "--expires-days", "soon").exit_code == 2
    assert db.session.scalar(sa.select(sa.func.count(ApiToken.id))) == 0
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == 0


def test_deactivating_a_user_ends_their_sessions_tokens_and_devices_at_once(app, auth, monkeypatch):
    from pwa.accounts.models import SignInSession, User
    from pwa.push.models import PushSubscription

    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    service = FakePushService()
    try:
        auth.user("sue", "service_supervisor")
        auth.user("sade", "service_supervisor")
        phone, tablet, colleague = signed_in(app, "sue"), signed_in(app, "sue"), signed_in(app, "sade")
        subscribe(phone, Device(service, "sue-phone"))
        subscribe(colleague, Device(service, "sade-phone"))
        secret = token(app, "sue", "--role", "service_supervisor")
        assert phone.get("/api/v1/session").status_code == 200

        result = cli(app, "users", "deactivate", "sue")
        assert result.exit_code == 0, result.output
        assert "deactivated sue: 2 sign-in(s) ended, 1 token(s) revoked, 1 push subscription(s) removed" \
            in result.output
        for client in (phone, tablet):
            assert client.get("/api/v1/session").status_code == 401
            assert client.get("/api/v1/escalations").status_code == 401
        assert app.test_client().get("/api/v1/escalations", headers=bearer(secret)).status_code == 401
        refused = app.test_client().post("/api/v1/session", json={"username": "sue", "password": "correct horse battery"})
        assert refused.status_code == 401
        assert colleague.get("/api/v1/session").status_code == 200  # nobody else is touched
        with app.app_context():
            subscriptions = db.session.scalars(sa.select(PushSubscription)).all()
            assert [s.user_id for s in subscriptions] == [auth.users["sade"]]
            sue = db.session.get(User, auth.users["sue"])
            assert sue.active is False and sue.deactivated_at is not None
            ended = db.session.scalars(sa.select(SignInSession).filter_by(user_id=sue.id)).all()
            assert {s.end_reason for s in ended} == {"deactivated"}
    finally:
        service.stop()
    assert cli(app, "users", "deactivate", "nobody").exit_code == 2


def test_a_session_ends_12_hours_after_sign_in_however_busy(app, auth, time_machine):
    time_machine.move_to(TUESDAY_10AM, tick=False)
    auth.as_role("coordinator")
    # Used every 20 minutes (inside the 30-minute idle timeout) for just under 12 hours: still valid.
    at = TUESDAY_10AM
    while at < TUESDAY_10AM + timedelta(hours=12) - timedelta(minutes=20):
        at += timedelta(minutes=20)
        time_machine.move_to(at, tick=False)
        assert auth.get("/api/v1/session").status_code == 200, at
    time_machine.move_to(TUESDAY_10AM + timedelta(hours=12, seconds=1), tick=False)
    assert auth.get("/api/v1/session").status_code == 401
    with app.app_context():
        from pwa.accounts.models import SignInSession

        assert db.session.scalar(sa.select(SignInSession.end_reason)) == "lifetime"
    auth.login("coordinator")  # a new sign-in starts a new lifetime
    assert auth.get("/api/v1/session").status_code == 200


def test_the_session_lifetime_is_configurable(app, auth, time_machine):
    time_machine.move_to(TUESDAY_10AM, tick=False)
    auth.as_role("coordinator")
    app.config["SESSION_LIFETIME"] = timedelta(minutes=10)
    try:
        time_machine.move_to(TUESDAY_10AM + timedelta(minutes=5), tick=False)
        assert auth.get("/api/v1/session").status_code == 200
        time_machine.move_to(TUESDAY_10AM + timedelta(minutes=11), tick=False)
        assert auth.get("/api/v1/session").status_code == 401
    finally:
        app.config["SESSION_LIFETIME"] = timedelta(hours=12)


def test_a_rotated_secret_key_keeps_sign_ins_while_the_old_one_is_a_fallback(app, auth):
    """docs/deploy.md's rotation: the new SECRET_KEY signs, the old one in SECRET_KEY_FALLBACKS still reads."""
    from pwa import create_app

    auth.as_role("coordinator")
    cookie = auth.client.get_cookie("session", domain="continuity.test").value
    base = {k: app.config[k] for k in ("SQLALCHEMY_DATABASE_URI", "ARGON2_PARAMS", "SERVER_NAME", "VAPID_PRIVATE_KEY")}
    for fallbacks, status in (([app.config["SECRET_KEY"]], 200), ([], 401)):
        rotated = create_app({**base, "TESTING": True, "SECRET_KEY": "the-new-key",
                              "SECRET_KEY_FALLBACKS": fallbacks})
        client = rotated.test_client()
        client.set_cookie("session", cookie, domain="continuity.test")
        assert client.get("/api/v1/session").status_code == status


def test_forget_devices_removes_every_push_subscription(app, auth, monkeypatch):
    from pwa.push.models import PushSubscription

    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    service = FakePushService()
    try:
        for name in ("sue", "sade"):
            auth.user(name, "service_supervisor")
            subscribe(signed_in(app, name), Device(service, name))
    finally:
        service.stop()
    assert cli(app, "push", "forget-devices").exit_code == 1  # asks first; no answer is no
    result = cli(app, "push", "forget-devices", "--yes")
    assert result.exit_code == 0 and "removed 2 push subscription(s)" in result.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(PushSubscription.id))) == 0
