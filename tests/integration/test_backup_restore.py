"""`flask backup PATH` and `flask restore PATH` on the database under test (SQLite: the online backup API;
PostgreSQL: pg_dump and pg_restore). A restore brings back exactly what was backed up, and the archive
chain is verified after it; a restored chain that does not verify fails the command."""
import sqlalchemy as sa

from pwa.extensions import db
from tests.support.worlds import W2


def cli(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def counts(app) -> dict:
    from pwa.accounts.models import User
    from pwa.archive.models import ArchiveEntry
    from pwa.cases.models import Case

    with app.app_context():
        result = {model.__tablename__: db.session.scalar(sa.select(sa.func.count()).select_from(model))
                  for model in (User, Case, ArchiveEntry)}
        db.session.remove()
        return result


def test_backup_then_restore_brings_back_the_data_and_an_intact_archive(app, auth, factory, tmp_path, now):
    w2 = W2(app, auth, factory, now)
    for _ in range(3):
        w2.case()
    before = counts(app)
    assert before["archive_entries"] > 0
    archive = tmp_path / "continuity.backup"
    result = cli(app, "backup", str(archive))
    assert result.exit_code == 0, result.output
    assert archive.stat().st_size > 0

    w2.case()  # written after the backup: the restore takes it away
    auth.user("late", "coordinator")
    assert counts(app) != before

    restored = cli(app, "restore", str(archive), "--yes")
    assert restored.exit_code == 0, restored.output
    assert f"archive intact: {before['archive_entries']} entries verified" in restored.output
    assert counts(app) == before
    # The app keeps working on the restored database.
    assert auth.login("cora")["user"]["username"] == "cora"


def test_a_restore_whose_archive_does_not_verify_fails(app, auth, factory, tmp_path, now):
    """A backup taken of a tampered database: restoring it says where the chain breaks and exits 1."""
    from pwa.archive.append_only import lifted
    from pwa.archive.models import ArchiveEntry

    W2(app, auth, factory, now).case()
    with app.app_context():
        first = db.session.scalar(sa.select(ArchiveEntry.seq).order_by(ArchiveEntry.seq).limit(1))
        with db.engine.begin() as conn, lifted(conn, ("archive_entries",)):  # an intruder lifts the triggers
            conn.execute(sa.text("UPDATE archive_entries SET action = 'tampered' WHERE seq = :s"), {"s": first})
        db.session.remove()
    archive = tmp_path / "tampered.backup"
    assert cli(app, "backup", str(archive)).exit_code == 0
    result = cli(app, "restore", str(archive), "--yes")
    assert result.exit_code == 1
    assert f"restored, but the archive is broken at entry {first}" in result.output


def test_restore_asks_first_and_refuses_a_missing_file(app, tmp_path):
    assert cli(app, "restore", str(tmp_path / "nothing.backup"), "--yes").exit_code == 2
    archive = tmp_path / "b.backup"
    assert cli(app, "backup", str(archive)).exit_code == 0
    declined = app.test_cli_runner().invoke(args=["restore", str(archive)], input="n\n")
    assert declined.exit_code == 1 and "Aborted" in declined.output
