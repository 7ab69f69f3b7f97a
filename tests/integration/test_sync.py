"""POST /api/v1/sync against the real database: every per-entry status, the envelope refused field by
field with nothing applied, malformed input never a 500, ownership, roles and authorship, the clock
offset, late entries on dispositioned and closed cases, conflicts kept as evidence, and one entry's
refusal never undoing another's.
"""
import json
import uuid
from datetime import UTC, timedelta

import pytest
import sqlalchemy as sa
from conftest import csrf_from

from pwa.extensions import db
from tests.support.payloads import attempt_payload, disposition_payload
from tests.support.payloads import sync_attempt as attempt
from tests.support.worlds import recovery_counts

SYNC = "/api/v1/sync"
CONFLICT = {"client_id": ["This entry id was already used for a different entry."]}


def disposition(w2, case_id, at, client_id=None, evidence=(), **overrides) -> dict:
    payload = disposition_payload(w2.route(case_id), evidence=evidence, **overrides)
    del payload["client_id"]
    return {"client_id": client_id or str(uuid.uuid4()), "kind": "disposition", "recovery_case_id": case_id,
            "recorded_at": at.isoformat(), "payload": payload}


def send(w2, as_user, entries, sent_at=None, device_id="phone-olu", status=200):
    body = {"device_id": device_id, "sent_at": (sent_at or w2.now).isoformat(), "entries": entries}
    response = w2.post(SYNC, body, as_user)
    assert response.status_code == status, (response.status_code, response.get_json())
    return response.get_json()


