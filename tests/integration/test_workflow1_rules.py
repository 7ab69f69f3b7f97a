"""Workflow 1 (1a–1c) through the JSON API: one test, or table row, per validation and per escalation.

422 bodies name the field; 409 bodies name the rule and give reasons; a refusal saves nothing
except the escalation (and its archive entry) the refusal itself raises.
"""
from datetime import date, datetime, timedelta

import pytest

from pwa.extensions import db
from tests.support.clock import NY
from tests.support.http import assert_409, assert_422
from tests.support.payloads import classification_payload, event_payload, release_payload
from tests.support.worlds import changes, workflow_counts

# ============================== 1a: open the missed-contact event ===============================

def test_an_opened_event_is_queued_with_its_reviewer_and_deadlines(w1, app):
    appointment = w1.factory.appointment(minutes_ago=20)
    event = w1.opened(appointment)
    assert event["status"] == "queued"
    assert event["reviewer_id"] == w1.auth.users["cora"]
    assert event["validation_timestamp"].startswith("2026-11-17T15:00")  # 10:00 New York, in UTC
    assert event["queued_at"].startswith("2026-11-17T15:00")
    assert event["classification_due_at"].startswith("2026-11-17T17:00")  # 12:00 New York
    # Open deadline: scheduled + 15 min grace + 30 min.
    scheduled = datetime.fromisoformat(appointment["scheduled_at"])
    assert datetime.fromisoformat(event["open_due_at"]) == scheduled + timedelta(minutes=45)
    assert event["control_status"] == "met" and event["escalation_status"] == "none"


def test_the_reviewer_is_the_signed_in_user_never_the_input(w1):
    refused = w1.open(reviewer_id=w1.auth.user("sam", "attendance_supervisor"))
    assert_422(refused, "reviewer_id")


def test_a_scheduled_at_that_differs_from_the_live_schedule_is_refused_naming_both_times(w1, app):
    appointment = w1.factory.appointment(scheduled_at=datetime(2026, 11, 17, 9, 30, tzinfo=NY))
    before = workflow_counts(app)
    errors = assert_422(w1.open(appointment, scheduled_at="2026-11-17T09:00:00-05:00"), "scheduled_at")
    [message] = errors["scheduled_at"]
    assert "09:00" in message and "09:30" in message
    assert changes(before, workflow_counts(app)) == {}


def test_the_same_instant_in_another_offset_matches_the_live_schedule(w1):
    appointment = w1.factory.appointment(scheduled_at=datetime(2026, 11, 17, 9, 30, tzinfo=NY))
    assert w1.open(appointment, scheduled_at="2026-11-17T14:30:00Z").status_code == 201


def test_an_appointment_that_has_not_happened_yet_cannot_be_opened(w1):
    appointment = w1.factory.appointment(scheduled_at=datetime(2026, 11, 17, 14, 0, tzinfo=NY))
    errors = assert_422(w1.open(appointment), "scheduled_at")
    assert "not happened" in errors["scheduled_at"][0]


ONE_A_FIELD_TABLE = [
    # overrides (None removes the field), field named in the 422
    pytest.param({"next_checkpoint_date": "2026-11-16"}, "next_checkpoint_date", id="checkpoint-in-the-past"),
    pytest.param({"next_checkpoint_date": "tomorrow"}, "next_checkpoint_date", id="checkpoint-not-a-date"),
    pytest.param({"event_type": None}, "event_type", id="event-type-missing"),
    pytest.param({"event_type": ""}, "event_type", id="event-type-empty"),
    pytest.param({"event_type": "no_show"}, "event_type", id="event-type-unknown"),
    pytest.param({"service_disruption_known": None}, "service_disruption_known", id="disruption-not-answered"),
    pytest.param({"service_disruption_known": "unknown"}, "service_disruption_known", id="disruption-unknown"),
    pytest.param({"contactability_status": None}, "contactability_status", id="contactability-missing"),
    pytest.param({"contactability_status": "maybe"}, "contactability_status", id="contactability-unknown"),
    pytest.param({"scheduled_at": "2026-11-17T09:30:00"}, "scheduled_at", id="scheduled-at-without-offset"),
    pytest.param({"scheduled_at": None}, "scheduled_at", id="scheduled-at-missing"),
    pytest.param({"case_ref": "C-NOPE"}, "case_ref", id="unknown-case"),
    pytest.param({"appointment_ref": "A-NOPE"}, "appointment_ref", id="unknown-appointment"),
    pytest.param({"note": "x" * 4001}, "note", id="note-too-long"),
    pytest.param({"status": "released"}, "status", id="unknown-field"),
]


