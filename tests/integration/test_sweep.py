"""`flask sweep`: detects misses, marks 1a and 1b breaches and raises their escalations, once.

Time is frozen (tick=False) and moved by hand; every deadline is New York business time.
"""
from datetime import datetime

import pytest
import sqlalchemy as sa

from pwa.extensions import db
from tests.support.clock import NY
from tests.support.payloads import classification_payload, event_payload


def at(time_machine, *args):
    moment = datetime(*args, tzinfo=NY)
    time_machine.move_to(moment, tick=False)
    return moment


def sweep(app) -> str:
    result = app.test_cli_runner().invoke(args=["sweep"])
    assert result.exit_code == 0, result.output
    return result.output


def escalations(app, rule=None) -> list[dict]:
    from pwa.escalations.models import Escalation

    with app.app_context():
        query = sa.select(Escalation).order_by(Escalation.id)
        if rule:
            query = query.filter_by(rule=rule)
        return [{"id": e.id, "rule": e.rule, "level": e.level, "subject_type": e.subject_type,
                 "subject_id": e.subject_id, "case_ref": e.case_ref, "raised_at": e.raised_at,
                 "reason": e.reason} for e in db.session.scalars(query)]


def archive_count(app) -> int:
    from pwa.archive.models import ArchiveEntry

    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(ArchiveEntry))


def appointment_row(app, ref):
    from pwa.cases.models import Appointment

    with app.app_context():
        row = db.session.scalar(sa.select(Appointment).filter_by(appointment_ref=ref))
        db.session.expunge(row)
        return row


def event_row(app, event_id):
    from pwa.intake.models import MissedContact

    with app.app_context():
        row = db.session.get(MissedContact, event_id)
        db.session.expunge(row)
        return row


@pytest.fixture
def people(auth):
    auth.user("cora", "coordinator")
    auth.user("sam", "attendance_supervisor")
    return auth


def open_event(auth, appointment) -> dict:
    auth.login("cora")  # sign in again: the clock may have jumped past the idle timeout
    response = auth.post("/api/v1/missed-contacts", event_payload(appointment))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def classify(auth, event_id, **overrides) -> dict:
    auth.login("sam")
    response = auth.post(f"/api/v1/missed-contacts/{event_id}/classification", classification_payload(**overrides))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def audit_verifies(app) -> None:
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert "archive intact" in result.output


# --- 1a: the event must be opened within 30 minutes of the detected miss --------------------------

def test_a_miss_is_detected_after_the_grace_and_breaches_1a_only_once_thirty_minutes_pass(app, people, factory,
                                                                                          time_machine):
    at(time_machine, 2026, 11, 17, 10, 0)
    appointment = factory.appointment(scheduled_at=datetime(2026, 11, 17, 10, 0, tzinfo=NY))
    ref = appointment["appointment_ref"]

    at(time_machine, 2026, 11, 17, 10, 14)
    assert "0 misses detected" in sweep(app)
    assert appointment_row(app, ref).miss_detected_at is None

    at(time_machine, 2026, 11, 17, 10, 16)
    output = sweep(app)
    assert "1 misses detected" in output and "escalations raised: none" in output
    row = appointment_row(app, ref)
    assert row.miss_detected_at == datetime(2026, 11, 17, 10, 15, tzinfo=NY)
    assert row.detected_event_type == "missed_appointment"
    assert row.event_due_at == datetime(2026, 11, 17, 10, 45, tzinfo=NY)

    at(time_machine, 2026, 11, 17, 10, 45)  # exactly at the deadline: not yet breached
    assert "escalations raised: none" in sweep(app)
    assert escalations(app) == []

    at(time_machine, 2026, 11, 17, 10, 46)
    assert "BREACH_1A: 1" in sweep(app)
    [breach] = escalations(app)
    assert breach["rule"] == "BREACH_1A" and breach["level"] == "attendance_supervisor"
    assert breach["subject_type"] == "appointments" and breach["subject_id"] == row.id
    assert breach["case_ref"] == appointment["case_ref"]
    assert "10:45" in breach["reason"]  # the deadline, in local time

    at(time_machine, 2026, 11, 17, 11, 30)
    assert "escalations raised: none" in sweep(app)
    assert len(escalations(app)) == 1

    # Opened late: the event records the breach of its own deadline.
    event = open_event(people, appointment)
    assert event["control_status"] == "breached"
    assert event["open_due_at"] == "2026-11-17T15:45:00Z"
    audit_verifies(app)


