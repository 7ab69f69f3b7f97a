"""Fixtures in the manner of the Flask tutorial: app, client, an auth helper, and factories.

The database is migrated once per run with the real migrations (SQLite in a temp folder, or
PostgreSQL when TEST_DATABASE_URL is set) and emptied after every test.
"""
import os
import re
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
import time_machine

from pwa import create_app
from pwa.extensions import db
from pwa.archive.append_only import lifted
from pwa.archive.checkpoint import generate_key
from pwa.push.endpoints import DEFAULT_ALLOWED_HOSTS
from pwa.push.keys import generate_private_key
from tests.support.clock import NY

# The workflow worlds' fixtures (w1, w2, w3, sweep).
pytest_plugins = ("tests.support.fixtures",)

PASSWORD = "correct horse battery"
# A Tuesday morning in business hours, far from holidays: the default "now" of integration tests.
TUESDAY_10AM = datetime(2026, 11, 17, 10, 0, tzinfo=NY)


# One switch for the whole suite's clock: TEST_CLOCK=2026-12-25T12:00-05:00 runs every test as if the run
# started then (time keeps ticking). Tests that pin their own clock still do; every other test must hold
# at any instant, and .ci/run checks that at a DST-weekend Sunday night and on Christmas Day.
TEST_CLOCK = os.environ.get("TEST_CLOCK")


def pytest_configure(config):
    if TEST_CLOCK:
        config.suite_clock = time_machine.travel(datetime.fromisoformat(TEST_CLOCK), tick=True)
        config.suite_clock.start()


def pytest_unconfigure(config):
    if getattr(config, "suite_clock", None):
        config.suite_clock.stop()


def pytest_report_header(config):
    return f"suite clock: {TEST_CLOCK} (TEST_CLOCK)" if TEST_CLOCK else "suite clock: the real one"


def database_url(tmp_path_factory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    return "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.sqlite")


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    app = create_app({
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": database_url(tmp_path_factory),
        "SERVER_NAME": "continuity.test",
        # Real argon2id hashes at a cost that keeps hundreds of sign-ins fast.
        "ARGON2_PARAMS": {"time_cost": 1, "memory_cost": 1024, "parallelism": 1},
        # Push: a fresh VAPID key per run, and plain http for the tests' local fake push endpoint.
        "VAPID_PRIVATE_KEY": generate_private_key(),
        "VAPID_SUBJECT": "mailto:alerts@continuity.test",
        "PUSH_ENDPOINT_SCHEMES": ("https", "http"),
        # ... on 127.0.0.1: the only way to allow it, and only here (tests/integration/test_push_ssrf.py turns it off).
        "PUSH_ALLOWED_HOSTS": ("127.0.0.1", *DEFAULT_ALLOWED_HOSTS),
        "PUSH_ALLOW_PRIVATE_ADDRESSES": True,
        # The archive checkpoints' signing key, outside the database as in production.
        "ARCHIVE_SIGNING_KEY": generate_key(),
    })
    with app.app_context():
        from flask_migrate import downgrade, upgrade

        if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
            downgrade(revision="base")
        upgrade()
    yield app
    with app.app_context():
        db.engine.dispose()


def empty_database(app) -> None:
    with app.app_context():
        tables = [t.name for t in db.metadata.sorted_tables]
        with db.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                # DELETE the few rows of the tables a test wrote to (a TRUNCATE of every table made new files
                # for each table and index: half of each test's time), then every id sequence back to 1.
                written = conn.scalars(sa.text(" UNION ALL ".join(
                    f"SELECT '{name}' WHERE EXISTS (SELECT 1 FROM {name})" for name in tables))).all()
                with lifted(conn):  # replica mode: neither the append-only nor the foreign-key triggers fire
                    for name in written:
                        conn.execute(sa.text(f"DELETE FROM {name}"))
                conn.execute(sa.text("SELECT setval(oid, 1, false) FROM pg_class "
                                     "WHERE relkind = 'S' AND relnamespace = 'public'::regnamespace"))
            else:
                with lifted(conn):  # the append-only tables' triggers
                    for name in reversed(tables):
                        conn.execute(sa.text(f"DELETE FROM {name}"))
        db.session.remove()


@pytest.fixture(autouse=True)
def _empty_after(request):
    yield
    if "app" in request.fixturenames:
        empty_database(request.getfixturevalue("app"))


@pytest.fixture
def ctx(app):
    """An application context for calling operations directly."""
    with app.app_context():
        yield
        db.session.remove()


@pytest.fixture
def client(app):
    return app.test_client()


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "page has no CSRF token"
    return match.group(1)