@pytest.mark.parametrize(("overrides", "field"), ONE_A_FIELD_TABLE)
def test_1a_field_rules(w1, app, overrides, field):
    appointment = w1.factory.appointment()
    body = event_payload(appointment, **{k: v for k, v in overrides.items() if v is not None})
    for key in [k for k, v in overrides.items() if v is None]:
        del body[key]
    before = workflow_counts(app)
    assert_422(w1.post("/api/v1/missed-contacts", body, "cora"), field)
    assert changes(before, workflow_counts(app)) == {}


def test_opening_the_same_appointment_twice_is_refused(w1, app):
    appointment = w1.factory.appointment()
    w1.opened(appointment)
    before = workflow_counts(app)
    body = assert_409(w1.open(appointment, event_type="failed_arrival"), "event_open")
    assert any("already exists" in r for r in body["reasons"])
    assert changes(before, workflow_counts(app)) == {}


def test_an_appointment_of_another_case_is_refused(w1):
    appointment = w1.factory.appointment()
    other_case = w1.factory.case()
    body = assert_409(w1.open(appointment, case_ref=other_case), "event_open")
    assert any("different case" in r for r in body["reasons"])


def test_a_cancelled_appointment_is_not_a_missed_contact(w1, app):
    from pwa.cases.operations import upsert_appointment

    appointment = w1.factory.appointment()
    with app.app_context():
        upsert_appointment({"appointment_ref": appointment["appointment_ref"], "case_ref": appointment["case_ref"],
                            "scheduled_at": appointment["scheduled_at"], "service": "Counselling",
                            "modality": "in_person", "cancelled": True}, None)
        db.session.commit()
    body = assert_409(w1.open(appointment), "event_open")
    assert any("cancelled" in r for r in body["reasons"])


def test_local_dates_are_new_york_dates_late_in_the_evening(w1, time_machine):
    """At 23:30 in New York it is already tomorrow in UTC; today is still the local date."""
    appointment = w1.factory.appointment(scheduled_at=datetime(2026, 11, 17, 22, 0, tzinfo=NY))
    time_machine.move_to(datetime(2026, 11, 17, 23, 30, tzinfo=NY), tick=False)
    w1.clock_jumped()
    assert_422(w1.open(appointment, next_checkpoint_date="2026-11-16"), "next_checkpoint_date")
    event = w1.opened(appointment, next_checkpoint_date="2026-11-17")
    assert event["classification_due_at"] == "2026-11-18T16:00:00Z"  # Wed 11:00 New York
    w1.confirmed(event)
    assert w1.release(event["id"], review_date="2026-11-17").status_code == 201


def test_a_live_schedule_time_with_seconds_matches_the_minute_entered_on_the_screen(w1):
    appointment = w1.factory.appointment(scheduled_at=datetime(2026, 11, 17, 9, 30, 15, tzinfo=NY))
    assert w1.open(appointment, scheduled_at="2026-11-17T09:30:00-05:00").status_code == 201


def test_an_unknown_event_is_404(w1):
    for step in ("classification", "evidence", "release"):
        response = w1.post(f"/api/v1/missed-contacts/999999/{step}", {}, "sam" if step == "classification" else "cora")
        assert response.status_code == 404, (step, response.get_json())


def test_only_a_coordinator_opens_an_event(w1):
    assert w1.open(as_user="sam").status_code == 403


def test_an_event_opened_after_its_thirty_minutes_is_breached(w1, time_machine):
    appointment = w1.factory.appointment(minutes_ago=20)  # detected 5 minutes ago, due in 25
    time_machine.move_to(datetime(2026, 11, 17, 10, 26, tzinfo=NY), tick=False)
    late = w1.opened(appointment)
    assert late["control_status"] == "breached"


# ============================== 1b: classification challenge ===================================