def test_an_event_opened_within_thirty_minutes_raises_no_1a_breach(app, people, factory, time_machine):
    at(time_machine, 2026, 11, 17, 10, 0)
    appointment = factory.appointment(scheduled_at=datetime(2026, 11, 17, 10, 0, tzinfo=NY))
    at(time_machine, 2026, 11, 17, 10, 20)
    sweep(app)
    at(time_machine, 2026, 11, 17, 10, 40)
    assert open_event(people, appointment)["control_status"] == "met"
    at(time_machine, 2026, 11, 17, 11, 30)
    assert "escalations raised: none" in sweep(app)
    assert escalations(app, "BREACH_1A") == []


def test_a_virtual_session_nobody_joined_is_detected_as_virtual_no_join(app, people, factory, time_machine):
    at(time_machine, 2026, 11, 17, 10, 0)
    appointment = factory.appointment(scheduled_at=datetime(2026, 11, 17, 10, 0, tzinfo=NY), modality="virtual")
    at(time_machine, 2026, 11, 17, 10, 20)
    assert "1 misses detected" in sweep(app)
    assert appointment_row(app, appointment["appointment_ref"]).detected_event_type == "virtual_no_join"


def test_cancelled_and_attended_appointments_are_never_misses(app, people, factory, time_machine):
    from pwa.cases.operations import record_attendance_signal, upsert_appointment

    at(time_machine, 2026, 11, 17, 10, 0)
    cancelled = factory.appointment(scheduled_at=datetime(2026, 11, 17, 10, 0, tzinfo=NY))
    attended = factory.appointment(scheduled_at=datetime(2026, 11, 17, 10, 0, tzinfo=NY))
    at(time_machine, 2026, 11, 17, 10, 5)
    with app.app_context():
        upsert_appointment({**cancelled, "service": "Counselling", "modality": "in_person", "cancelled": True}, None)
        record_attendance_signal(attended["appointment_ref"], {"arrived_at": "2026-11-17T10:04:00-05:00"})
        db.session.commit()
    at(time_machine, 2026, 11, 17, 12, 0)
    assert "0 misses detected" in sweep(app)
    assert escalations(app) == []


# --- 1b: classification within 2 business hours of queueing ----------------------------------------

def test_a_queued_event_breaches_1b_after_two_business_hours(app, people, factory, time_machine):
    at(time_machine, 2026, 11, 17, 10, 0)
    event = open_event(people, factory.appointment(scheduled_at=datetime(2026, 11, 17, 9, 30, tzinfo=NY)))
    assert event["classification_due_at"] == "2026-11-17T17:00:00Z"

    at(time_machine, 2026, 11, 17, 12, 0)
    assert "escalations raised: none" in sweep(app)
    assert event_row(app, event["id"]).classification_breached_at is None

    breached_at = at(time_machine, 2026, 11, 17, 12, 1)
    assert "BREACH_1B: 1" in sweep(app)
    [breach] = escalations(app)
    assert (breach["rule"], breach["level"]) == ("BREACH_1B", "manager")
    assert (breach["subject_type"], breach["subject_id"]) == ("missed_contacts", event["id"])
    row = event_row(app, event["id"])
    assert row.classification_breached_at == breached_at
    assert row.escalation_status == "BREACH_1B"

    at(time_machine, 2026, 11, 17, 12, 30)
    assert "escalations raised: none" in sweep(app)
    assert event_row(app, event["id"]).classification_breached_at == breached_at  # the first breach is kept
    assert classify(people, event["id"])["control_status"] == "breached"


def test_a_classified_event_is_not_breached_afterwards(app, people, factory, time_machine):
    at(time_machine, 2026, 11, 17, 10, 0)
    event = open_event(people, factory.appointment(scheduled_at=datetime(2026, 11, 17, 9, 30, tzinfo=NY)))
    at(time_machine, 2026, 11, 17, 11, 0)
    assert classify(people, event["id"])["control_status"] == "met"
    at(time_machine, 2026, 11, 17, 15, 0)
    assert "escalations raised: none" in sweep(app)
    assert escalations(app) == []


def test_a_case_queued_friday_afternoon_is_not_breached_over_the_weekend(app, people, factory, time_machine):
    at(time_machine, 2026, 11, 20, 16, 30)  # Friday
    event = open_event(people, factory.appointment(scheduled_at=datetime(2026, 11, 20, 16, 0, tzinfo=NY)))
    assert event["classification_due_at"] == "2026-11-23T15:30:00Z"  # Monday 10:30 New York
    for moment in [(2026, 11, 20, 17, 30), (2026, 11, 21, 12, 0), (2026, 11, 22, 12, 0), (2026, 11, 23, 9, 59),
                   (2026, 11, 23, 10, 30)]:
        at(time_machine, *moment)
        assert "escalations raised: none" in sweep(app), moment
    assert escalations(app) == []
    at(time_machine, 2026, 11, 23, 10, 31)
    assert "BREACH_1B: 1" in sweep(app)
    assert [e["rule"] for e in escalations(app)] == ["BREACH_1B"]


