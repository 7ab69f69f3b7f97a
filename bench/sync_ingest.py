"""Sync ingest: 10,000 queued attempts sent through POST /api/v1/sync in batches, against a plain
SQLAlchemy insert of the same rows, in the same run.

    .venv/bin/python bench/sync_ingest.py                    # SQLite, in temporary files
    BENCH_DATABASE_URL=postgresql+psycopg://postgres:postgres@127.0.0.1:5432/continuity_sync_bench \\
        .venv/bin/python bench/sync_ingest.py                # PostgreSQL (the database is rebuilt, every run)

Options: --entries N (default 10,000), --batch N (entries per request, default 200, the envelope's
maximum), --cases N (recovery cases the attempts are spread over, default 100), --runs N (default 3;
the median is reported), --json.

Each run starts from an empty database built with the real migrations, in which users, cases,
appointments and opened recovery cases are made through the app's own operations (workflow 1 up to
the release, then 2a), all assigned to one outreach worker.

- ingest: the worker signs in through POST /api/v1/session and the Flask test client posts the
  batches to POST /api/v1/sync with the session cookie and the CSRF token: the whole endpoint path
  (CSRF, session, JSON, envelope, replay look-up, the same validation and rules as the attempt form,
  the archive's hash chain, one commit per request), minus a network socket. Timed from the first
  request to the last answer; every entry must come back `created`, and the archive chain must verify.
- plain insert: into a fresh database with the same setup, the same attempts as RecoveryAttempt rows
  (the columns the endpoint fills), session.add_all() and commit() per batch, nothing else.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import statistics
import sys
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

PASSWORD = "bench-password-1"
OUTCOMES = ("no_answer", "reached", "declined")


def make_app(url: str):
    from flask_migrate import downgrade, upgrade

    from pwa import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "SERVER_NAME": "bench.test",
                      "LOG_LEVEL": logging.WARNING,
                      "ARGON2_PARAMS": {"time_cost": 1, "memory_cost": 1024, "parallelism": 1}})
    logging.getLogger("alembic").setLevel(logging.WARNING)
    with app.app_context():
        if url.startswith("postgresql"):
            downgrade(revision="base")
        upgrade()
    return app


def set_up(app, cases: int) -> list[int]:
    """Users, cases with two approved routes, a missed appointment each, released for outreach and
    opened by the worker: through the operations, as the demo and the tests make them."""
    from pwa.accounts.operations import create_user
    from pwa.cases.operations import upsert_appointment, upsert_case
    from pwa.clock import utcnow
    from pwa.extensions import db
    from pwa.intake import operations as intake
    from pwa.recovery.queries import recovery_case_for
    from pwa.recovery.operations import open_recovery_case

    with app.app_context():
        cora = create_user("cora", PASSWORD, ["coordinator"])
        sam = create_user("sam", PASSWORD, ["attendance_supervisor"])
        olu = create_user("olu", PASSWORD, ["outreach_worker"])
        create_user("admin", PASSWORD, ["admin"])
        db.session.commit()
        at = (utcnow() - timedelta(minutes=20)).replace(second=0, microsecond=0)
        ids = []
        for n in range(cases):
            ref = f"C-{n:05d}"
            upsert_case({"case_ref": ref, "display_name": f"Person {n}", "risk_flags": [], "contact_routes": [
                {"channel": "phone_call", "value": "+1 555 0100", "approved": True, "preferred": True},
                {"channel": "sms", "value": "+1 555 0100", "approved": True}], "assigned_outreach_worker": "olu"})
            upsert_appointment({"appointment_ref": f"A-{n:05d}", "case_ref": ref, "scheduled_at": at.isoformat(),
                                "service": "Counselling", "modality": "in_person"}, cora)
            event = intake.open_missed_contact({
                "case_ref": ref, "appointment_ref": f"A-{n:05d}", "scheduled_at": at.isoformat(),
                "event_type": "missed_appointment", "service_disruption_known": "no",
                "contactability_status": "reachable",
                "next_checkpoint_date": (date.today() + timedelta(days=3)).isoformat()}, cora)
            intake.classify_missed_contact(event.id, {
                "final_classification": "access_barrier", "outcome": "confirm", "access_barrier_likelihood": "high",
                "service_failure_contribution": "contributing", "contributing_factors": ["transport"],
                "unresolved_dependency_count": 0, "evidence_summary": "Bus route cancelled."}, sam)
            recovery = recovery_case_for(intake.release_code(event.id, {
                "permanent_code": "NS-ACCESS", "follow_up_required": "yes", "follow_up_route": "outreach",
                "review_date": (date.today() + timedelta(days=7)).isoformat()}, cora))
            route = next(r.id for r in recovery.case.contact_routes if r.channel == "phone_call")
            open_recovery_case(recovery.id, {
                "recovery_priority_tier": "2", "approved_contact_route": route, "immediate_welfare_concern": "no",
                "service_impact_score": 3, "next_checkpoint_date": (date.today() + timedelta(days=2)).isoformat()},
                olu)
            ids.append(recovery.id)
        db.session.commit()
        db.session.remove()
    return ids


def queued_entries(case_ids: list[int], count: int) -> list[dict]:
    """What a day of phones would queue: attempts spread over the cases, stamped just now."""
    from pwa.clock import utcnow

    at = utcnow().isoformat()
    return [{"client_id": str(uuid.uuid4()), "kind": "attempt", "recovery_case_id": case_ids[i % len(case_ids)],
             "recorded_at": at, "payload": {
                 "attempt_at": at, "channel": "phone_call" if i % 3 else "sms", "outcome": OUTCOMES[i % 3],
                 "barrier_signal": "none", "rescue_option": "alternate_slot",
                 "rescue_detail": f"Offered Thursday 19 Nov at 14:{i % 60:02d} with the same counsellor"}}
            for i in range(count)]


def ingest(url: str, cases: int, count: int, batch: int) -> dict:
    from pwa.archive.operations import verify_chain
    from pwa.extensions import db

    app = make_app(url)
    entries = queued_entries(set_up(app, cases), count)
    client = app.test_client()
    signed_in = client.post("/api/v1/session", json={"username": "olu", "password": PASSWORD})
    headers = {"X-CSRFToken": signed_in.get_json()["csrf_token"]}
    from pwa.clock import utcnow

    start, cpu = time.perf_counter(), time.process_time()
    for first in range(0, count, batch):
        response = client.post("/api/v1/sync", headers=headers, json={
            "device_id": "bench-phone", "sent_at": utcnow().isoformat(), "entries": entries[first:first + batch]})
        results = response.get_json()["results"]
        if response.status_code != 200 or any(r["status"] != "created" for r in results):
            raise SystemExit(f"batch at {first} not created: {response.status_code} {results[:2]}")
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    with app.app_context():
        stored = db.session.scalar(sa.text("SELECT count(*) FROM recovery_attempts"))
        report = verify_chain()
        db.session.remove()
        db.engine.dispose()
    assert stored == count and report.ok, (stored, report)
    return {"seconds": seconds, "rate": count / seconds, "cpu_rate": count / cpu, "archive_entries": report.checked}


def plain_insert(url: str, cases: int, count: int, batch: int) -> dict:
    """The same attempts as rows, as cheaply as the ORM writes them: no validation, rules or archive."""
    from pwa.accounts.models import User
    from pwa.clock import utcnow
    from pwa.extensions import db
    from pwa.recovery.models import RecoveryAttempt

    app = make_app(url)
    entries = queued_entries(set_up(app, cases), count)
    with app.app_context():
        olu = db.session.scalar(sa.select(User.id).filter_by(username="olu"))
        start, cpu = time.perf_counter(), time.process_time()
        for first in range(0, count, batch):
            now = utcnow()
            rows = []
            for e in entries[first:first + batch]:
                p = e["payload"]
                at = now.fromisoformat(p["attempt_at"])
                rows.append(RecoveryAttempt(
                    recovery_case_id=e["recovery_case_id"], attempt_at=at, channel=p["channel"], outcome=p["outcome"],
                    barrier_signal=p["barrier_signal"], rescue_option=p["rescue_option"],
                    rescue_detail=p["rescue_detail"], late=False, reviewer_id=olu, validation_timestamp=now,
                    control_status="met", escalation_status="none", client_id=e["client_id"], recorded_at=at,
                    corrected_recorded_at=at, received_at=now, clock_offset_seconds=0.0, clock_flagged=False,
                    device_id="bench-phone", payload_digest="0" * 64))
            db.session.add_all(rows)
            db.session.commit()
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
        stored = db.session.scalar(sa.text("SELECT count(*) FROM recovery_attempts"))
        db.session.remove()
        db.engine.dispose()
    assert stored == count, stored
    return {"seconds": seconds, "rate": count / seconds, "cpu_rate": count / cpu}


def run(label: str, url_for_run, args) -> dict:
    ingests, plains = [], []
    for n in range(args.runs):
        ingests.append(ingest(url_for_run(f"ingest{n}"), args.cases, args.entries, args.batch))
        plains.append(plain_insert(url_for_run(f"plain{n}"), args.cases, args.entries, args.batch))
    ingest_rate = statistics.median(r["rate"] for r in ingests)
    plain_rate = statistics.median(r["rate"] for r in plains)
    ingest_cpu = statistics.median(r["cpu_rate"] for r in ingests)
    plain_cpu = statistics.median(r["cpu_rate"] for r in plains)
    return {"database": label, "entries": args.entries, "batch": args.batch, "cases": args.cases, "runs": args.runs,
            "ingest_per_second": round(ingest_rate), "plain_insert_per_second": round(plain_rate),
            "ratio": round(ingest_rate / plain_rate, 3),
            "ingest_runs": [round(r["rate"]) for r in ingests], "plain_runs": [round(r["rate"]) for r in plains],
            # Entries per second of this process's CPU time: steadier on a shared machine; on PostgreSQL it
            # leaves out the server's work.
            "ingest_per_cpu_second": round(ingest_cpu), "plain_insert_per_cpu_second": round(plain_cpu),
            "cpu_ratio": round(ingest_cpu / plain_cpu, 3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=200)
    parser.add_argument("--cases", type=int, default=100)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    logging.disable(logging.INFO)  # the migrations' and sign-ins' log lines

    figures = []
    with tempfile.TemporaryDirectory() as folder:
        figures.append(run("SQLite", lambda name: f"sqlite:///{folder}/{name}.sqlite", args))
    pg = os.environ.get("BENCH_DATABASE_URL")
    if pg:
        figures.append(run("PostgreSQL", lambda _name: pg, args))
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    print(f"Sync ingest: {args.entries:,} attempts over {args.cases} recovery cases, batches of {args.batch}, "
          f"median of {args.runs} runs ({platform.python_implementation()} {platform.python_version()}, "
          f"{os.cpu_count()} CPUs)")
    print(f"{'database':<12}{'ingest /s':>12}{'plain insert /s':>18}{'ratio':>8}   runs (ingest | plain)"
          f"   per CPU-second: ingest, plain, ratio")
    for f in figures:
        print(f"{f['database']:<12}{f['ingest_per_second']:>12,}{f['plain_insert_per_second']:>18,}"
              f"{f['ratio']:>8.2f}   {f['ingest_runs']} | {f['plain_runs']}"
              f"   {f['ingest_per_cpu_second']:,}, {f['plain_insert_per_cpu_second']:,}, {f['cpu_ratio']:.2f}")
    print("target: ingest >= 1/3 of the plain-insert rate (ratio >= 0.33); load average at the end: "
          + " ".join(f"{x:.1f}" for x in os.getloadavg()))


if __name__ == "__main__":
    main()