ONE_B_FIELD_TABLE = [
    # event disruption flag, classification overrides, field named in the 422
    pytest.param("no", {"final_classification": "undetermined", "outcome": "confirm"}, "outcome",
                 id="undetermined-cannot-confirm"),
    pytest.param("yes", {"service_failure_contribution": "none", "contributing_factors": []},
                 "service_failure_contribution", id="disruption-yes-contribution-none"),
    *[pytest.param("no", {"final_classification": "person_refusal", "service_failure_contribution": "none",
                          "contributing_factors": [factor]}, "service_failure_contribution", id=f"{factor}-none")
      for factor in ("transport", "scheduling", "communication", "site_entry")],
    pytest.param("no", {"outcome": None}, "outcome", id="outcome-missing"),
    pytest.param("no", {"final_classification": "noncompliant"}, "final_classification",
                 id="classification-unknown"),
    pytest.param("no", {"access_barrier_likelihood": None}, "access_barrier_likelihood", id="likelihood-missing"),
    pytest.param("no", {"service_failure_contribution": None}, "service_failure_contribution",
                 id="contribution-missing"),
    pytest.param("no", {"contributing_factors": None}, "contributing_factors", id="factors-missing"),
    pytest.param("no", {"contributing_factors": ["weather"]}, "contributing_factors", id="factor-unknown"),
    pytest.param("no", {"unresolved_dependency_count": -1}, "unresolved_dependency_count",
                 id="dependencies-negative"),
    pytest.param("no", {"unresolved_dependency_count": None}, "unresolved_dependency_count",
                 id="dependencies-missing"),
    pytest.param("no", {"unresolved_dependency_count": "some"}, "unresolved_dependency_count",
                 id="dependencies-not-a-number"),
    pytest.param("no", {"unresolved_dependency_count": 0.5}, "unresolved_dependency_count",
                 id="dependencies-fraction"),
    pytest.param("no", {"evidence_summary": ""}, "evidence_summary", id="evidence-empty"),
    pytest.param("no", {"evidence_summary": None}, "evidence_summary", id="evidence-missing"),
]


@pytest.mark.parametrize(("disruption", "overrides", "field"), ONE_B_FIELD_TABLE)
def test_1b_field_rules(w1, app, disruption, overrides, field):
    event = w1.opened(service_disruption_known=disruption)
    body = classification_payload(**{k: v for k, v in overrides.items() if v is not None})
    for key in [k for k, v in overrides.items() if v is None]:
        del body[key]
    before = workflow_counts(app)
    assert_422(w1.post(f"/api/v1/missed-contacts/{event['id']}/classification", body, "sam"), field)
    assert changes(before, workflow_counts(app)) == {}
    assert w1.event(event["id"])["status"] == "queued"


@pytest.mark.parametrize("factors", [[], ["technology"], ["health", "caregiving", "emotional_overload"],
                                     ["housing", "benefits", "misunderstanding", "safety", "other"]])
def test_contribution_none_is_accepted_with_person_side_factors_and_no_disruption(w1, factors):
    event = w1.opened(service_disruption_known="no")
    response = w1.classify(event["id"], final_classification="person_refusal", service_failure_contribution="none",
                           contributing_factors=factors)
    assert response.status_code == 201, response.get_json()


def test_undetermined_may_be_returned_for_evidence(w1):
    event = w1.opened()
    response = w1.classify(event["id"], final_classification="undetermined", outcome="return_for_evidence")
    assert response.status_code == 201
    assert response.get_json()["missed_contact_status"] == "returned"


@pytest.mark.parametrize("state", ["confirmed", "returned", "released"])
def test_only_a_queued_event_can_be_classified(w1, app, state):
    event, _ = w1.confirmed(outcome="return_for_evidence" if state == "returned" else "confirm")
    if state == "released":
        assert w1.release(event["id"]).status_code == 201
    before = workflow_counts(app)
    body = assert_409(w1.classify(event["id"]), "classification_order")
    assert any(state in r for r in body["reasons"])
    assert changes(before, workflow_counts(app)) == {}


def test_the_coordinator_who_opened_an_event_cannot_classify_it_even_as_attendance_supervisor(w1, app):
    w1.as_user("dual", "coordinator", "attendance_supervisor")
    event = w1.opened(as_user="dual")
    before = workflow_counts(app)
    body = assert_409(w1.classify(event["id"], as_user="dual"), "classification_order")
    assert any("opened the event" in r for r in body["reasons"])
    assert changes(before, workflow_counts(app)) == {}
    # Another supervisor may.
    assert w1.classify(event["id"], as_user="sam").status_code == 201


def test_only_an_attendance_supervisor_classifies(w1):
    event = w1.opened()
    assert w1.classify(event["id"], as_user="cora").status_code == 403
    assert w1.classify(event["id"], as_user="mona").status_code == 403


