"""Backup and restore of the configured database.

SQLite: the online backup API (`sqlite3.Connection.backup`) copies a consistent snapshot while the app
keeps writing, and restores by copying the backup back page by page in one transaction.
PostgreSQL: `pg_dump --format=custom` and `pg_restore --clean --single-transaction`; the password goes
to the tools through PGPASSWORD, never on their command line.
"""
import os
import shutil
import sqlite3
import subprocess

from sqlalchemy.engine import URL

from ..extensions import db


class BackupFailed(RuntimeError):
    pass


def _sqlite_path(url: URL) -> str:
    if not url.database or url.database == ":memory:":
        raise BackupFailed("an in-memory SQLite database has nothing to back up")
    return url.database


def _pg(url: URL) -> tuple[str, dict]:
    """A libpq connection string without the password, and the environment carrying it."""
    env = {**os.environ}
    if url.password:
        env["PGPASSWORD"] = url.password
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupFailed(f"{name} not found: install the PostgreSQL client tools of the server's version")
    return path


def backup(path: str) -> None:
    url = db.engine.url
    if url.get_backend_name() == "sqlite":
        source = sqlite3.connect(_sqlite_path(url))
        target = sqlite3.connect(path)
        try:
            with target:
                source.backup(target)
        finally:
            target.close()
            source.close()
        return
    dsn, env = _pg(url)
    _run([_tool("pg_dump"), "--format=custom", "--no-owner", "--file", path, "--dbname", dsn], env)


def restore(path: str) -> None:
    """Replace the database's contents with the backup at `path` (the app's own connections are closed
    first; stop the web and sweeper processes before restoring)."""
    url = db.engine.url
    db.session.remove()
    db.engine.dispose()
    if url.get_backend_name() == "sqlite":
        source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        target = sqlite3.connect(_sqlite_path(url))
        try:
            source.backup(target)
        finally:
            target.close()
            source.close()
        return
    dsn, env = _pg(url)
    _run([_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--single-transaction",
          "--exit-on-error", "--dbname", dsn, path], env)


def _run(command: list[str], env: dict) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupFailed(f"{os.path.basename(command[0])} failed: {result.stderr.strip()[:500]}")
