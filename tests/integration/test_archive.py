"""The hash-chained archive: written with every step, browsable, verifiable, append-only."""
import pytest
import sqlalchemy as sa

from pwa.archive.append_only import lifted
from pwa.archive.models import ArchiveEntry
from pwa.extensions import db
from tests.support.payloads import classification_payload
from tests.support.worlds import open_and_classify


def _tamper(app, seq: int, record: str) -> None:
    """Change an entry by hand, as an attacker with database access would (bypassing the trigger)."""
    with app.app_context():
        with db.engine.begin() as conn, lifted(conn):
            conn.execute(sa.text("UPDATE archive_entries SET record = :r WHERE seq = :s"), {"r": record, "s": seq})


def test_audit_verify_passes_on_an_untouched_archive(app, auth, factory, now):
    open_and_classify(auth, factory)
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert "archive intact: 4 entries verified" in result.output


def test_audit_verify_names_the_first_altered_entry(app, auth, factory, now):
    open_and_classify(auth, factory)
    _tamper(app, 3, '{"final_classification":"person_refusal"}')
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert "archive broken at entry 3" in result.output
    assert "do not match its hash" in result.output


def test_audit_verify_detects_a_removed_entry(app, auth, factory, now):
    open_and_classify(auth, factory)
    with app.app_context():
        with db.engine.begin() as conn, lifted(conn):
            conn.execute(sa.text("DELETE FROM archive_entries WHERE seq = 2"))
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert "archive broken at entry 2: entry 2 is missing" in result.output


def test_postgresql_refuses_update_and_delete_of_archive_entries(app, auth, factory, now):
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("the append-only trigger is PostgreSQL's")
    open_and_classify(auth, factory)
    with app.app_context():
        for statement in ("UPDATE archive_entries SET action = 'x' WHERE seq = 1",
                          "DELETE FROM archive_entries WHERE seq = 1"):
            with pytest.raises(sa.exc.DBAPIError, match="append-only"):
                with db.engine.begin() as conn:
                    conn.execute(sa.text(statement))
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ArchiveEntry)) == 4


def test_a_refused_step_leaves_no_archive_entry(app, auth, factory, now):
    event = open_and_classify(auth, factory)
    with app.app_context():
        before = db.session.scalar(sa.select(sa.func.count()).select_from(ArchiveEntry))
    auth.login("sam")  # classifying twice is refused: the event is no longer queued
    assert auth.post(f"/api/v1/missed-contacts/{event['id']}/classification",
                     classification_payload()).status_code == 409
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ArchiveEntry)) == before


def test_each_folder_holds_its_step_and_the_chain_links(app, auth, factory, now):
    event = open_and_classify(auth, factory)
    auth.as_role("auditor")
    opened = auth.get("/api/v1/archive/missed-contact").get_json()
    assert opened["total"] == 1
    entry = opened["items"][0]
    assert (entry["step"], entry["action"], entry["entity"], entry["entity_id"]) == ("1a", "opened", "missed_contacts", event["id"])
    assert entry["record"]["event_type"] == "missed_appointment"
    assert entry["actor_role"] == "coordinator"
    control = auth.get("/api/v1/archive/attendance-control").get_json()["items"]
    assert [e["action"] for e in control] == ["confirm"]
    queue = auth.get("/api/v1/archive/classification-queue").get_json()["items"]
    assert [e["action"] for e in queue] == ["confirmed", "queued"]  # newest first
    chain = sorted([entry, *control, *queue], key=lambda e: e["seq"])
    assert [e["seq"] for e in chain] == [1, 2, 3, 4]
    assert chain[0]["prev_hash"] == "0" * 64
    for before, after in zip(chain, chain[1:]):
        assert after["prev_hash"] == before["hash"]


def test_archive_pages_and_filters_by_case(app, auth, factory, now):
    for _ in range(3):
        open_and_classify(auth, factory)
    auth.as_role("auditor")
    page = auth.get("/api/v1/archive/missed-contact?per_page=2&page=2").get_json()
    assert (page["total"], len(page["items"]), page["page"]) == (3, 1, 2)
    one = auth.get("/api/v1/archive/missed-contact?case_ref=C-0003").get_json()
    assert one["total"] == 1 and one["items"][0]["case_ref"] == "C-0003"
    assert auth.get("/api/v1/archive/no-such-folder").status_code == 404


def test_archive_screens_browse_and_export(app, auth, factory, now):
    open_and_classify(auth, factory)
    auth.as_role("auditor")
    listing = auth.get("/archive")
    assert listing.status_code == 200 and "Missed-contact folder" in listing.text
    folder = auth.get("/archive/attendance-control")
    assert folder.status_code == 200 and "Confirm" in folder.text
    export = auth.get("/archive/attendance-control.csv")
    assert export.mimetype == "text/csv"
    lines = export.text.strip().splitlines()
    assert lines[0].startswith("seq,folder,step,action") and len(lines) == 2
    entry = auth.get("/archive/entries/1")
    assert entry.status_code == 200 and "Hash" in entry.text