def test_a_classification_after_its_deadline_is_breached_and_before_it_is_met(w1, time_machine):
    on_time, late = w1.opened(), w1.opened()  # queued 10:00, due 12:00
    time_machine.move_to(datetime(2026, 11, 17, 11, 59, tzinfo=NY), tick=False)
    assert w1.classify(on_time["id"]).get_json()["control_status"] == "met"
    time_machine.move_to(datetime(2026, 11, 17, 12, 1, tzinfo=NY), tick=False)
    record = w1.classify(late["id"]).get_json()
    assert record["control_status"] == "breached"
    assert record["due_at"].startswith("2026-11-17T17:00")


def test_classification_records_reviewer_and_sorted_factors(w1):
    event, record = w1.confirmed(contributing_factors=["transport", "housing", "transport"])
    assert record["reviewer_id"] == w1.auth.users["sam"]
    assert record["contributing_factors"] == ["housing", "transport"]
    assert record["escalation_status"] == "none"


# ============================== the return-for-evidence loop ====================================

def test_a_returned_event_gets_evidence_and_is_requeued_with_a_new_deadline(w1, time_machine):
    event = w1.opened()
    assert event["classification_due_at"].startswith("2026-11-17T17:00")
    time_machine.move_to(datetime(2026, 11, 17, 10, 30, tzinfo=NY), tick=False)
    returned = w1.classify(event["id"], final_classification="undetermined", outcome="return_for_evidence")
    assert returned.get_json()["missed_contact_status"] == "returned"
    assert_409(w1.release(event["id"]), "release_order")
    assert_409(w1.classify(event["id"]), "classification_order")

    time_machine.move_to(datetime(2026, 11, 17, 16, 0, tzinfo=NY), tick=False)
    added = w1.evidence(event["id"], {"evidence": "Bus company confirmed route 12 was cancelled.",
                                      "contactability_status": "unreachable"})
    assert added.status_code == 201, added.get_json()
    body = added.get_json()
    assert body["requeued_at"].startswith("2026-11-17T21:00")
    assert body["classification_due_at"].startswith("2026-11-18T15:00")  # 16:00 + 2 business hours = Wed 10:00
    requeued = w1.event(event["id"])
    assert requeued["status"] == "queued"
    assert requeued["classification_due_at"] == body["classification_due_at"]
    assert requeued["contactability_status"] == "unreachable"
    assert [e["evidence"] for e in requeued["evidence"]] == ["Bus company confirmed route 12 was cancelled."]

    # Classified again: two classifications on the event, the release follows the latest.
    w1.confirmed(requeued, final_classification="access_barrier")
    assert len(w1.event(event["id"])["classifications"]) == 2
    assert w1.release(event["id"]).status_code == 201


@pytest.mark.parametrize("state", ["queued", "confirmed", "released"])
def test_evidence_is_refused_unless_the_event_was_returned(w1, app, state):
    event = w1.opened()
    if state != "queued":
        w1.confirmed(event)
    if state == "released":
        assert w1.release(event["id"]).status_code == 201
    before = workflow_counts(app)
    body = assert_409(w1.evidence(event["id"]), "evidence_order")
    assert state in body["reasons"][0]
    assert changes(before, workflow_counts(app)) == {}


def test_empty_evidence_is_refused(w1):
    event, _ = w1.confirmed(final_classification="undetermined", outcome="return_for_evidence")
    assert_422(w1.evidence(event["id"], {"evidence": ""}), "evidence")


# ============================== 1c: coded release ===============================================

@pytest.mark.parametrize("classification", ["person_refusal", "access_barrier", "service_side_failure"])
@pytest.mark.parametrize("code", ["NS-REFUSAL", "NS-ACCESS", "NS-SERVICE"])
def test_the_permanent_code_must_match_the_classification(w1, app, classification, code):
    expected = {"person_refusal": "NS-REFUSAL", "access_barrier": "NS-ACCESS",
                "service_side_failure": "NS-SERVICE"}[classification]
    event, _ = w1.confirmed(final_classification=classification)
    before = workflow_counts(app)
    response = w1.release(event["id"], permanent_code=code)
    if code == expected:
        assert response.status_code == 201, response.get_json()
        assert response.get_json()["permanent_code"] == code
    else:
        errors = assert_422(response, "permanent_code")
        assert expected in errors["permanent_code"][0]
        assert changes(before, workflow_counts(app)) == {}
        assert w1.event(event["id"])["status"] == "confirmed"


