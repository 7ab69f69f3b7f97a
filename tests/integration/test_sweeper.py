"""The sweep runs by itself: the `flask sweeper` process (APScheduler, every SWEEP_INTERVAL_SECONDS), one
sweep at a time across processes, its heartbeat read by GET /healthz, and the banner supervisors and
admins see when deadlines have not been checked for 5 minutes."""
import os
import subprocess
import sys
from datetime import timedelta

import pytest
import sqlalchemy as sa

from pwa.extensions import db
from tests.support.processes import ROOT, process_env, real_now, stop, wait_for
from tests.support.push import (  # noqa: F401  (push_service: a fixture)
    LOCAL_PUSH_APP,
    Device,
    FakePushService,
    push_service,
    signed_in,
    subscribe,
)
from tests.support.worlds import TUESDAY, Sweep


def start_sweeper(app, interval="1") -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "flask", "--app", LOCAL_PUSH_APP, "sweeper"], cwd=ROOT,
                            env=process_env(app, SWEEP_INTERVAL_SECONDS=interval),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def test_an_unopened_high_risk_case_gets_e4_and_its_push_with_nobody_running_a_command(
        app, auth, factory, time_machine, push_service):
    """The sweeper process started as `make run` and production start it; nobody types `flask sweep`."""
    sweep = Sweep(app, auth, factory, time_machine)
    started = real_now()
    # The case was instructed 20 minutes ago: its 15-minute opening deadline has passed.
    time_machine.move_to(started - timedelta(minutes=20), tick=True)
    case_id = sweep.case(risk_flags=["crisis"])
    auth.user("sue", "service_supervisor")
    supervisor = Device(push_service, "sue")
    subscribe(signed_in(app, "sue"), supervisor)
    time_machine.move_to(real_now(), tick=True)

    sweeper = start_sweeper(app)
    try:
        message = wait_for(lambda: push_service.to(supervisor.path), what="the E4 push")[0]
    finally:
        try:
            output = stop(sweeper)
        finally:
            if sweeper.poll() is None:
                sweeper.kill()
    payload = supervisor.open(message)
    assert payload["body"] == "High-priority recovery not started"
    assert payload["url"] == "/escalations"
    assert message["headers"]["urgency"] == "high"
    [e4] = sweep.raised("E4", case_id)
    assert e4["level"] == "service_supervisor" and payload["tag"] == f"escalations:{e4['id']}:raised"
    assert '"logger": "continuity.sweeper"' in output and "sweeper started" in output
    # The sweeper kept running at its interval: one E4, one push, however many sweeps ran.
    assert len(sweep.raised("E4", case_id)) == 1 and len(push_service.to(supervisor.path)) == 1
    health = app.test_client().get("/healthz")
    assert health.status_code == 200, health.get_json()
    assert health.get_json()["database"] == "ok" and health.get_json()["sweep_age_seconds"] < 60


def test_two_sweepers_never_sweep_at_once(app, ctx):
    """The sweep lock: PostgreSQL's advisory lock, SQLite's flock beside the database file. While another
    process holds it, `flask sweep` does nothing and says so; once released, it sweeps."""
    from pwa.sweep import SWEEP_LOCK_KEY

    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, app.config["SQLALCHEMY_DATABASE_URI"], str(SWEEP_LOCK_KEY)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        result = app.test_cli_runner().invoke(args=["sweep"])
        assert result.exit_code == 0, result.output
        assert "another instance is sweeping; nothing done" in result.output
        assert app.test_client().get("/healthz").get_json()["last_sweep_at"] is None
    finally:
        holder.communicate("release\n", timeout=10)
    result = app.test_cli_runner().invoke(args=["sweep"])
    assert "sweep done" in result.output, result.output
    assert app.test_client().get("/healthz").status_code == 200


# A second process holding the sweep lock the way a sweeping instance does, until told to stop.
HOLD_LOCK = """
import fcntl, sys
import sqlalchemy as sa
url, key = sys.argv[1], int(sys.argv[2])
if url.startswith("sqlite"):
    handle = open(sa.make_url(url).database + ".sweep-lock", "a")
    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
else:
    conn = sa.create_engine(url).connect()
    assert conn.execute(sa.text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": key}).scalar()
print("held", flush=True)
sys.stdin.readline()
"""


def test_healthz_reports_the_database_and_the_age_of_the_last_sweep(app, time_machine):
    client = app.test_client()
    time_machine.move_to(TUESDAY, tick=False)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"database": "ok", "last_sweep_at": None, "sweep_age_seconds": None}
    assert response.headers["Cache-Control"] == "no-store"

    assert app.test_cli_runner().invoke(args=["sweep"]).exit_code == 0
    time_machine.move_to(TUESDAY + timedelta(seconds=90), tick=False)
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"database": "ok", "last_sweep_at": "2026-11-17T15:00:00Z",
                                   "sweep_age_seconds": 90}
    time_machine.move_to(TUESDAY + timedelta(minutes=5), tick=False)
    assert client.get("/healthz").status_code == 200
    time_machine.move_to(TUESDAY + timedelta(minutes=5, seconds=1), tick=False)
    stale = client.get("/healthz")
    assert stale.status_code == 503 and stale.get_json()["sweep_age_seconds"] == 301


def test_healthz_is_503_when_the_database_is_unreachable(tmp_path):
    from pwa import create_app

    broken = create_app({"TESTING": True, "SECRET_KEY": "x",
                         "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/missing/dir/db.sqlite"})
    response = broken.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"database": "unreachable", "last_sweep_at": None, "sweep_age_seconds": None}


@pytest.mark.parametrize("role, sees", [("service_supervisor", True), ("attendance_supervisor", True),
                                        ("admin", True), ("outreach_worker", False), ("coordinator", False)])
def test_supervisors_and_admins_see_a_banner_when_the_sweep_has_not_run_for_5_minutes(
        app, auth, time_machine, role, sees):
    time_machine.move_to(TUESDAY, tick=False)
    auth.as_role(role)
    never = auth.client.get("/", follow_redirects=True).get_data(as_text=True)
    assert ("Deadlines are not being checked" in never) is sees
    assert ("never run on this database" in never) is sees
    assert app.test_cli_runner().invoke(args=["sweep"]).exit_code == 0
    time_machine.move_to(TUESDAY + timedelta(minutes=4), tick=False)
    fresh = auth.client.get("/", follow_redirects=True).get_data(as_text=True)
    assert "Deadlines are not being checked" not in fresh
    time_machine.move_to(TUESDAY + timedelta(minutes=7), tick=False)
    auth.login(role)  # the idle timeout has not passed, but sign in again to be plain about the clock
    stale = auth.client.get("/", follow_redirects=True).get_data(as_text=True)
    assert ("The deadline sweep last ran 7 minutes ago" in stale) is sees


def test_the_heartbeat_names_the_process_and_counts_runs(app, ctx, time_machine):
    from pwa.ops.models import SweepHeartbeat

    time_machine.move_to(TUESDAY, tick=False)
    runner = app.test_cli_runner()
    for _ in range(2):
        assert runner.invoke(args=["sweep"]).exit_code == 0
    beat = db.session.scalar(sa.select(SweepHeartbeat))
    assert beat.runs == 2 and beat.instance.endswith(f":{os.getpid()}")
