"""The access record: every read of a person's data (who, when, what, from which device) in its own
append-only table, one INSERT per request, answered for auditors on a screen and in the API, paged."""
import pytest
import sqlalchemy as sa

from tests.support.payloads import classification_payload, event_payload, release_payload
from pwa.access_log.models import AccessRecord
from pwa.extensions import db

PHONE = {"User-Agent": "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/131.0 Mobile Safari/537.36"}


def _recovery(app, auth, factory, ref="C-0100"):
    auth.user("cora", "coordinator")
    auth.user("sam", "attendance_supervisor")
    auth.user("olu", "outreach_worker")
    case_ref = factory.case(worker="olu", ref=ref)
    appointment = factory.appointment(case_ref)
    auth.login("cora")
    event = auth.post("/api/v1/missed-contacts", event_payload(appointment)).get_json()
    auth.login("sam")
    auth.post(f"/api/v1/missed-contacts/{event['id']}/classification", classification_payload())
    auth.login("cora")
    released = auth.post(f"/api/v1/missed-contacts/{event['id']}/release", release_payload()).get_json()
    return released["recovery_case_id"], case_ref


def _reads(app, case_ref=None):
    with app.app_context():
        query = sa.select(AccessRecord).order_by(AccessRecord.id)
        if case_ref:
            query = query.where(AccessRecord.case_ref == case_ref)
        rows = db.session.scalars(query).all()
        db.session.expunge_all()
        return rows


def test_opening_a_recovery_case_page_is_recorded_with_who_what_and_device(app, auth, factory, now):
    recovery_id, case_ref = _recovery(app, auth, factory)
    auth.login("olu")
    before = len(_reads(app, case_ref))
    assert auth.client.get(f"/recovery/{recovery_id}", headers=PHONE).status_code == 200
    rows = _reads(app, case_ref)[before:]
    assert len(rows) == 1
    row = rows[0]
    assert row.user_id == auth.users["olu"] and row.roles == "outreach_worker" and row.via == "session"
    assert row.what.startswith("GET recovery.") and row.path == f"/recovery/{recovery_id}"
    assert row.device == "Chrome on Android" and row.client_address == "127.0.0.1"


def test_api_reads_and_exports_are_recorded_and_a_refused_read_is_not(app, auth, factory, now):
    recovery_id, case_ref = _recovery(app, auth, factory)
    auth.user("wren", "outreach_worker")
    auth.login("wren")
    assert auth.get(f"/api/v1/recovery-cases/{recovery_id}").status_code == 403
    assert not [r for r in _reads(app, case_ref) if r.user_id == auth.users["wren"]]
    auth.as_role("service_supervisor")
    assert auth.get(f"/api/v1/recovery-cases/{recovery_id}").status_code == 200
    assert auth.get("/archive/missed-contact.csv").status_code == 200
    whats = [r.what for r in _reads(app, case_ref) if r.user_id == auth.users["service_supervisor"]]
    assert "GET api.read_recovery_case" in whats or any(w.startswith("GET api.") for w in whats)
    assert "GET archive.export" in whats


def test_one_insert_per_request_however_many_people_are_read(app, auth, factory, now):
    for n in range(3):
        _recovery(app, auth, factory, ref=f"C-02{n}")
    auth.as_role("service_supervisor")
    statements = []

    def count(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("INSERT INTO ACCESS_RECORDS"):
            statements.append(statement)

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        assert auth.get("/api/v1/recovery-cases").status_code == 200
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    assert len(statements) == 1
    listed = {r.case_ref for r in _reads(app) if r.path == "/api/v1/recovery-cases"}
    assert listed == {"C-020", "C-021", "C-022"}


def test_the_governance_packs_sample_is_recorded(app, auth, factory, now):
    _recovery(app, auth, factory)
    auth.as_role("auditor")
    assert auth.get("/outcomes/pack?period=week&end=2026-11-17").status_code == 200
    reads = [r for r in _reads(app) if r.what == "GET dashboard.pack"]
    assert reads and {r.case_ref for r in reads} == {"C-0100"}


def test_an_auditor_sees_who_has_seen_a_record_on_a_screen_and_in_the_api_paged(app, auth, factory, now):
    recovery_id, case_ref = _recovery(app, auth, factory)
    auth.login("olu")
    for _ in range(3):
        auth.client.get(f"/recovery/{recovery_id}", headers=PHONE)
    total = len(_reads(app, case_ref))
    auth.as_role("auditor")
    page = auth.get(f"/access-record?case_ref={case_ref}")
    assert page.status_code == 200 and f"{total} reads of {case_ref}" in page.text and "Chrome on Android" in page.text
    first = auth.get(f"/api/v1/access-records?case_ref={case_ref}&per_page=2").get_json()
    assert first["total"] == total and len(first["items"]) == 2 and first["items"][0]["roles"]
    second = auth.get(f"/api/v1/access-records?case_ref={case_ref}&per_page=2&page=2").get_json()
    assert {i["id"] for i in first["items"]}.isdisjoint({i["id"] for i in second["items"]})
    assert first["items"][0]["at"] >= first["items"][1]["at"]
    assert len(_reads(app, case_ref)) == total  # reading the access record is not a read of the person
    assert auth.get("/api/v1/access-records").status_code == 422
    auth.as_role("admin")
    assert auth.get(f"/api/v1/access-records?case_ref={case_ref}").status_code == 403


@pytest.mark.parametrize("statement", ["UPDATE access_records SET user_id = 1", "DELETE FROM access_records"])
def test_the_access_record_is_append_only(app, auth, factory, now, statement):
    recovery_id, _ref = _recovery(app, auth, factory)
    auth.login("olu")
    auth.client.get(f"/recovery/{recovery_id}")
    with app.app_context():
        with pytest.raises(sa.exc.DBAPIError, match="append-only"):
            with db.engine.begin() as conn:
                conn.execute(sa.text(statement))


def test_reads_do_not_go_to_the_hash_chained_archive(app, auth, factory, now):
    from pwa.archive.models import ArchiveEntry

    recovery_id, _ref = _recovery(app, auth, factory)
    auth.login("olu")
    with app.app_context():
        before = db.session.scalar(sa.select(sa.func.count()).select_from(ArchiveEntry))
    auth.client.get(f"/recovery/{recovery_id}")
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ArchiveEntry)) == before


def test_an_export_naming_thousands_of_people_records_each_of_them(app, auth, now):
    from pwa.archive.operations import append_entries

    with app.app_context():
        append_entries([dict(folder="missed-contact", step="1a", action="opened", case_ref=f"C-{n:05d}",
                             record={"entity": "missed_contacts", "id": n}) for n in range(1500)])
        db.session.commit()
    auth.as_role("auditor")
    assert auth.get("/archive/missed-contact.csv").status_code == 200
    exported = [r for r in _reads(app) if r.what == "GET archive.export"]
    assert len(exported) == 1500 and len({r.case_ref for r in exported}) == 1500