ONE_C_FIELD_TABLE = [
    pytest.param({"follow_up_required": "yes", "follow_up_route": "none"}, "follow_up_route", id="yes-with-none"),
    pytest.param({"follow_up_required": "no", "follow_up_route": "outreach"}, "follow_up_route", id="no-with-outreach"),
    pytest.param({"follow_up_required": "no", "follow_up_route": "clinical"}, "follow_up_route", id="no-with-clinical"),
    pytest.param({"review_date": "2026-11-16"}, "review_date", id="review-date-past"),
    pytest.param({"review_date": None}, "review_date", id="review-date-missing"),
    pytest.param({"follow_up_required": None}, "follow_up_required", id="follow-up-flag-not-answered"),
    pytest.param({"follow_up_required": "maybe"}, "follow_up_required", id="follow-up-flag-unknown"),
    pytest.param({"follow_up_route": None}, "follow_up_route", id="route-missing"),
    pytest.param({"permanent_code": None}, "permanent_code", id="code-missing"),
    pytest.param({"permanent_code": "DNA"}, "permanent_code", id="code-unknown"),
]


@pytest.mark.parametrize(("overrides", "field"), ONE_C_FIELD_TABLE)
def test_1c_field_rules(w1, app, overrides, field):
    event, _ = w1.confirmed()
    body = release_payload(**{k: v for k, v in overrides.items() if v is not None})
    for key in [k for k, v in overrides.items() if v is None]:
        del body[key]
    before = workflow_counts(app)
    assert_422(w1.post(f"/api/v1/missed-contacts/{event['id']}/release", body, "cora"), field)
    assert changes(before, workflow_counts(app)) == {}


def test_a_review_date_of_today_is_accepted(w1):
    event, _ = w1.confirmed()
    assert w1.release(event["id"], review_date="2026-11-17").status_code == 201


@pytest.mark.parametrize("state", ["queued", "returned", "released"])
def test_release_is_refused_before_a_confirmed_classification_or_twice(w1, app, state):
    event = w1.opened()
    if state == "returned":
        w1.confirmed(event, outcome="return_for_evidence")
    if state == "released":
        w1.confirmed(event)
        assert w1.release(event["id"]).status_code == 201
    before = workflow_counts(app)
    body = assert_409(w1.release(event["id"]), "release_order")
    assert any(("already" if state == "released" else state) in r for r in body["reasons"])
    assert changes(before, workflow_counts(app)) == {}


def test_only_a_coordinator_releases(w1):
    event, _ = w1.confirmed()
    assert w1.release(event["id"], as_user="sam").status_code == 403


def test_an_outreach_release_writes_the_code_and_instructs_recovery(w1, app):
    from pwa.intake.models import AttendanceCode, ClinicalFollowUp, Release

    event, _ = w1.confirmed()
    response = w1.release(event["id"])
    body = response.get_json()
    assert body["reviewer_id"] == w1.auth.users["cora"] and body["control_status"] == "met"
    assert body["recovery_case_id"]
    [code] = w1.rows(AttendanceCode)
    [release] = w1.rows(Release)
    assert (code.code, code.release_id) == ("NS-ACCESS", release.id)
    assert w1.rows(ClinicalFollowUp) == []
    assert w1.escalations("E3") == []
    assert w1.event(event["id"])["status"] == "released"


def test_a_clinical_release_records_a_clinical_follow_up_and_no_recovery_case(w1, app):
    from pwa.intake.models import ClinicalFollowUp
    from pwa.recovery.models import RecoveryCase

    event, _ = w1.confirmed()
    response = w1.release(event["id"], follow_up_route="clinical", review_date="2026-11-24")
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["recovery_case_id"] is None
    [instruction] = w1.rows(ClinicalFollowUp)
    assert instruction.release_id == response.get_json()["id"]
    assert instruction.review_date == date(2026, 11, 24)
    assert w1.rows(RecoveryCase) == []
    assert w1.escalations("E3") == []
    assert any(e["action"] == "clinical_instructed" for e in w1.folder("attendance-status"))


