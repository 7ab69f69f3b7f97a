"""Sign-in security (ASVS level 2): throttling per account and address, TOTP with recovery codes, password
rules and the change-password screen, and JSON-only sign-in."""
import re
from datetime import timedelta

import pyotp
import pytest
import sqlalchemy as sa

from conftest import PASSWORD, csrf_from
from pwa import create_app
from pwa.archive.models import ArchiveEntry
from pwa.extensions import db

WRONG = "not the password at all"


def _sign_in(client, username, password=PASSWORD, **extra):
    return client.post("/api/v1/session", json={"username": username, "password": password, **extra})


# --- throttling ------------------------------------------------------------------------------------

def test_five_failures_lock_the_account_for_fifteen_minutes_right_password_included(app, client, auth, now,
                                                                                    time_machine):
    auth.user("cora", "coordinator")
    for _ in range(4):
        assert _sign_in(client, "cora", WRONG).status_code == 401
    fifth = _sign_in(client, "cora", WRONG)
    assert fifth.status_code == 429
    refused = _sign_in(client, "cora")
    assert refused.status_code == 429
    assert 14 * 60 < int(refused.headers["Retry-After"]) <= 15 * 60
    assert refused.get_json()["retry_after"] == int(refused.headers["Retry-After"])
    assert "session" not in (refused.headers.get("Set-Cookie") or "")
    time_machine.move_to(now + timedelta(minutes=14), tick=False)
    assert _sign_in(client, "cora").status_code == 429
    time_machine.move_to(now + timedelta(minutes=15, seconds=2), tick=False)
    assert _sign_in(client, "cora").status_code == 200


def test_failures_spread_beyond_the_window_do_not_lock(app, client, auth, now, time_machine):
    auth.user("cora", "coordinator")
    for minute in range(0, 80, 16):
        time_machine.move_to(now + timedelta(minutes=minute), tick=False)
        assert _sign_in(client, "cora", WRONG).status_code == 401
    assert _sign_in(client, "cora").status_code == 200


def test_a_success_starts_the_count_again(app, client, auth, now):
    auth.user("cora", "coordinator")
    for _ in range(4):
        _sign_in(client, "cora", WRONG)
    assert _sign_in(client, "cora").status_code == 200
    for _ in range(4):
        assert _sign_in(client, "cora", WRONG).status_code == 401
    assert _sign_in(client, "cora").status_code == 200


def test_the_lockout_holds_in_another_process_on_the_same_database(app, client, auth, now):
    """Throttling is kept in the database: a second app (another gunicorn worker or instance) refuses too."""
    auth.user("cora", "coordinator")
    for _ in range(5):
        _sign_in(client, "cora", WRONG)
    other = create_app({**{k: app.config[k] for k in ("SQLALCHEMY_DATABASE_URI", "ARGON2_PARAMS", "SECRET_KEY")},
                        "TESTING": True})
    try:
        refused = other.test_client().post("/api/v1/session", json={"username": "cora", "password": PASSWORD})
        assert refused.status_code == 429
    finally:
        with other.app_context():
            db.engine.dispose()


def test_one_address_trying_many_accounts_is_locked(app, client, auth, now, monkeypatch):
    monkeypatch.setitem(app.config, "SIGNIN_ADDRESS_MAX_FAILURES", 8)
    auth.user("cora", "coordinator")
    statuses = [_sign_in(client, f"guess{n}", WRONG).status_code for n in range(8)]
    assert statuses == [401] * 7 + [429]
    # Every account from that address, even one with no failures of its own.
    assert _sign_in(client, "cora").status_code == 429
    elsewhere = app.test_client()
    assert elsewhere.post("/api/v1/session", json={"username": "cora", "password": PASSWORD},
                          environ_base={"REMOTE_ADDR": "10.1.2.3"}).status_code == 200


def test_the_sign_in_screen_says_when_to_try_again(app, client, auth, now):
    auth.user("cora", "coordinator")
    token = csrf_from(client.get("/sign-in").text)
    for _ in range(5):
        page = client.post("/sign-in", data={"username": "cora", "password": WRONG, "csrf_token": token})
    assert page.status_code == 429
    assert "Try again at 10:15" in page.text and "(in 15 minutes)" in page.text
    assert page.headers["Retry-After"] == "900"
    again = client.post("/sign-in", data={"username": "cora", "password": PASSWORD, "csrf_token": token})
    assert again.status_code == 429 and "Try again at" in again.text


def test_lockouts_are_archived_and_listed_for_admins(app, client, auth, now):
    auth.user("cora", "coordinator")
    auth.user("ada", "admin")
    for _ in range(5):
        _sign_in(client, "cora", WRONG)
    with app.app_context():
        entries = db.session.scalars(sa.select(ArchiveEntry).where(ArchiveEntry.folder == "accounts",
                                                                   ArchiveEntry.action == "locked_account")).all()
        assert len(entries) == 1 and '"key":"cora"' in entries[0].record and WRONG not in entries[0].record
    auth.login("ada")
    listed = client.get("/admin/sign-in-lockouts")
    assert listed.status_code == 200 and "cora" in listed.text
    assert client.get("/archive/accounts").status_code == 200


