"""The access record's cost: the same reads with and without it, in the same run.

    .venv/bin/python bench/access_record.py                  # SQLite, in temporary files
    BENCH_DATABASE_URL=postgresql+psycopg://postgres:postgres@127.0.0.1:5432/continuity_access_bench \\
        .venv/bin/python bench/access_record.py              # PostgreSQL (the database is rebuilt)

Options: --cases N (recovery cases of one outreach worker, default 50), --requests N (per measurement,
default 300).

Set-up as bench/sync_ingest.py (the app's operations). The outreach worker signs in, then the Flask test client
reads a recovery case page (one person) and GET /api/v1/recovery-cases (every case of the worker: N persons),
each `--requests` times with the access record on (every read writes its rows with one INSERT) and off (its
after-request hook removed). Prints the median and 95th percentile per request, the difference, and the
INSERT statements per request (counted on the engine).
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from sync_ingest import PASSWORD, make_app, set_up  # noqa: E402


def measure(client, path: str, requests: int) -> list[float]:
    times = []
    for _ in range(requests):
        start = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=50)
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite"
    app = make_app(url)
    ids = set_up(app, args.cases)
    from pwa.access_log.record import write_reads
    from pwa.extensions import db

    client = app.test_client()
    assert client.post("/api/v1/session", json={"username": "olu", "password": PASSWORD}).status_code == 200
    inserts = []
    with app.app_context():
        engine = db.engine

    def count(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("INSERT INTO ACCESS_RECORDS"):
            inserts.append(1)

    import sqlalchemy as sa

    sa.event.listen(engine, "before_cursor_execute", count)
    hooks = app.after_request_funcs[None]
    print(f"database: {engine.dialect.name}; {args.cases} recovery cases; {args.requests} requests per figure")
    for label, path, persons in (("case page", f"/recovery/{ids[0]}", 1),
                                 ("API list", "/api/v1/recovery-cases", args.cases)):
        measure(client, path, 20)  # warm up
        inserts.clear()
        on = measure(client, path, args.requests)
        per_request = len(inserts) / args.requests
        hooks.remove(write_reads)
        off = measure(client, path, args.requests)
        hooks.append(write_reads)
        med_on, med_off = statistics.median(on), statistics.median(off)
        p95_on = statistics.quantiles(on, n=20)[18]
        p95_off = statistics.quantiles(off, n=20)[18]
        print(f"{label:<10} ({persons:>3} person{'s' if persons != 1 else ''} a read): median {med_on:6.2f} ms with the "
              f"access record, {med_off:6.2f} ms without (+{med_on - med_off:5.2f} ms); p95 {p95_on:6.2f} / "
              f"{p95_off:6.2f} ms; {per_request:.2f} INSERT per request")


if __name__ == "__main__":
    main()