def test_a_code_finalised_with_no_follow_up_route_raises_e3_to_the_quality_lead(w1, app):
    from pwa.intake.models import ClinicalFollowUp
    from pwa.recovery.models import RecoveryCase

    event, _ = w1.confirmed()
    response = w1.release(event["id"], follow_up_required="no", follow_up_route="none")
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["recovery_case_id"] is None
    assert body["escalation_status"] == "E3"
    [e3] = w1.escalations("E3")
    assert e3["level"] == "quality_lead"
    assert (e3["subject_type"], e3["subject_id"]) == ("releases", body["id"])
    assert e3["case_ref"] == event["case_ref"]
    assert w1.rows(RecoveryCase) == [] and w1.rows(ClinicalFollowUp) == []
    # The quality lead sees it and acknowledges it; a manager may not.
    inbox = w1.get("/api/v1/escalations?status=open", "quinn")["items"]
    assert [e["rule"] for e in inbox] == ["E3"]
    assert w1.acknowledge(e3["id"], "Checked", as_user="mona").status_code == 403
    assert w1.acknowledge(e3["id"], "Agreed: no follow-up needed, person moved away.", as_user="quinn").status_code == 200


# ============================== E2: person refusal with dependencies ==============================

def test_e2_holds_the_release_until_a_manager_acknowledges_with_a_note(w1, app):
    w1.as_user("quinn")
    event, record = w1.confirmed(final_classification="person_refusal", service_failure_contribution="none",
                                 contributing_factors=["health"], unresolved_dependency_count=2)
    assert record["escalation_status"] == "E2"
    [e2] = w1.escalations("E2")
    assert e2["level"] == "manager"
    assert (e2["subject_type"], e2["subject_id"]) == ("classifications", record["id"])
    assert "2 unresolved" in e2["reason"]
    assert w1.event(event["id"])["classifications"][0]["escalation_status"] == "E2"

    before = workflow_counts(app)
    body = assert_409(w1.release(event["id"], permanent_code="NS-REFUSAL"), "release_order")
    assert any("manager must acknowledge" in r for r in body["reasons"])
    assert changes(before, workflow_counts(app)) == {}

    # Not a manager: 403 (an escalation recipient of another level, and a coordinator).
    assert w1.acknowledge(e2["id"], "I checked", as_user="quinn").status_code == 403
    assert w1.acknowledge(e2["id"], "I checked", as_user="cora").status_code == 403
    # A manager with no note: 422.
    assert_422(w1.acknowledge(e2["id"], ""), "note")
    assert_422(w1.acknowledge(e2["id"], "   "), "note")
    assert_422(w1.post(f"/api/v1/escalations/{e2['id']}/acknowledge", {}, "mona"), "note")
    assert w1.escalations("E2")[0]["acknowledged_at"] is None
    assert_409(w1.release(event["id"], permanent_code="NS-REFUSAL"), "release_order")

    acknowledged = w1.acknowledge(e2["id"], "Dependencies are the person's own choices; reviewed with team.")
    assert acknowledged.status_code == 200, acknowledged.get_json()
    assert acknowledged.get_json()["status"] == "acknowledged"
    assert acknowledged.get_json()["acknowledged_by"] == "mona"
    assert w1.event(event["id"])["classifications"][0]["escalation_status"] == "none"
    assert_409(w1.acknowledge(e2["id"], "again"), "already_acknowledged")

    released = w1.release(event["id"], permanent_code="NS-REFUSAL")
    assert released.status_code == 201, released.get_json()
    assert released.get_json()["permanent_code"] == "NS-REFUSAL"


@pytest.mark.parametrize(("classification", "outcome", "dependencies"), [
    ("person_refusal", "confirm", 0),
    ("person_refusal", "return_for_evidence", 3),
    ("access_barrier", "confirm", 3),
    ("service_side_failure", "confirm", 1),
])
def test_no_e2_without_a_confirmed_person_refusal_with_dependencies(w1, classification, outcome, dependencies):
    _, record = w1.confirmed(final_classification=classification, outcome=outcome,
                             unresolved_dependency_count=dependencies)
    assert record["escalation_status"] == "none"
    assert w1.escalations("E2") == []


def test_an_e2_on_another_event_does_not_hold_this_release(w1):
    w1.confirmed(final_classification="person_refusal", unresolved_dependency_count=1)
    event, _ = w1.confirmed()
    assert w1.release(event["id"]).status_code == 201


# ============================== E1: a code before release ======================================

def _assert_e1_refused(response, w1, app, before, expected_subject_type):
    body = assert_409(response, "E1")
    assert body["escalation_id"]
    [e1] = [e for e in w1.escalations("E1") if e["id"] == body["escalation_id"]]
    assert e1["level"] == "attendance_supervisor"
    assert e1["subject_type"] == expected_subject_type
    assert changes(before, workflow_counts(app)) == {"escalations": 1, "archive_entries": 1}
    return e1