class Auth:
    """Users by role, sign-in through the real endpoints, and JSON calls with the CSRF header."""

    def __init__(self, app, client):
        self.app, self.client = app, client
        self.csrf_token = None
        self.users = {}
        self.secrets = {}

    def user(self, username: str, *roles: str, team: str | None = None) -> int:
        """A user; one whose role needs a second factor is enrolled in TOTP (self.secrets)."""
        from pwa.accounts.mfa import enrol, mfa_required, new_secret
        from pwa.accounts.operations import create_user

        if username not in self.users:
            with self.app.app_context():
                user = create_user(username, PASSWORD, list(roles) or ["coordinator"], team=team)
                if mfa_required(user):
                    self.secrets[username] = new_secret()
                    enrol(user, self.secrets[username])
                db.session.commit()
                self.users[username] = user.id
        return self.users[username]

    def otp(self, username: str) -> str | None:
        """The user's current TOTP code, made usable again: a code is accepted once per 30 s step, and tests
        sign the same user in many times a second."""
        import pyotp
        from pwa.accounts.mfa import TotpCredential

        if username not in self.secrets:
            return None
        with self.app.app_context():
            db.session.execute(sa.update(TotpCredential).where(TotpCredential.user_id == self.users[username])
                               .values(last_step=None))
            db.session.commit()
        return pyotp.TOTP(self.secrets[username]).now()

    def credentials(self, username: str) -> dict:
        body = {"username": username, "password": PASSWORD}
        code = self.otp(username)
        return {**body, "otp": code} if code else body

    def login(self, username: str) -> dict:
        response = self.client.post("/api/v1/session", json=self.credentials(username))
        assert response.status_code == 200, response.get_json()
        self.csrf_token = response.get_json()["csrf_token"]
        return response.get_json()

    def as_role(self, role: str) -> dict:
        """Sign in as a user named after the role, holding just that role."""
        self.user(role, role)
        return self.login(role)

    def logout(self):
        return self.client.delete("/api/v1/session", headers=self.headers())

    def headers(self) -> dict:
        return {"X-CSRFToken": self.csrf_token} if self.csrf_token else {}

    def post(self, path: str, json=None, **kwargs):
        return self.client.post(path, json=json, headers=self.headers(), **kwargs)

    def get(self, path: str, **kwargs):
        return self.client.get(path, **kwargs)

    def form(self, path: str, data: dict):
        """Submit a screen's form the way a browser does: fetch it, take its CSRF token, post."""
        page = self.client.get(path)
        assert page.status_code == 200, page.status_code
        return self.client.post(path, data={**data, "csrf_token": csrf_from(page.text)})


def sign_in_body(app, username: str, password: str = PASSWORD) -> dict:
    """The JSON sign-in of a user made outside `Auth` (e.g. by a factory): one whose role needs a second factor
    is enrolled on first use, and each call gets a code that has not been used."""
    import pyotp
    from pwa.accounts.mfa import TotpCredential, credential_of, enrol, mfa_required, new_secret
    from pwa.accounts.models import User

    with app.app_context():
        user = db.session.scalar(sa.select(User).filter_by(username=username))
        if user is None or (credential_of(user.id) is None and not mfa_required(user)):
            return {"username": username, "password": password}
        if credential_of(user.id) is None:
            enrol(user, new_secret())
        credential = credential_of(user.id)
        db.session.execute(sa.update(TotpCredential).where(TotpCredential.id == credential.id).values(last_step=None))
        code = pyotp.TOTP(credential.secret).now()
        db.session.commit()
    return {"username": username, "password": password, "otp": code}


@pytest.fixture
def auth(app, client):
    return Auth(app, client)


@pytest.fixture
def now(time_machine):
    """Travel to Tuesday 17 Nov 2026, 10:00 New York (business hours); time keeps ticking."""
    time_machine.move_to(TUESDAY_10AM, tick=True)
    return TUESDAY_10AM


class Factory:
    """Cases, appointments and workflow-1 records made through the real operations."""

    def __init__(self, app):
        self.app = app
        self.count = 0

    def _next(self) -> int:
        self.count += 1
        return self.count

    def case(self, risk_flags=(), routes=None, worker=None, ref=None) -> str:
        from pwa.cases.operations import upsert_case

        ref = ref or f"C-{self._next():04d}"
        with self.app.app_context():
            upsert_case({"case_ref": ref, "display_name": f"Person {ref}", "risk_flags": list(risk_flags),
                         "contact_routes": routes if routes is not None else [
                             {"channel": "phone_call", "value": "+1 555 0100", "approved": True, "preferred": True},
                             {"channel": "sms", "value": "+1 555 0100", "approved": True}],
                         "assigned_outreach_worker": worker})
            db.session.commit()
        return ref

    def appointment(self, case_ref=None, minutes_ago=20, modality="in_person", ref=None, scheduled_at=None) -> dict:
        from pwa.accounts.models import User
        from pwa.cases.operations import upsert_appointment
        from pwa.clock import utcnow

        case_ref = case_ref or self.case()
        ref = ref or f"A-{self._next():04d}"
        at = scheduled_at or (utcnow() - timedelta(minutes=minutes_ago)).replace(second=0, microsecond=0)
        with self.app.app_context():
            actor = db.session.scalar(sa.select(User).limit(1))
            upsert_appointment({"appointment_ref": ref, "case_ref": case_ref, "scheduled_at": at.isoformat(),
                                "service": "Counselling", "modality": modality}, actor)
            db.session.commit()
        return {"appointment_ref": ref, "case_ref": case_ref, "scheduled_at": at.isoformat()}


@pytest.fixture
def factory(app):
    return Factory(app)
