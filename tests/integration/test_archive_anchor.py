"""The archive's head anchored outside the database: signed checkpoints (`flask audit checkpoint`, hourly from
the sweep, one per governance pack), checked by `flask audit verify`; and append-only triggers on SQLite too."""
import os
import stat
from datetime import timedelta

import pytest
import sqlalchemy as sa

from pwa import create_app
from pwa.archive.append_only import lifted
from pwa.archive.checkpoint import ArchiveCheckpoint, generate_key
from pwa.archive.models import ArchiveEntry
from pwa.archive.operations import GENESIS, compute_hash
from pwa.extensions import db
from tests.support.worlds import open_and_classify


def _cli(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def _entries(app, n_events: int, auth, factory):
    for _ in range(n_events):
        open_and_classify(auth, factory)
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(ArchiveEntry))


def _rehash_from(conn, first_seq: int) -> None:
    """What an attacker with the app's own hash function does after editing an entry: recompute the rest."""
    rows = conn.execute(sa.select(ArchiveEntry.__table__).order_by(ArchiveEntry.seq)).all()
    prev = GENESIS
    for row in rows:
        if row.seq >= first_seq:
            new_hash = compute_hash(prev, row)
            conn.execute(sa.update(ArchiveEntry.__table__).where(ArchiveEntry.seq == row.seq)
                         .values(prev_hash=prev, hash=new_hash))
            prev = new_hash
        else:
            prev = row.hash


@pytest.mark.parametrize("table, key", [("archive_entries", "seq"), ("archive_checkpoints", "id")])
def test_the_database_refuses_update_and_delete_of_the_archive(app, auth, factory, now, table, key):
    open_and_classify(auth, factory)
    assert _cli(app, "audit", "checkpoint").exit_code == 0
    column = "reason" if table == "archive_checkpoints" else "action"
    with app.app_context():
        for statement in (f"UPDATE {table} SET {column} = 'x' WHERE {key} = 1", f"DELETE FROM {table} WHERE {key} = 1"):
            with pytest.raises(sa.exc.DBAPIError, match="append-only"):
                with db.engine.begin() as conn:
                    conn.execute(sa.text(statement))
        assert db.session.scalar(sa.select(sa.func.count()).select_from(sa.table(table))) >= 1


def test_audit_checkpoint_signs_the_head(app, auth, factory, now):
    count = _entries(app, 2, auth, factory)
    result = _cli(app, "audit", "checkpoint")
    assert result.exit_code == 0, result.output
    with app.app_context():
        checkpoint = db.session.scalar(sa.select(ArchiveCheckpoint))
        head = db.session.get(ArchiveEntry, count)
        assert (checkpoint.seq, checkpoint.head_hash, checkpoint.reason) == (count, head.hash, "command")
    assert f"{count} entries, head {head.hash}" in result.output
    verified = _cli(app, "audit", "verify")
    assert verified.exit_code == 0
    assert f"archive intact: {count} entries verified; the latest of 1 signed checkpoints covers entry {count}" \
        in verified.output


def test_audit_verify_detects_a_removed_tail(app, auth, factory, now):
    count = _entries(app, 3, auth, factory)
    _cli(app, "audit", "checkpoint")
    with app.app_context():
        with db.engine.begin() as conn, lifted(conn):
            conn.execute(sa.text("DELETE FROM archive_entries WHERE seq > :n"), {"n": count - 5})
    result = _cli(app, "audit", "verify")
    assert result.exit_code == 1
    assert f"archive broken at entry {count}" in result.output and "its tail was removed" in result.output


def test_audit_verify_detects_a_rewritten_chain(app, auth, factory, now):
    count = _entries(app, 2, auth, factory)
    _cli(app, "audit", "checkpoint")
    with app.app_context():
        with db.engine.begin() as conn, lifted(conn):
            conn.execute(sa.text("UPDATE archive_entries SET record = :r WHERE seq = 3"),
                         {"r": '{"final_classification":"person_refusal"}'})
            _rehash_from(conn, 3)
        from pwa.archive.operations import verify_chain
        assert verify_chain().ok  # the chain alone cannot tell
    result = _cli(app, "audit", "verify")
    assert result.exit_code == 1
    assert f"archive broken at entry {count}" in result.output and "was rewritten" in result.output


def test_audit_verify_detects_a_replaced_checkpoint(app, auth, factory, now):
    _entries(app, 2, auth, factory)
    _cli(app, "audit", "checkpoint")
    with app.app_context():
        with db.engine.begin() as conn, lifted(conn):
            conn.execute(sa.text("UPDATE archive_entries SET record = '{}' WHERE seq = 2"))
            _rehash_from(conn, 2)
            head = conn.execute(sa.select(ArchiveEntry.hash).order_by(ArchiveEntry.seq.desc()).limit(1)).scalar()
            conn.execute(sa.text("UPDATE archive_checkpoints SET head_hash = :h"), {"h": head})
    result = _cli(app, "audit", "verify")
    assert result.exit_code == 1 and "is not signed by this archive's key" in result.output


def test_a_checkpoint_signed_with_another_key_is_refused(app, auth, factory, now, monkeypatch):
    _entries(app, 1, auth, factory)
    monkeypatch.setitem(app.config, "ARCHIVE_SIGNING_KEY", generate_key())  # an attacker's own key
    _cli(app, "audit", "checkpoint")
    monkeypatch.undo()
    result = _cli(app, "audit", "verify")
    assert result.exit_code == 1 and "is not signed by this archive's key" in result.output


def test_the_sweep_writes_a_checkpoint_every_hour(app, auth, factory, now, time_machine):
    _entries(app, 1, auth, factory)

    def checkpoints():
        with app.app_context():
            return db.session.scalars(sa.select(ArchiveCheckpoint.reason).order_by(ArchiveCheckpoint.id)).all()

    assert _cli(app, "sweep").exit_code == 0
    assert checkpoints() == ["hourly"]
    time_machine.move_to(now + timedelta(minutes=59), tick=False)
    _cli(app, "sweep")
    assert checkpoints() == ["hourly"]
    time_machine.move_to(now + timedelta(minutes=61), tick=False)
    _cli(app, "sweep")
    assert checkpoints() == ["hourly", "hourly"]


def test_the_governance_pack_writes_and_prints_a_checkpoint(app, auth, factory, now):
    _entries(app, 1, auth, factory)
    auth.as_role("auditor")
    with app.app_context():
        count = db.session.scalar(sa.select(sa.func.count()).select_from(ArchiveEntry))
    page = auth.get("/outcomes/pack?period=week&end=2026-11-17")
    assert page.status_code == 200
    with app.app_context():
        checkpoint = db.session.scalar(sa.select(ArchiveCheckpoint))
    assert checkpoint.reason == "pack" and checkpoint.seq == count
    assert checkpoint.signature in page.text and checkpoint.head_hash in page.text
    assert 'id="checkpoint"' in page.text


def test_the_signing_key_is_kept_in_the_instance_folder_when_not_configured(app, tmp_path):
    other = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://",
                        "ARCHIVE_SIGNING_KEY": None})
    other.instance_path = str(tmp_path)
    with other.app_context():
        from pwa.archive.checkpoint import public_key

        first = public_key()
        assert public_key() == first  # made once, then read
    path = tmp_path / "archive_signing_key"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
