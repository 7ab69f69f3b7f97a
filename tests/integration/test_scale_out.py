"""Scale-out on one PostgreSQL database: two gunicorn instances (the production config, deploy/gunicorn.conf.py)
and two sweepers, all real processes. A sign-in made on one instance works on the other, its CSRF token
too, and signing out on either ends it on both; a sync batch replayed on the other instance (and the
same batch sent to both at once) is stored once; an alert is pushed once however many sweepers run."""
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa
from conftest import PASSWORD

from pwa.extensions import db
from tests.support.payloads import attempt_payload
from tests.support.processes import real_now, stop, wait_for
from tests.support.push import LOCAL_PUSH_APP, Device, FakePushService, subscribe
from tests.support.worlds import W2

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
                                reason="scale-out runs on PostgreSQL (TEST_DATABASE_URL)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    """Two web instances for the module, and two sweepers while a test needs them (the suite empties the
    database between tests, which must not wait on a sweep)."""

    def __init__(self, app):
        self.env = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
                    "SECRET_KEY": app.config["SECRET_KEY"], "VAPID_PRIVATE_KEY": app.config["VAPID_PRIVATE_KEY"],
                    "VAPID_SUBJECT": app.config["VAPID_SUBJECT"], "NO_PROXY": "127.0.0.1,localhost",
                    "SWEEP_INTERVAL_SECONDS": "1", "WEB_CONCURRENCY": "1", "GUNICORN_THREADS": "4"}
        self.ports = [free_port(), free_port()]
        self.web = [self._start([sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "wsgi:app"],
                                GUNICORN_BIND=f"127.0.0.1:{port}") for port in self.ports]
        self.sweepers = []
        self.urls = [f"http://127.0.0.1:{port}" for port in self.ports]
        try:
            for url in self.urls:
                wait_for(lambda: self._up(url), timeout=60, what=f"{url}/healthz")
        except BaseException:
            for process in self.web:  # never leave a server behind on the test database
                process.kill()
            raise

    def start_sweepers(self):
        self.sweepers = [self._start([sys.executable, "-m", "flask", "--app", LOCAL_PUSH_APP, "sweeper"])
                         for _ in range(2)]

    def stop_sweepers(self) -> list[str]:
        try:
            return [stop(process) for process in self.sweepers]
        finally:
            for process in self.sweepers:
                if process.poll() is None:
                    process.kill()
            self.sweepers = []

    def _start(self, command, **env):
        return subprocess.Popen(command, cwd=ROOT, env={**self.env, **env}, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True)

    @staticmethod
    def _up(url) -> bool:
        try:
            return requests.get(f"{url}/healthz", timeout=5).status_code in (200, 503)
        except requests.RequestException:
            return False

    def stop(self) -> list[str]:
        try:
            return [stop(process) for process in self.web + self.sweepers]
        finally:
            for process in self.web + self.sweepers:
                if process.poll() is None:
                    process.kill()


@pytest.fixture(scope="module")
def cluster(app):
    running = Cluster(app)
    try:
        yield running
    finally:
        outputs = running.stop()
    assert "Traceback" not in "".join(outputs) and "sweep failed" not in "".join(outputs), outputs


@pytest.fixture(autouse=True)
def wall_clock(time_machine):
    time_machine.move_to(real_now(), tick=True)  # the processes live on the wall clock


def browser(base: str) -> requests.Session:
    session = requests.Session()
    session.base = base
    return session


def test_a_sign_in_and_its_csrf_token_work_on_both_instances(cluster, auth):
    auth.user("cora", "coordinator")
    a, b = cluster.urls
    phone = requests.Session()
    signed = phone.post(f"{a}/api/v1/session", json={"username": "cora", "password": PASSWORD})
    assert signed.status_code == 200
    token = signed.json()["csrf_token"]
    on_b = phone.get(f"{b}/api/v1/session")
    assert on_b.status_code == 200 and on_b.json()["user"]["username"] == "cora"
    # A write on B with A's CSRF token is accepted (it reaches validation: 422, not a CSRF 400)...
    write = phone.post(f"{b}/api/v1/missed-contacts", json={}, headers={"X-CSRFToken": token})
    assert write.status_code == 422, write.text
    # ...and without one it is refused.
    assert phone.post(f"{b}/api/v1/missed-contacts", json={}).status_code == 400
    assert phone.delete(f"{b}/api/v1/session", headers={"X-CSRFToken": token}).status_code == 204
    stale = requests.Session()
    stale.cookies.update(signed.cookies)
    assert stale.get(f"{a}/api/v1/session").status_code == 401


def test_a_sync_batch_is_stored_once_across_instances(cluster, app, auth, factory):
    w2 = W2(app, auth, factory, real_now())
    case_id = w2.case(worker="olu")
    assert w2.open(case_id, as_user="olu").status_code == 200
    a, b = cluster.urls
    phones = []
    for _ in range(2):
        phone = requests.Session()
        signed = phone.post(f"{a}/api/v1/session", json={"username": "olu", "password": PASSWORD})
        phone.headers["X-CSRFToken"] = signed.json()["csrf_token"]
        phones.append(phone)

    def batch():
        at = real_now()
        entries = []
        for _ in range(5):
            payload = attempt_payload(at)
            del payload["client_id"]
            entries.append({"client_id": str(uuid.uuid4()), "kind": "attempt", "recovery_case_id": case_id,
                            "recorded_at": at.isoformat(), "payload": payload})
        return {"device_id": "phone-olu", "sent_at": real_now().isoformat(), "entries": entries}

    first = batch()
    created = phones[0].post(f"{a}/api/v1/sync", json=first)
    assert [r["status"] for r in created.json()["results"]] == ["created"] * 5, created.text
    replay = phones[0].post(f"{b}/api/v1/sync", json=first)
    assert [r["status"] for r in replay.json()["results"]] == ["duplicate"] * 5
    assert [r["id"] for r in replay.json()["results"]] == [r["id"] for r in created.json()["results"]]

    # The same new batch sent to both instances at the same moment (a retry racing the original).
    second, answers = batch(), {}
    go = threading.Barrier(2)

    def send(index, url):
        go.wait()
        answers[index] = phones[index].post(f"{url}/api/v1/sync", json=second)

    threads = [threading.Thread(target=send, args=(i, url)) for i, url in enumerate((a, b))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert {answers[i].status_code for i in (0, 1)} == {200}
    ids = [[r["id"] for r in answers[i].json()["results"]] for i in (0, 1)]
    assert ids[0] == ids[1]
    assert sorted(r["status"] for i in (0, 1) for r in answers[i].json()["results"]) == \
        ["created"] * 5 + ["duplicate"] * 5
    with app.app_context():
        stored = db.session.scalar(sa.text("SELECT count(*) FROM recovery_attempts WHERE recovery_case_id = :c"),
                                   {"c": case_id})
        db.session.remove()
    assert stored == 10


def test_two_sweepers_push_each_alert_once(cluster, app, auth, monkeypatch):
    from test_push import signed_in

    from pwa.accounts.models import User
    from pwa.escalations.operations import raise_escalation

    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    service = FakePushService()
    try:
        auth.user("sam", "attendance_supervisor")
        device = Device(service, "sam")
        subscribe(signed_in(app, "sam"), device)
        with app.app_context():
            user = db.session.get(User, auth.users["sam"])
            escalation = raise_escalation("E1", subject=user, reason="A permanent code was attempted.")
            db.session.commit()
            escalation_id = escalation.id
            db.session.remove()
        cluster.start_sweepers()
        try:
            wait_for(lambda: service.to(device.path), what="the push")
            time.sleep(3)  # several more sweeps by both sweepers
            health = [requests.get(f"{url}/healthz", timeout=5) for url in cluster.urls]
            assert [h.status_code for h in health] == [200, 200]
            assert all(h.json()["sweep_age_seconds"] <= 2 for h in health)
        finally:
            logs = "".join(cluster.stop_sweepers())
        assert "sweeper started" in logs and "sweep failed" not in logs and "Traceback" not in logs, logs
        assert len(service.to(device.path)) == 1
        assert device.open(service.to(device.path)[0])["tag"] == f"escalations:{escalation_id}:raised"
        with app.app_context():
            deliveries = db.session.execute(sa.text("SELECT status FROM push_deliveries")).scalars().all()
            beat = db.session.execute(sa.text("SELECT runs, instance FROM sweep_heartbeats")).one()
            db.session.remove()
        assert deliveries == ["sent"]
        assert beat.runs >= 2
    finally:
        service.stop()
