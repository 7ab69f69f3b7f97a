"""Runs a batch of figure queries and returns each one's rows.

SQLite: one after another, in the session. PostgreSQL: side by side, on up to OUTCOME_QUERY_CONNECTIONS
connections (default 2; 1 runs them in the session), each reading the session's own snapshot
(pg_export_snapshot), so the figures agree with each other as one query's would, and a figure set
takes about as long as its slowest query rather than the sum of all of them.
"""
from concurrent.futures import ThreadPoolExecutor

import sqlalchemy as sa
from flask import current_app

from ..extensions import db

DEFAULT_CONNECTIONS = 2


def _for_reporting(conn, side_by_side: bool) -> None:
    """For this transaction only: no JIT (compiling the figures' CASE trees costs seconds and saves
    milliseconds), room to hash a year of records in memory, and no parallel workers of a query's own
    when the queries already run side by side (they would only take turns on the same cores)."""
    conn.exec_driver_sql("SET LOCAL jit = off")
    conn.exec_driver_sql("SET LOCAL work_mem = '64MB'")
    if side_by_side:
        conn.exec_driver_sql("SET LOCAL max_parallel_workers_per_gather = 0")


def run(queries: list[sa.Select]) -> list[list[sa.RowMapping]]:
    session = db.session
    if session.get_bind().dialect.name != "postgresql":
        return [session.execute(query).mappings().all() for query in queries]
    connections = int(current_app.config.get("OUTCOME_QUERY_CONNECTIONS", DEFAULT_CONNECTIONS))
    if connections <= 1 or len(queries) <= 1:
        _for_reporting(session.connection(), side_by_side=False)
        return [session.execute(query).mappings().all() for query in queries]

    snapshot = session.execute(sa.text("SELECT pg_export_snapshot()")).scalar_one()
    engine = session.get_bind()

    def one(query):
        with engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn:
            # The first statement of the transaction: read exactly what the session reads. The id comes
            # from the server (SET TRANSACTION SNAPSHOT takes no parameters).
            conn.exec_driver_sql(f"SET TRANSACTION SNAPSHOT '{snapshot}'")
            _for_reporting(conn, side_by_side=True)
            rows = conn.execute(query).mappings().all()
            conn.rollback()
            return rows

    with ThreadPoolExecutor(max_workers=min(connections, len(queries))) as pool:
        return list(pool.map(one, queries))