# --- second factor ---------------------------------------------------------------------------------

def test_roles_that_see_the_whole_organisation_need_a_code(app, client, auth, now):
    auth.user("ada", "admin")
    secret = auth.secrets["ada"]
    missing = _sign_in(client, "ada")
    assert missing.status_code == 401 and missing.get_json()["mfa_required"] is True
    assert "session" not in (missing.headers.get("Set-Cookie") or "")
    assert client.get("/api/v1/session").status_code == 401
    wrong = _sign_in(client, "ada", otp="000000" if pyotp.TOTP(secret).now() != "000000" else "111111")
    assert wrong.status_code == 401 and wrong.get_json()["mfa_required"] is True
    code = pyotp.TOTP(secret).now()
    assert _sign_in(client, "ada", otp=code).status_code == 200
    # The same code a second time (replayed, or seen over a shoulder) is refused.
    assert _sign_in(app.test_client(), "ada", otp=code).status_code == 401


def test_wrong_codes_count_towards_the_lockout(app, client, auth, now):
    auth.user("ada", "admin")
    statuses = [_sign_in(client, "ada", otp="12345x").status_code for _ in range(5)]
    assert statuses == [401] * 4 + [429]
    assert _sign_in(client, "ada", otp=pyotp.TOTP(auth.secrets["ada"]).now()).status_code == 429


def test_a_role_that_needs_a_code_and_has_none_must_enrol_first(app, client, now):
    result = app.test_cli_runner().invoke(args=["users", "create", "mona", "--role", "manager", "--password",
                                                "a long enough passphrase"])
    assert result.exit_code == 0, result.output
    answer = _sign_in(client, "mona", "a long enough passphrase")
    assert answer.status_code == 401 and answer.get_json()["enrolment_required"] is True


def test_enrolment_at_the_first_sign_in_shows_a_qr_code_and_gives_recovery_codes(app, client, now):
    app.test_cli_runner().invoke(args=["users", "create", "mona", "--role", "manager", "--password",
                                       "a long enough passphrase"])
    token = csrf_from(client.get("/sign-in").text)
    step = client.post("/sign-in", data={"username": "mona", "password": "a long enough passphrase",
                                         "csrf_token": token})
    assert step.status_code == 302 and step.headers["Location"].endswith("/sign-in/enrol")
    page = client.get("/sign-in/enrol")
    assert page.status_code == 200
    assert "<svg" in page.text and not re.search(r"\sstyle\s*=", page.text) and not re.search(r"<script(?![^>]*\ssrc=)", page.text)
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', page.text).group(1)
    wrong = client.post("/sign-in/enrol", data={"otp": "000000" if pyotp.TOTP(secret).now() != "000000" else "1",
                                                "csrf_token": csrf_from(page.text)})
    assert wrong.status_code == 422
    done = client.post("/sign-in/enrol", data={"otp": pyotp.TOTP(secret).now(), "csrf_token": csrf_from(page.text)})
    assert done.status_code == 200
    codes = re.findall(r"<code>([0-9a-f]{6}-[0-9a-f]{6})</code>", done.text)
    assert len(codes) == 10
    assert client.get("/api/v1/session").status_code == 200  # signed in
    # A recovery code signs in once.
    other = app.test_client()
    assert _sign_in(other, "mona", "a long enough passphrase", otp=codes[0]).status_code == 200
    assert _sign_in(app.test_client(), "mona", "a long enough passphrase", otp=codes[0]).status_code == 401


def test_the_sign_in_screen_asks_an_enrolled_user_for_the_code(app, client, auth, now):
    auth.user("ada", "admin")
    token = csrf_from(client.get("/sign-in").text)
    step = client.post("/sign-in", data={"username": "ada", "password": PASSWORD, "csrf_token": token})
    assert step.status_code == 302 and step.headers["Location"].endswith("/sign-in/code")
    assert client.get("/api/v1/session").status_code == 401  # not signed in yet
    page = client.get("/sign-in/code")
    wrong = client.post("/sign-in/code", data={"otp": "99999a", "csrf_token": csrf_from(page.text)})
    assert wrong.status_code == 401
    done = client.post("/sign-in/code", data={"otp": auth.otp("ada"), "csrf_token": csrf_from(page.text)})
    assert done.status_code == 302
    assert client.get("/api/v1/session").status_code == 200


def test_a_second_factor_is_optional_for_other_roles_and_then_used(app, client, auth, now):
    auth.user("cora", "coordinator")
    auth.login("cora")
    page = client.get("/account/two-factor")
    assert page.status_code == 200 and "Optional for your role" in page.text
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', page.text).group(1)
    done = client.post("/account/two-factor", data={"otp": pyotp.TOTP(secret).now(), "csrf_token": csrf_from(page.text)})
    assert done.status_code == 200 and "recovery codes" in done.text
    assert _sign_in(app.test_client(), "cora").get_json()["mfa_required"] is True