@pytest.mark.parametrize("stage", ["no_event", "queued", "returned", "confirmed"])
def test_a_coordinator_code_before_release_is_refused_with_e1(w1, app, stage):
    from pwa.intake.models import AttendanceCode

    appointment = w1.factory.appointment()
    if stage != "no_event":
        event = w1.opened(appointment)
        if stage in ("returned", "confirmed"):
            w1.confirmed(event, outcome="return_for_evidence" if stage == "returned" else "confirm")
    w1.as_user("cora")
    before = workflow_counts(app)
    response = w1.post("/api/v1/attendance-codes",
                       {"appointment_ref": appointment["appointment_ref"], "code": "NS-ACCESS"}, "cora")
    e1 = _assert_e1_refused(response, w1, app, before, "appointments")
    assert e1["case_ref"] == appointment["case_ref"]
    assert ("no event record exists" if stage == "no_event" else f"the event is {stage}") in e1["reason"]
    assert w1.rows(AttendanceCode) == []
    # The attendance supervisor sees it in their inbox.
    inbox = w1.get("/api/v1/escalations?status=open&level=attendance_supervisor", "sam")["items"]
    assert [e["id"] for e in inbox] == [e1["id"]]


def test_an_integration_code_before_release_is_refused_with_e1(w1, app):
    from pwa.intake.models import AttendanceCode

    appointment = w1.factory.appointment()
    w1.token()
    before = workflow_counts(app)
    response = w1.bearer_post("/api/v1/attendance-codes",
                              {"appointment_ref": appointment["appointment_ref"], "code": "NS-REFUSAL"})
    e1 = _assert_e1_refused(response, w1, app, before, "appointments")
    assert "the API" in e1["reason"]
    assert w1.rows(AttendanceCode) == []


def test_a_code_for_an_unknown_appointment_is_bad_input_not_an_escalation(w1, app):
    before = workflow_counts(app)
    assert_422(w1.post("/api/v1/attendance-codes", {"appointment_ref": "A-NOPE", "code": "NS-ACCESS"}, "cora"),
               "appointment_ref")
    assert changes(before, workflow_counts(app)) == {}


def test_an_attendance_supervisor_cannot_set_a_code(w1):
    appointment = w1.factory.appointment()
    response = w1.post("/api/v1/attendance-codes", {"appointment_ref": appointment["appointment_ref"],
                                                     "code": "NS-ACCESS"}, "sam")
    assert response.status_code == 403
    assert w1.escalations("E1") == []


def _feed_body(appointment, **overrides):
    body = {"appointment_ref": appointment["appointment_ref"], "case_ref": appointment["case_ref"],
            "scheduled_at": appointment["scheduled_at"], "service": "Counselling", "modality": "in_person"}
    body.update(overrides)
    return body


def test_a_schedule_feed_carrying_a_code_for_a_new_appointment_is_refused_and_creates_nothing(w1, app):
    from pwa.cases.models import Appointment

    case_ref = w1.factory.case()
    w1.token()
    before = workflow_counts(app)
    new = {"appointment_ref": "A-FEED-1", "case_ref": case_ref, "scheduled_at": "2026-11-17T09:00:00-05:00"}
    response = w1.bearer_post("/api/v1/appointments", _feed_body(new, attendance_code="NS-REFUSAL"))
    e1 = _assert_e1_refused(response, w1, app, before, "cases")
    assert "schedule feed" in e1["reason"] and "A-FEED-1" in e1["reason"]
    assert w1.rows(Appointment, appointment_ref="A-FEED-1") == []


def test_a_schedule_feed_carrying_a_code_for_an_unreleased_appointment_changes_nothing(w1, app):
    from pwa.cases.models import Appointment

    appointment = w1.factory.appointment(scheduled_at=datetime(2026, 11, 17, 9, 0, tzinfo=NY))
    w1.opened(appointment)
    w1.token()
    before = workflow_counts(app)
    response = w1.bearer_post("/api/v1/appointments", _feed_body(
        appointment, scheduled_at="2026-11-17T09:30:00-05:00", service="Group", attendance_code="NS-ACCESS"))
    _assert_e1_refused(response, w1, app, before, "appointments")
    [stored] = w1.rows(Appointment, appointment_ref=appointment["appointment_ref"])
    assert stored.scheduled_at == datetime(2026, 11, 17, 14, 0, tzinfo=stored.scheduled_at.tzinfo)
    assert stored.service == "Counselling"


