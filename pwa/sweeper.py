"""The sweeper: the deadline sweep every minute, in a process of its own (`flask sweeper`).

APScheduler runs the job: an interval trigger that starts at once, never overlaps itself in one process
(max_instances=1), and runs a missed interval once instead of catching up (coalesce). Across processes,
`sweep_lock` lets exactly one sweep run at a time: PostgreSQL's transaction advisory lock (taken inside
run_sweep), and for SQLite an exclusive lock on a file beside the database (released by the kernel if
the process dies, like the advisory lock is when its connection does). A process that finds the lock
taken skips that run; the holder records the heartbeat /healthz reads.
"""
import fcntl
import logging
import os
import signal
import socket
import time
from contextlib import contextmanager

from flask import Flask

from .clock import utcnow
from .extensions import db

log = logging.getLogger("continuity.sweeper")
HEARTBEAT = "sweep"


@contextmanager
def sweep_lock():
    """Yields True when this process may sweep now. SQLite: a non-blocking flock on `<db>.sweep-lock`."""
    url = db.engine.url
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        yield True  # PostgreSQL: run_sweep takes pg_try_advisory_xact_lock in its own transaction
        return
    with open(url.database + ".sweep-lock", "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def record_heartbeat(started: float) -> None:
    """Record the finished sweep in the same transaction as its work."""
    from .ops.models import SweepHeartbeat

    beat = db.session.get(SweepHeartbeat, HEARTBEAT)
    if beat is None:
        beat = SweepHeartbeat(name=HEARTBEAT, runs=0)
        db.session.add(beat)
    beat.last_sweep_at = utcnow()
    beat.duration_ms = int((time.monotonic() - started) * 1000)
    beat.instance = f"{socket.gethostname()}:{os.getpid()}"[:120]
    beat.runs = (beat.runs or 0) + 1


def sweep_once():
    """One sweep and its push alerts. Returns (report or None when another process holds the lock, sent)."""
    from .push.operations import send_due_alerts
    from .sweep import run_sweep

    started = time.monotonic()
    with sweep_lock() as mine:
        report = run_sweep() if mine else None
        if report is not None:
            record_heartbeat(started)
        db.session.commit()
    # Sending takes each delivery with its own claim, so it is safe beside another instance's sweep.
    sent = send_due_alerts()
    return report, sent


def _job(app: Flask) -> None:
    with app.app_context():
        try:
            report, sent = sweep_once()
        except Exception:  # one failed run must not stop the schedule; the next minute tries again
            db.session.rollback()
            log.exception("sweep failed")
            return
        finally:
            db.session.remove()
        if report is None:
            log.info("sweep skipped: another instance holds the sweep lock")
        log.info("push alerts sent=%s failed=%s gone=%s", sent["sent"], sent["failed"], sent["gone"])


def serve(app: Flask, interval_seconds: float) -> None:
    """Run the sweep now and then every `interval_seconds` until SIGTERM or SIGINT."""
    from apscheduler.schedulers.blocking import BlockingScheduler

    scheduler = BlockingScheduler(timezone="UTC")
    scheduler.add_job(_job, "interval", args=[app], seconds=interval_seconds, id="sweep",
                      next_run_time=utcnow(), max_instances=1, coalesce=True,
                      misfire_grace_time=max(1, int(interval_seconds)))

    def _stop(signum, _frame):
        log.info("sweeper stopping on signal %s", signum)
        scheduler.shutdown(wait=False)

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    log.info("sweeper started: every %ss on %s", interval_seconds, db_name(app))
    scheduler.start()


def db_name(app: Flask) -> str:
    """The database as a log line may name it: backend and database name, never a password."""
    with app.app_context():
        url = db.engine.url
        return f"{url.get_backend_name()}:{os.path.basename(url.database or '')}"
