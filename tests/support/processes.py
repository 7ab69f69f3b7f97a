"""The app as processes of its own (the sweeper, gunicorn): their environment, the wall clock they live on
whatever the suite's time travel says, stopping them, and waiting for what they do."""
import os
import signal
import subprocess
import time
from datetime import UTC
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]  # the checkout


def real_now():
    """The wall clock, whatever the suite's time travel says: a separate process lives on it."""
    import datetime

    import time_machine

    if time_machine.escape_hatch.is_travelling():
        return time_machine.escape_hatch.datetime.datetime.now(UTC)
    return datetime.datetime.now(UTC)


def process_env(app, **extra) -> dict:
    return {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "SECRET_KEY": "test-secret",
            "VAPID_PRIVATE_KEY": app.config["VAPID_PRIVATE_KEY"], "VAPID_SUBJECT": app.config["VAPID_SUBJECT"],
            "NO_PROXY": "127.0.0.1,localhost", "LOG_FORMAT": "json", **extra}


def stop(process: subprocess.Popen) -> str:
    process.send_signal(signal.SIGTERM)
    output, _ = process.communicate(timeout=20)
    assert process.returncode == 0, output
    return output


def wait_for(condition, timeout=40.0, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")