def test_a_released_code_resent_by_the_feed_or_the_api_is_accepted_and_a_different_one_refused(w1, app):
    from pwa.intake.models import AttendanceCode

    appointment = w1.factory.appointment()
    event, _ = w1.confirmed(w1.opened(appointment))
    assert w1.release(event["id"]).status_code == 201
    w1.token()

    before = workflow_counts(app)
    feed = w1.bearer_post("/api/v1/appointments", _feed_body(appointment, attendance_code="NS-ACCESS"))
    assert feed.status_code == 200, feed.get_json()
    api = w1.bearer_post("/api/v1/attendance-codes",
                         {"appointment_ref": appointment["appointment_ref"], "code": "NS-ACCESS"})
    assert api.status_code == 200, api.get_json()
    assert api.get_json()["code"] == "NS-ACCESS"
    assert api.get_json()["appointment_ref"] == appointment["appointment_ref"]
    assert changes(before, workflow_counts(app)) == {}

    different = w1.bearer_post("/api/v1/attendance-codes",
                               {"appointment_ref": appointment["appointment_ref"], "code": "NS-REFUSAL"})
    assert "NS-ACCESS" in assert_409(different, "code_mismatch")["reasons"][0]
    feed_different = w1.bearer_post("/api/v1/appointments", _feed_body(appointment, attendance_code="NS-SERVICE"))
    assert_409(feed_different, "code_mismatch")
    assert changes(before, workflow_counts(app)) == {}
    assert [c.code for c in w1.rows(AttendanceCode)] == ["NS-ACCESS"]


# ============================== the archive =====================================================

def test_every_step_writes_its_archive_folder(w1, app, time_machine):
    appointment = w1.factory.appointment()
    w1.post("/api/v1/attendance-codes", {"appointment_ref": appointment["appointment_ref"], "code": "NS-ACCESS"},
            "cora")  # E1
    event = w1.opened(appointment)
    w1.confirmed(event, final_classification="undetermined", outcome="return_for_evidence")
    assert w1.evidence(event["id"]).status_code == 201
    _, record = w1.confirmed(event, final_classification="person_refusal", service_failure_contribution="none",
                             contributing_factors=[], unresolved_dependency_count=1)
    [e2] = w1.escalations("E2")
    assert w1.acknowledge(e2["id"], "Reviewed the dependencies with the team.").status_code == 200
    released = w1.release(event["id"], permanent_code="NS-REFUSAL")
    assert released.status_code == 201

    def actions(folder):
        return [e["action"] for e in reversed(w1.folder(folder))]  # oldest first

    assert actions("missed-contact") == ["opened", "evidence_added"]
    assert actions("classification-queue") == ["queued", "returned", "requeued", "confirmed", "released"]
    assert actions("attendance-control") == ["return_for_evidence", "confirm"]
    assert actions("attendance-status") == ["released", "code_applied"]
    assert actions("recovery-action") == ["instructed"]
    assert actions("escalations") == ["raised_E1", "raised_E2", "acknowledged_E2"]

    opened = w1.folder("missed-contact")[-1]
    assert opened["entity"] == "missed_contacts" and opened["entity_id"] == event["id"]
    assert opened["actor_id"] == w1.auth.users["cora"] and opened["actor_role"] == "coordinator"
    assert opened["record"]["event_type"] == "missed_appointment"
    assert opened["case_ref"] == appointment["case_ref"]
    confirm = w1.folder("attendance-control")[0]
    assert confirm["record"]["id"] == record["id"] and confirm["actor_role"] == "attendance_supervisor"
    assert confirm["record"]["unresolved_dependency_count"] == 1
    code_applied = w1.folder("attendance-status")[0]
    assert code_applied["record"]["code"] == "NS-REFUSAL"
    ack = w1.folder("escalations")[0]
    assert ack["record"]["note"] == "Reviewed the dependencies with the team." and ack["actor_role"] == "manager"

    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output


def test_a_refused_step_writes_no_archive_entry(w1):
    event = w1.opened()
    assert w1.release(event["id"]).status_code == 409
    assert w1.classify(event["id"], final_classification="undetermined").status_code == 422
    assert [e["action"] for e in w1.folder("attendance-status")] == []
    assert [e["action"] for e in w1.folder("attendance-control")] == []
    assert w1.folder("escalations") == []