def test_a_case_queued_the_day_before_thanksgiving_is_not_breached_on_thanksgiving(app, people, factory,
                                                                                   time_machine):
    at(time_machine, 2026, 11, 25, 16, 0)  # Wednesday; Thursday 26 November 2026 is Thanksgiving
    event = open_event(people, factory.appointment(scheduled_at=datetime(2026, 11, 25, 15, 30, tzinfo=NY)))
    assert event["classification_due_at"] == "2026-11-27T15:00:00Z"  # Friday 10:00 New York
    for moment in [(2026, 11, 26, 9, 30), (2026, 11, 26, 12, 0), (2026, 11, 26, 16, 59), (2026, 11, 27, 9, 59)]:
        at(time_machine, *moment)
        assert "escalations raised: none" in sweep(app), moment
    at(time_machine, 2026, 11, 27, 10, 1)
    assert "BREACH_1B: 1" in sweep(app)


def test_running_the_sweep_twice_raises_nothing_twice(app, people, factory, time_machine):
    at(time_machine, 2026, 11, 17, 10, 0)
    factory.appointment(scheduled_at=datetime(2026, 11, 17, 9, 0, tzinfo=NY))  # never opened
    open_event(people, factory.appointment(scheduled_at=datetime(2026, 11, 17, 9, 30, tzinfo=NY)))
    at(time_machine, 2026, 11, 17, 13, 0)
    first = sweep(app)
    assert "BREACH_1A: 1" in first and "BREACH_1B: 1" in first
    raised, entries = escalations(app), archive_count(app)
    second = sweep(app)
    assert "escalations raised: none" in second
    assert escalations(app) == raised
    assert archive_count(app) == entries
    at(time_machine, 2026, 11, 18, 13, 0)  # a day later: still the same breaches
    assert "escalations raised: none" in sweep(app)
    assert escalations(app) == raised
    audit_verifies(app)


def test_a_requeued_event_can_breach_again_with_a_new_escalation(app, people, factory, time_machine):
    at(time_machine, 2026, 11, 17, 10, 0)
    event = open_event(people, factory.appointment(scheduled_at=datetime(2026, 11, 17, 9, 30, tzinfo=NY)))
    at(time_machine, 2026, 11, 17, 12, 1)
    assert "BREACH_1B: 1" in sweep(app)

    at(time_machine, 2026, 11, 17, 12, 30)
    returned = classify(people, event["id"], final_classification="undetermined", outcome="return_for_evidence")
    assert returned["control_status"] == "breached"
    at(time_machine, 2026, 11, 17, 13, 0)
    people.login("cora")
    added = people.post(f"/api/v1/missed-contacts/{event['id']}/evidence",
                        {"evidence": "The clinic's reminder text was never sent."})
    assert added.status_code == 201, added.get_json()
    assert added.get_json()["classification_due_at"] == "2026-11-17T20:00:00Z"  # 15:00 New York
    assert event_row(app, event["id"]).classification_breached_at is None

    at(time_machine, 2026, 11, 17, 14, 59)
    assert "escalations raised: none" in sweep(app)
    at(time_machine, 2026, 11, 17, 15, 1)
    assert "BREACH_1B: 1" in sweep(app)
    first, second = escalations(app, "BREACH_1B")
    assert first["id"] != second["id"]
    assert first["subject_id"] == second["subject_id"] == event["id"]
    assert second["raised_at"] == datetime(2026, 11, 17, 15, 1, tzinfo=NY)
    assert event_row(app, event["id"]).classification_breached_at == datetime(2026, 11, 17, 15, 1, tzinfo=NY)
    assert "escalations raised: none" in sweep(app)
    assert len(escalations(app, "BREACH_1B")) == 2
    audit_verifies(app)


def test_sweep_escalations_are_archived_and_the_chain_verifies(app, people, factory, time_machine):
    at(time_machine, 2026, 11, 17, 10, 0)
    factory.appointment(scheduled_at=datetime(2026, 11, 17, 9, 0, tzinfo=NY))
    open_event(people, factory.appointment(scheduled_at=datetime(2026, 11, 17, 9, 30, tzinfo=NY)))
    at(time_machine, 2026, 11, 17, 13, 0)
    sweep(app)
    people.user("audrey", "auditor")
    people.login("audrey")
    items = people.get("/api/v1/archive/escalations").get_json()["items"]
    assert sorted(e["action"] for e in items) == ["raised_BREACH_1A", "raised_BREACH_1B"]
    assert all(e["actor_id"] is None for e in items)  # raised by the system, not a person
    audit_verifies(app)
    # The breach is in the manager's inbox.
    people.user("mona", "manager")
    people.login("mona")
    inbox = people.get("/api/v1/escalations?status=open").get_json()["items"]
    assert [e["rule"] for e in inbox] == ["BREACH_1B"]
