"""The append-only tables, and the database triggers that refuse UPDATE and DELETE on them (migrations 0001,
0009, 0010 create them). `lifted` drops and restores them on SQLite, for what only a person with the database
file can do anyway: a test tampering as an attacker would, or emptying the test database."""
from contextlib import contextmanager

APPEND_ONLY_TABLES = ("archive_entries", "archive_checkpoints", "access_records")


def sqlite_triggers(table: str) -> list[str]:
    return [f"""CREATE TRIGGER IF NOT EXISTS {table}_no_{op.lower()} BEFORE {op} ON {table}
                BEGIN SELECT RAISE(ABORT, '{table} is append-only: {op} refused'); END"""
            for op in ("UPDATE", "DELETE")]


@contextmanager
def lifted(conn, tables=APPEND_ONLY_TABLES):
    """On SQLite, drop the append-only triggers of `tables` (that exist) for the block, then restore them.
    On PostgreSQL, replica mode for the transaction: row triggers do not fire."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
        yield
        return
    present = {row[0] for row in conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    dropped = [t for t in tables if f"{t}_no_update" in present]
    for table in dropped:
        for op in ("update", "delete"):
            conn.exec_driver_sql(f"DROP TRIGGER {table}_no_{op}")
    try:
        yield
    finally:
        for table in dropped:
            for statement in sqlite_triggers(table):
                conn.exec_driver_sql(statement)