def test_users_create_with_a_totp_secret_enrols_the_user(app, client, now):
    secret = pyotp.random_base32()
    result = app.test_cli_runner().invoke(args=["users", "create", "gina", "--role", "governance_lead", "--password",
                                                "a long enough passphrase", "--totp-secret", secret])
    assert result.exit_code == 0, result.output
    assert _sign_in(client, "gina", "a long enough passphrase").get_json()["mfa_required"] is True
    assert _sign_in(client, "gina", "a long enough passphrase", otp=pyotp.TOTP(secret).now()).status_code == 200
    bad = app.test_cli_runner().invoke(args=["users", "create", "pat", "--role", "panel_chair", "--password",
                                             "a long enough passphrase", "--totp-secret", "not base32!"])
    assert bad.exit_code == 2 and "totp_secret" in bad.output
    with app.app_context():
        from pwa.accounts.models import User
        assert db.session.scalar(sa.select(User).filter_by(username="pat")) is None  # nothing saved half-way


def test_bearer_tokens_take_no_second_factor(app, client, now):
    token = app.test_cli_runner().invoke(args=["tokens", "create", "feed", "--role", "admin"]).output.strip()
    assert client.get("/api/v1/escalations", headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_the_demo_prints_the_codes_its_managers_need_and_they_sign_in(app, client, now):
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0
    secret = re.search(r"^\s+mona\s+([A-Z2-7]{16,})$", result.output, re.M).group(1)
    assert re.search(r"^\s+ada\s+[A-Z2-7]{16,}$", result.output, re.M)
    assert not re.search(r"^\s+cora\s+", result.output, re.M)  # optional roles are not enrolled
    assert _sign_in(client, "mona", "continuity-demo").get_json()["mfa_required"] is True
    assert _sign_in(client, "mona", "continuity-demo", otp=pyotp.TOTP(secret).now()).status_code == 200
    assert _sign_in(client, "cora", "continuity-demo").status_code == 200
    code = app.test_cli_runner().invoke(args=["users", "code", "mona"])
    assert code.exit_code == 0 and re.fullmatch(r"\d{6}\n", code.output)


# --- passwords -------------------------------------------------------------------------------------

@pytest.mark.parametrize("password, message", [
    ("password", "at least 12"), ("elevenchars", "at least 12"),
    ("012345678910", "common passwords"), ("LeaveMeAlone", "common passwords"),
])
def test_short_and_common_passwords_are_refused(app, password, message):
    result = app.test_cli_runner().invoke(args=["users", "create", "nina", "--role", "coordinator",
                                                "--password", password])
    assert result.exit_code == 2 and message in result.output


def test_the_demo_password_is_long_enough_and_not_common(ctx):
    from pwa.accounts.passwords import password_problems
    from pwa.demo import DEMO_PASSWORD

    assert password_problems(DEMO_PASSWORD) == []


def test_passwords_are_hashed_with_owasp_argon2id_parameters(app):
    plain = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    with plain.app_context():
        from pwa.accounts.operations import _hasher

        assert _hasher().hash("any long passphrase").startswith("$argon2id$v=19$m=19456,t=2,p=1$")


def test_change_password_screen(app, client, auth, now):
    auth.user("cora", "coordinator")
    auth.login("cora")
    page = client.get("/account/password")
    assert page.status_code == 200
    token = csrf_from(page.text)
    wrong = client.post("/account/password", data={"current_password": "nope", "new_password": "short",
                                                   "repeat_password": "short", "csrf_token": token})
    assert wrong.status_code == 422
    assert "That is not your current password." in wrong.text and "at least 12" in wrong.text
    common = client.post("/account/password", data={"current_password": PASSWORD, "new_password": "qwerasdfzxcv",
                                                    "repeat_password": "qwerasdfzxcv", "csrf_token": token})
    assert common.status_code == 422 and "common passwords" in common.text
    done = client.post("/account/password", data={"current_password": PASSWORD, "new_password": "plum kettle orbit",
                                                  "repeat_password": "plum kettle orbit", "csrf_token": token})
    assert done.status_code == 200 and "Your password is changed." in done.text
    assert _sign_in(app.test_client(), "cora").status_code == 401
    assert _sign_in(app.test_client(), "cora", "plum kettle orbit").status_code == 200


# --- login CSRF ------------------------------------------------------------------------------------

@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data"])
def test_sign_in_accepts_json_only(app, client, auth, content_type):
    auth.user("cora", "coordinator")
    body = '{"username": "cora", "password": "%s"}' % PASSWORD
    response = client.post("/api/v1/session", data=body, content_type=content_type)
    assert response.status_code == 415
    assert client.get("/api/v1/session").status_code == 401