def z(moment) -> str:
    """A time as the API writes it: UTC with Z."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def statuses(answer) -> list[str]:
    return [r["status"] for r in answer["results"]]


def rows(app, sql, **params) -> list[dict]:
    with app.app_context():
        found = [dict(r) for r in db.session.execute(sa.text(sql), params).mappings()]
        db.session.remove()
    return found


def count(app, table) -> int:
    return rows(app, f"SELECT count(*) AS n FROM {table}")[0]["n"]


def opened(w2, worker: str) -> int:
    """A recovery case assigned to `worker` and opened by them."""
    case_id = w2.case(worker=worker)
    response = w2.open(case_id, as_user=worker)
    assert response.status_code == 200, response.get_json()
    return case_id


def close_case(app, case_id):
    """Close a recovery case the way an administrative close would leave it (no screen does it yet)."""
    with app.app_context():
        db.session.execute(sa.text("UPDATE recovery_cases SET status = 'closed' WHERE id = :id"), {"id": case_id})
        db.session.commit()
        db.session.remove()


# --- statuses ----------------------------------------------------------------------------------

def test_an_outbox_is_created_then_a_resend_is_all_duplicates_with_the_stored_ids(app, w2):
    case_id = w2.opened_case()
    entries = [attempt(case_id, w2.now), attempt(case_id, w2.now, outcome="reached")]
    first = send(w2, "olu", entries)
    assert statuses(first) == ["created", "created"]
    assert [r["client_id"] for r in first["results"]] == [e["client_id"] for e in entries]
    assert all(r["errors"] == {} and r["late"] is False and r["rule"] is None for r in first["results"])
    assert first["clock_flagged"] is False and abs(first["clock_offset_seconds"]) < 5
    assert first["server_time"].endswith("Z")
    before = recovery_counts(app)
    again = send(w2, "olu", list(reversed(entries)))  # the response was lost; the device sends again
    assert statuses(again) == ["duplicate", "duplicate"]
    assert [r["id"] for r in again["results"]] == [r["id"] for r in reversed(first["results"])]
    assert recovery_counts(app) == before
    stored = w2.read(case_id).get_json()["attempts"]
    assert sorted(a["client_id"] for a in stored) == sorted(e["client_id"] for e in entries)
    assert {a["device_id"] for a in stored} == {"phone-olu"}


def test_every_status_in_one_batch_in_entry_order(app, w2):
    case_id = w2.opened_case()
    kept = attempt(case_id, w2.now)
    send(w2, "olu", [kept])
    changed = {**kept, "payload": {**kept["payload"], "outcome": "declined"}}
    bad = attempt(case_id, w2.now, rescue_detail="Please call us back")
    new = attempt(case_id, w2.now)
    answer = send(w2, "olu", [kept, changed, bad, new])
    assert statuses(answer) == ["duplicate", "conflict", "rejected", "created"]
    conflict, rejected = answer["results"][1], answer["results"][2]
    assert conflict["errors"] == CONFLICT and conflict["id"] is None and conflict["rule"] == "conflict"
    assert list(rejected["errors"]) == ["rescue_detail"] and rejected["id"] is None
    assert count(app, "recovery_attempts") == 2


def test_a_duplicate_and_a_conflict_inside_one_batch(app, w2):
    case_id = w2.opened_case()
    entry = attempt(case_id, w2.now)
    changed = {**entry, "payload": {**entry["payload"], "outcome": "declined"}}
    answer = send(w2, "olu", [entry, entry, changed])
    assert statuses(answer) == ["created", "duplicate", "conflict"]
    assert answer["results"][0]["id"] == answer["results"][1]["id"]
    assert count(app, "recovery_attempts") == 1
    kept = rows(app, "SELECT stored_id, stored_kind, reason FROM sync_conflicts")
    assert kept == [{"stored_id": answer["results"][0]["id"], "stored_kind": "attempt",
                     "reason": "the id was used for a different payload"}]


def test_a_rejected_entry_has_the_same_field_errors_as_the_api_and_the_form_give(app, w2):
    case_id = w2.opened_case()
    bad = {"channel": "email", "rescue_option": "rebook", "rescue_detail": "Call us back", "attempt_at": "soon"}
    entry = attempt(case_id, w2.now)
    entry["payload"].update(bad)
    online = w2.post(f"/api/v1/recovery-cases/{case_id}/attempts", {**entry["payload"]}, "olu")
    assert online.status_code == 422
    answer = send(w2, "olu", [entry])
    assert answer["results"][0]["status"] == "rejected"
    assert answer["results"][0]["errors"] == online.get_json()["errors"]
    # A step refused by a rule (409 online) comes back with its reasons and the rule's name.
    instructed = w2.case()
    online = w2.post(f"/api/v1/recovery-cases/{instructed}/attempts", attempt_payload(w2.now), "olu").get_json()
    refused = send(w2, "olu", [attempt(instructed, w2.now)])["results"][0]
    assert refused["status"] == "rejected" and refused["rule"] == online["rule"] == "attempt_order"
    assert refused["errors"] == {"_schema": online["reasons"]}
    assert count(app, "recovery_attempts") == 0


def test_an_unknown_payload_field_is_rejected_like_the_api_does(w2):
    case_id = w2.opened_case()
    entry = attempt(case_id, w2.now)
    entry["payload"]["reviewer_id"] = 1
    result = send(w2, "olu", [entry])["results"][0]
    assert result["status"] == "rejected" and result["errors"] == {"reviewer_id": ["Unknown field."]}


# --- the envelope ------------------------------------------------------------------------------

ENVELOPE_BAD = [
    ("device_id", None), ("device_id", ""), ("device_id", "d" * 81), ("device_id", ["phone"]),
    ("device_id", "ph\x00one"), ("sent_at", None), ("sent_at", "2026-11-17T10:00:00"), ("sent_at", "now"),
    ("sent_at", 1763391600), ("entries", None), ("entries", []), ("entries", {}), ("entries", [[]]),
]
ENTRY_BAD = [
    ("client_id", None), ("client_id", "42"), ("client_id", "\x00"), ("kind", "exception"), ("kind", None),
    ("recovery_case_id", 0), ("recovery_case_id", 2 ** 31), ("recovery_case_id", 10 ** 40),
    ("recovery_case_id", 1.5), ("recovery_case_id", True), ("recorded_at", "2026-11-17T10:00:00"),
    ("recorded_at", "9999-12-31T23:59:59Z"), ("payload", None), ("payload", ["a"]),
    ("payload", {"client_id": "x"}), ("author", ""), ("author", {"name": "olu"}), ("surprise", 1),
]


@pytest.mark.parametrize(("field", "value"), ENVELOPE_BAD)
def test_a_bad_envelope_field_is_a_422_naming_it_and_nothing_is_applied(app, w2, field, value):
    case_id = w2.opened_case()
    before = recovery_counts(app)
    body = {"device_id": "phone-olu", "sent_at": w2.now.isoformat(), "entries": [attempt(case_id, w2.now)],
            field: value}
    response = w2.post(SYNC, body, "olu")
    assert response.status_code == 422, response.get_json()
    errors = response.get_json()["errors"]
    assert any(key == field or key.startswith(field + ".") for key in errors), errors
    assert recovery_counts(app) == before


@pytest.mark.parametrize(("field", "value"), ENTRY_BAD)
def test_a_bad_entry_field_is_a_422_with_its_path_and_no_entry_is_applied(app, w2, field, value):
    case_id = w2.opened_case()
    before = recovery_counts(app)
    broken = attempt(case_id, w2.now)
    broken[field] = value
    response = w2.post(SYNC, {"device_id": "phone-olu", "sent_at": w2.now.isoformat(),
                              "entries": [attempt(case_id, w2.now), attempt(case_id, w2.now), broken]}, "olu")
    assert response.status_code == 422, response.get_json()
    errors = response.get_json()["errors"]
    assert f"entries.2.{field}" in errors, errors
    assert all(isinstance(m, str) and m for messages in errors.values() for m in messages)
    assert recovery_counts(app) == before


HUGE = "x" * 200_000


@pytest.mark.parametrize("body", [
    pytest.param(b"", id="empty"), pytest.param(b"{", id="broken-json"), pytest.param(b"[]", id="list"),
    pytest.param(b"null", id="null"), pytest.param(b'"sync"', id="string"),
    pytest.param(json.dumps({"device_id": HUGE, "sent_at": HUGE, "entries": HUGE}).encode(), id="huge-strings"),
    pytest.param(json.dumps({"device_id": "p", "sent_at": "2026-11-17T10:00:00Z",
                             "entries": [{}] * 10_000}).encode(), id="10k-entries"),
    pytest.param(b'{"entries": ' + b"[" * 5000 + b"]" * 5000 + b"}", id="deep-nesting"),
    pytest.param(json.dumps({"device_id": 1e400, "sent_at": -1, "entries": [{"recovery_case_id": -1e308}]}).encode(),
                 id="odd-numbers"),
    pytest.param(b"\xff\xfe\x00garbage", id="not-utf8"),
])
def test_malformed_bodies_are_refused_without_a_500_and_save_nothing(app, w2, body):
    w2.opened_case()
    before = recovery_counts(app)
    w2.as_user("olu")
    response = w2.auth.client.post(SYNC, data=body, content_type="application/json", headers=w2.auth.headers())
    assert response.status_code in (413, 422), (response.status_code, response.get_data()[:300])
    assert response.is_json and response.get_json()["errors"]
    assert HUGE[:1000] not in response.get_data(as_text=True)  # bad values are not echoed back
    assert recovery_counts(app) == before


def test_a_full_batch_of_200_is_accepted_and_201_is_refused(app, w2):
    case_id = w2.opened_case()
    too_many = [attempt(case_id, w2.now) for _ in range(201)]
    response = w2.post(SYNC, {"device_id": "phone-olu", "sent_at": w2.now.isoformat(), "entries": too_many}, "olu")
    assert response.status_code == 422 and list(response.get_json()["errors"]) == ["entries"]
    assert statuses(send(w2, "olu", too_many[:200])) == ["created"] * 200


def test_odd_payload_values_are_rejected_per_entry_never_a_500(app, w2):
    case_id = w2.opened_case()
    odd = [{"attempt_at": 10 ** 40}, {"channel": {"$ne": None}}, {"rescue_detail": HUGE},
           {"outcome": ["reached"] * 1000}, {"barrier_signal": "none\x00"}, {"attempt_at": "9999-12-31T23:59:59+14:00"},
           {"emergency_exception_reason": 1.5}, {"": "empty key"}, {"x" * 300: 1}]
    entries = []
    for values in odd:
        entry = attempt(case_id, w2.now)
        entry["payload"].update(values)
        entries.append(entry)
    answer = send(w2, "olu", entries + [attempt(case_id, w2.now)])
    assert statuses(answer) == ["rejected"] * len(odd) + ["created"]
    assert all(r["errors"] for r in answer["results"][:-1])
    assert HUGE[:1000] not in json.dumps(answer)


# --- who may send what ---------------------------------------------------------------------------

def test_not_signed_in_is_a_401_and_a_session_without_the_csrf_token_a_400(app, w2):
    case_id = w2.opened_case()
    body = {"device_id": "p", "sent_at": w2.now.isoformat(), "entries": [attempt(case_id, w2.now)]}
    # Signed out (the session ended while the entries waited): 401, so the device keeps its outbox.
    signed_out = app.test_client()
    token = csrf_from(signed_out.get("/sign-in").text)
    anonymous = signed_out.post(SYNC, json=body, headers={"X-CSRFToken": token})
    assert anonymous.status_code == 401 and anonymous.get_json()["errors"]
    w2.as_user("olu")
    no_token = w2.auth.client.post(SYNC, json=body)
    assert no_token.status_code == 400 and no_token.get_json()["errors"]["csrf"]
    assert count(app, "recovery_attempts") == 0


def test_a_bearer_token_of_an_outreach_worker_needs_no_csrf_token(app, w2):
    from pwa.accounts.operations import create_token

    case_id = w2.opened_case()
    with app.app_context():
        token = create_token("olu", ["outreach_worker"])
        db.session.commit()
    response = app.test_client().post(SYNC, headers={"Authorization": f"Bearer {token}"}, json={
        "device_id": "p", "sent_at": w2.now.isoformat(), "entries": [attempt(case_id, w2.now)]})
    assert response.status_code == 200 and statuses(response.get_json()) == ["created"]


@pytest.mark.parametrize("role", ["coordinator", "attendance_supervisor", "duty_manager", "auditor", "admin"])
def test_other_roles_are_refused_with_403(app, w2, auth, role):
    case_id = w2.opened_case()
    auth.user(f"u-{role}", role)
    response = w2.post(SYNC, {"device_id": "p", "sent_at": w2.now.isoformat(),
                              "entries": [attempt(case_id, w2.now)]}, f"u-{role}")
    assert response.status_code == 403 and response.is_json
    assert count(app, "recovery_attempts") == 0


def test_each_kind_needs_its_role(app, w2):
    case_id = w2.opened_case()
    by_supervisor = send(w2, "sade", [attempt(case_id, w2.now)])["results"][0]
    assert by_supervisor["status"] == "rejected" and by_supervisor["rule"] == "forbidden"
    assert by_supervisor["errors"] == {"kind": ["Only an outreach worker can log recovery attempts."]}
    by_worker = send(w2, "olu", [disposition(w2, case_id, w2.now)])["results"][0]
    assert by_worker["status"] == "rejected" and list(by_worker["errors"]) == ["kind"]
    assert count(app, "recovery_attempts") == count(app, "recovery_dispositions") == 0


def test_an_entry_for_another_workers_case_is_rejected_and_reveals_nothing(app, w2):
    theirs = opened(w2, "ola")
    answer = send(w2, "olu", [attempt(theirs, w2.now), attempt(999_999, w2.now)])
    forbidden, missing = answer["results"]
    assert forbidden["status"] == "rejected" and forbidden["rule"] == "forbidden"
    assert missing["status"] == "rejected" and missing["rule"] == "not_found"
    assert "C-" not in json.dumps(answer) and "Person" not in json.dumps(answer)
    assert count(app, "recovery_attempts") == 0


def test_entries_are_authored_by_the_signed_in_user_only(app, w2):
    case_id = w2.opened_case()
    mine = {**attempt(case_id, w2.now), "author": "olu"}
    theirs = {**attempt(case_id, w2.now), "author": "ola"}
    answer = send(w2, "olu", [mine, theirs])
    assert statuses(answer) == ["created", "rejected"]
    assert answer["results"][1]["rule"] == "author" and "ola" in answer["results"][1]["errors"]["author"][0]
    stored = w2.read(case_id).get_json()["attempts"]
    assert [a["reviewer_id"] for a in stored] == [w2.auth.users["olu"]]


def test_another_users_client_id_is_a_conflict_that_never_shows_their_record(app, w2, auth):
    auth.user("otto", "outreach_worker")
    olu_case = w2.opened_case()
    entry = attempt(olu_case, w2.now)
    created = send(w2, "olu", [entry])["results"][0]
    otto_case = opened(w2, "otto")
    stolen = {**entry, "recovery_case_id": otto_case}
    result = send(w2, "otto", [stolen, entry])["results"]
    assert [r["status"] for r in result] == ["conflict", "conflict"]
    # Exactly the fixed answer: nothing of the stored record (its id, case or contents).
    assert all(r == {"client_id": entry["client_id"], "status": "conflict", "id": None, "errors": CONFLICT,
                     "late": False, "rule": "conflict"} for r in result)
    kept = rows(app, "SELECT reason, stored_id, user_id FROM sync_conflicts ORDER BY id")
    assert [k["reason"] for k in kept] == ["the id belongs to an entry of another user"] * 2
    assert {k["stored_id"] for k in kept} == {created["id"]} and {k["user_id"] for k in kept} == {auth.users["otto"]}


def test_a_replay_after_the_case_was_reassigned_is_still_a_duplicate(app, w2):
    case_id = w2.opened_case()
    entry = attempt(case_id, w2.now, outcome="wrong_route", channel="sms")
    created = send(w2, "olu", [entry])["results"][0]
    handed_over = w2.dispose(case_id, locked_instruction="continued_outreach", instruction_detail="ola",
                             continuity_restored="no")
    assert handed_over.status_code == 201, handed_over.get_json()
    assert w2.read(case_id, "sade").get_json()["assigned_outreach_worker"] == "ola"
    again = send(w2, "olu", [entry, attempt(case_id, w2.now)])["results"]
    assert (again[0]["status"], again[0]["id"]) == ("duplicate", created["id"])
    assert again[1]["status"] == "rejected" and again[1]["rule"] == "forbidden"


# --- time ----------------------------------------------------------------------------------------

def test_a_device_three_hours_slow_is_flagged_and_its_times_corrected_beside_the_originals(app, w2, time_machine):
    case_id = w2.opened_case()
    time_machine.move_to(w2.now + timedelta(minutes=30))
    device_now = w2.now + timedelta(minutes=30) - timedelta(hours=3)  # the phone's clock
    recorded = device_now - timedelta(minutes=5)
    entry = attempt(case_id, recorded)
    answer = send(w2, "olu", [entry], sent_at=device_now)
    assert answer["clock_flagged"] is True and abs(answer["clock_offset_seconds"] - 3 * 3600) < 5
    assert answer["results"][0]["status"] == "created"
    stored = w2.read(case_id).get_json()["attempts"][0]
    assert stored["clock_flagged"] is True and abs(stored["clock_offset_seconds"] - 3 * 3600) < 5
    row = rows(app, "SELECT recorded_at, corrected_recorded_at, attempt_at FROM recovery_attempts")[0]
    assert stored["recorded_at"] == z(recorded)  # as the phone sent it
    corrected = recorded + timedelta(seconds=stored["clock_offset_seconds"])
    assert stored["corrected_recorded_at"] == z(corrected)
    assert stored["attempt_at"] == stored["corrected_recorded_at"]  # attempt_at is corrected too
    assert row["recorded_at"] != row["corrected_recorded_at"]
    # The supervisor sees the flag on the case and on the close-the-day board.
    assert "Device clock off by" in w2.get(f"/recovery/{case_id}", "sade").text
    assert 'class="tag warn">clock' in w2.get("/close-the-day", "sade").text


def test_a_flagged_disposition_shows_to_the_supervisor(app, w2):
    case_id = w2.opened_case()
    sent_at = w2.now + timedelta(minutes=10)  # the tablet runs ten minutes fast
    answer = send(w2, "sade", [disposition(w2, case_id, sent_at, continuity_restored="no",
                                           locked_instruction="welfare_escalation")], sent_at=sent_at)
    assert answer["clock_flagged"] is True and answer["results"][0]["status"] == "created"
    stored = w2.read(case_id, "sade").get_json()["dispositions"][0]
    assert stored["clock_flagged"] is True and stored["clock_offset_seconds"] < -500
    assert "Device clock off by" in w2.get(f"/recovery/{case_id}", "sade").text
    assert 'class="tag warn">clock' in w2.get("/close-the-day", "sade").text


def test_an_offset_within_two_minutes_is_not_flagged(w2):
    case_id = w2.opened_case()
    answer = send(w2, "olu", [attempt(case_id, w2.now)], sent_at=w2.now - timedelta(seconds=90))
    assert answer["clock_flagged"] is False
    assert w2.read(case_id).get_json()["attempts"][0]["clock_flagged"] is False


# --- late entries ----------------------------------------------------------------------------------

def test_an_attempt_for_a_case_dispositioned_meanwhile_is_stored_late_and_listed(app, w2):
    case_id = w2.opened_case()
    assert w2.dispose(case_id, continuity_restored="no", locked_instruction="welfare_escalation").status_code == 201
    result = send(w2, "olu", [attempt(case_id, w2.now)])["results"][0]
    assert (result["status"], result["late"]) == ("created", True)
    assert w2.read(case_id).get_json()["attempts"][0]["late"] is True
    board = w2.get("/close-the-day", "sade").text
    assert "Attempts that arrived after a disposition" in board
    assert any(e["action"] == "late_attempt" for e in w2.folder("outreach"))


def test_an_attempt_for_a_case_closed_meanwhile_is_stored_late_and_a_replay_is_still_a_duplicate(app, w2):
    case_id = w2.opened_case()
    entry = attempt(case_id, w2.now)
    first = send(w2, "olu", [entry])["results"][0]
    close_case(app, case_id)
    answer = send(w2, "olu", [entry, attempt(case_id, w2.now)])["results"]
    assert (answer[0]["status"], answer[0]["id"], answer[0]["late"]) == ("duplicate", first["id"], False)
    assert (answer[1]["status"], answer[1]["late"]) == ("created", True)


def test_a_disposition_for_a_closed_case_is_kept_late_and_changes_nothing_about_the_case(app, w2):
    case_id = w2.opened_case()
    before = w2.read(case_id, "sade").get_json()
    close_case(app, case_id)
    appointments = count(app, "appointments")
    answer = send(w2, "sade", [disposition(w2, case_id, w2.now, continuity_restored="no", locked_instruction="rebook",
                                           rebook_at=(w2.now + timedelta(days=1)).isoformat()),
                               disposition(w2, case_id, w2.now, continuity_restored="no",
                                           locked_instruction="continued_outreach", instruction_detail="ola")])
    assert statuses(answer) == ["created", "created"] and all(r["late"] for r in answer["results"])
    after = w2.read(case_id, "sade").get_json()
    assert after["status"] == "closed" and after["assigned_outreach_worker"] == before["assigned_outreach_worker"]
    assert count(app, "appointments") == appointments  # no rebooked appointment for a closed case
    first, second = after["dispositions"]
    assert first["late"] and second["late"] and second["supersedes_id"] == first["id"]
    assert first["rebooked_appointment_ref"] is None
    assert [e["action"] for e in w2.folder("rescue-board")][:2] == ["late_disposition", "late_disposition"]
    assert "after the case was closed" in w2.get("/close-the-day", "sade").text


# --- conflicts kept as evidence -----------------------------------------------------------------

def test_conflicts_are_kept_once_per_distinct_entry_and_shown_to_the_supervisor(app, w2):
    case_id = w2.opened_case()
    entry = attempt(case_id, w2.now)
    send(w2, "olu", [entry])
    one = {**entry, "payload": {**entry["payload"], "outcome": "declined"}}
    two = {**entry, "payload": {**entry["payload"], "outcome": "reached"}}
    for batch in ([one], [one, two], [one]):
        assert set(statuses(send(w2, "olu", batch, device_id="phone-2"))) == {"conflict"}
    kept = rows(app, "SELECT client_id, kind, recovery_case_id, device_id, payload, times_received, stored_kind "
                     "FROM sync_conflicts ORDER BY id")
    assert [(k["client_id"], k["times_received"]) for k in kept] == [(entry["client_id"], 3), (entry["client_id"], 1)]
    payloads = [k["payload"] if isinstance(k["payload"], dict) else json.loads(k["payload"]) for k in kept]
    assert [p["outcome"] for p in payloads] == ["declined", "reached"]
    assert {(k["kind"], k["recovery_case_id"], k["device_id"], k["stored_kind"]) for k in kept} == {
        ("attempt", case_id, "phone-2", "attempt")}
    assert [e["action"] for e in w2.folder("outreach")].count("sync_conflict") == 2
    board = w2.get("/close-the-day", "sade").text
    assert "Sync conflicts" in board and entry["client_id"] in board
    assert count(app, "recovery_attempts") == 1


def test_an_attempt_id_sent_as_a_disposition_is_a_conflict(app, w2):
    case_id = w2.opened_case()
    entry = attempt(case_id, w2.now)
    send(w2, "olu", [entry])
    w2.auth.user("both", "outreach_worker", "service_supervisor")
    sent = send(w2, "sade", [disposition(w2, case_id, w2.now, client_id=entry["client_id"])])["results"][0]
    assert sent["status"] == "conflict"
    assert count(app, "recovery_dispositions") == 0
    assert rows(app, "SELECT reason FROM sync_conflicts")[0]["reason"] == "the id belongs to an entry of another user"


# --- one entry's refusal never undoes another's ----------------------------------------------------

def test_a_refused_disposition_between_attempts_leaves_the_others_and_nothing_of_itself(app, w2):
    w2.auth.user("sol", "outreach_worker", "service_supervisor")
    case_id = opened(w2, "sol")
    appointments = count(app, "appointments")
    # The rebook is refused (the new appointment would be in the past): nothing of it may remain.
    refused = disposition(w2, case_id, w2.now, continuity_restored="no", locked_instruction="rebook",
                          rebook_at=(w2.now - timedelta(days=1)).isoformat())
    good = disposition(w2, case_id, w2.now, continuity_restored="no", locked_instruction="welfare_escalation")
    answer = send(w2, "sol", [attempt(case_id, w2.now), refused, attempt(case_id, w2.now), good,
                              attempt(case_id, w2.now)])
    assert statuses(answer) == ["created", "rejected", "created", "created", "created"]
    assert list(answer["results"][1]["errors"]) == ["rebook_at"]
    assert [r["late"] for r in answer["results"]] == [False, False, False, False, True]
    assert count(app, "appointments") == appointments
    assert count(app, "recovery_attempts") == 3 and count(app, "recovery_dispositions") == 1


def test_a_disposition_sees_the_attempts_sent_before_it_in_the_same_batch(app, w2):
    w2.auth.user("sol", "outreach_worker", "service_supervisor")
    case_id = opened(w2, "sol")
    failed = attempt(case_id, w2.now, channel="sms", outcome="wrong_route")
    on_failed_route = disposition(w2, case_id, w2.now, continuity_restored="no",
                                  locked_instruction="welfare_escalation")
    on_failed_route["payload"]["replacement_contact_route"] = w2.route(case_id, "sms")
    answer = send(w2, "sol", [failed, on_failed_route])
    assert statuses(answer) == ["created", "rejected"]
    assert list(answer["results"][1]["errors"]) == ["replacement_contact_route"]


def test_two_dispositions_in_one_batch_supersede_in_order(app, w2):
    case_id = w2.opened_case()
    first = disposition(w2, case_id, w2.now, continuity_restored="no", locked_instruction="welfare_escalation")
    second = disposition(w2, case_id, w2.now, continuity_restored="no", locked_instruction="alternate_modality")
    answer = send(w2, "sade", [first, second])
    assert statuses(answer) == ["created", "created"]
    stored = w2.read(case_id, "sade").get_json()["dispositions"]
    assert [d["supersedes_id"] for d in stored] == [None, answer["results"][0]["id"]]


def test_an_e5_escalation_is_kept_with_its_entry_and_not_raised_again_by_a_replay(app, w2):
    case_id = w2.opened_case()
    risky = attempt(case_id, w2.now, barrier_signal="active_risk", rescue_option="none_offered", rescue_detail=None)
    created = send(w2, "olu", [risky, attempt(case_id, w2.now, rescue_detail="x")])["results"][0]
    assert created["status"] == "created"
    send(w2, "olu", [risky])
    e5 = w2.escalations("E5")
    assert [(e["subject_type"], e["subject_id"]) for e in e5] == [("recovery_attempts", created["id"])]
    assert w2.read(case_id).get_json()["attempts"][0]["escalation_status"] == "E5"


def test_the_archive_chain_verifies_after_batches(app, w2):
    from pwa.archive.operations import verify_chain

    case_id = w2.opened_case()
    entries = [attempt(case_id, w2.now) for _ in range(30)]
    send(w2, "olu", entries[:20])
    send(w2, "olu", entries[10:] + [{**entries[0], "payload": {**entries[0]["payload"], "outcome": "declined"}}])
    with app.app_context():
        report = verify_chain()
        db.session.remove()
    assert report.ok and report.checked == count(app, "archive_entries")
    archived = [e for e in w2.folder("outreach") if e["action"] == "attempt"]
    assert len(archived) == 30 and {e["device_id"] for e in archived} == {"phone-olu"}


def test_the_answer_has_the_shape_the_openapi_document_gives(app, w2):
    from pwa.api.schemas import SyncOut, SyncResultOut

    case_id = w2.opened_case()
    answer = send(w2, "olu", [attempt(case_id, w2.now)])
    assert set(answer) == set(SyncOut().fields)
    assert set(answer["results"][0]) == set(SyncResultOut().fields)
    document = app.test_client().get("/api/v1/openapi.json").get_json()
    operation = document["paths"]["/api/v1/sync"]["post"]
    assert operation["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/SyncBatchInput")
    assert operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/SyncOut")
    entries = document["components"]["schemas"]["SyncBatchInput"]["properties"]["entries"]
    assert entries["maxItems"] == 200 and entries["items"]["$ref"].endswith("/SyncEntryInput")
