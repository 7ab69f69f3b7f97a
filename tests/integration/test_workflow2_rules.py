"""Workflow 2 (2a–2c) through the JSON API: one test, or table row, per validation and per escalation.

422 bodies name the field and save nothing; 409 bodies name the rule; 403 for another worker's case
or the wrong role; E5 to the duty manager; replays, late attempts, reassignment, rebooking and the
three archive folders of the step records.
"""
from datetime import timedelta

import pytest
import sqlalchemy as sa

from pwa.extensions import db
from tests.support.http import assert_409, assert_422
from tests.support.payloads import attempt_payload, disposition_payload, open_payload
from tests.support.worlds import UNAPPROVED_EMAIL, instructed_case, recovery_counts, recovery_row, route_id

# === 2a: open the recovery case ================================================================

@pytest.mark.parametrize(("flag", "tier"), [("medication", "2"), ("crisis", "3"), ("intensive_support", 2),
                                            ("safeguarding", "3")])
def test_a_high_risk_case_opened_below_tier_1_is_refused(w2, app, flag, tier):
    case_id = w2.case(risk_flags=[flag])
    before = recovery_counts(app)
    errors = assert_422(w2.open(case_id, recovery_priority_tier=tier), "recovery_priority_tier")
    assert "tier must be 1" in errors["recovery_priority_tier"][0]
    assert recovery_counts(app) == before
    assert recovery_row(app, case_id)["status"] == "instructed"
    assert w2.open(case_id, recovery_priority_tier="1").status_code == 200


@pytest.mark.parametrize("tier", ["1", "2", "3", 2])
def test_a_case_without_risk_flags_takes_any_tier(w2, tier):
    case_id = w2.case()
    response = w2.open(case_id, recovery_priority_tier=tier)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["recovery_priority_tier"] == str(tier)


def _other_case_route(w2, case_id):
    other = w2.case()
    return w2.route(other)


@pytest.mark.parametrize(("overrides", "field"), [
    pytest.param({"approved_contact_route": "email"}, "approved_contact_route", id="route-on-record-not-approved"),
    pytest.param({"approved_contact_route": "other-case"}, "approved_contact_route", id="route-of-another-case"),
    pytest.param({"approved_contact_route": 987654}, "approved_contact_route", id="no-such-route"),
    pytest.param({"next_checkpoint_date": "yesterday"}, "next_checkpoint_date", id="checkpoint-past"),
    pytest.param({"service_impact_score": 0}, "service_impact_score", id="score-0"),
    pytest.param({"service_impact_score": 6}, "service_impact_score", id="score-6"),
    pytest.param({"immediate_welfare_concern": "maybe"}, "immediate_welfare_concern", id="welfare-unknown"),
    pytest.param({"recovery_priority_tier": "4"}, "recovery_priority_tier", id="tier-4"),
    pytest.param({"reviewer_id": 1}, "reviewer_id", id="reviewer-id-is-never-input"),
    pytest.param({"control_status": "met"}, "control_status", id="control-status-is-never-input"),
])
def test_open_validations(w2, app, now, overrides, field):
    case_id = w2.case(routes=UNAPPROVED_EMAIL)
    overrides = dict(overrides)
    if overrides.get("approved_contact_route") == "email":
        overrides["approved_contact_route"] = w2.route(case_id, "email")
    elif overrides.get("approved_contact_route") == "other-case":
        overrides["approved_contact_route"] = _other_case_route(w2, case_id)
    if overrides.get("next_checkpoint_date") == "yesterday":
        overrides["next_checkpoint_date"] = (now.date() - timedelta(days=1)).isoformat()
    before = recovery_counts(app)
    assert_422(w2.open(case_id, **overrides), field)
    assert recovery_counts(app) == before
    assert recovery_row(app, case_id)["opened_at"] is None


def test_opening_sets_the_reviewer_and_deadline_status_from_the_server(w2, auth, now):
    case_id = w2.case()
    body = w2.open(case_id).get_json()
    assert body["status"] == "open" and body["control_status"] == "met"
    assert body["reviewer_id"] == auth.users["olu"]
    assert body["opened_at"] and body["validation_timestamp"]


def test_opening_twice_is_refused(w2, app):
    case_id = w2.case()
    assert w2.open(case_id).status_code == 200
    before = recovery_counts(app)
    body = assert_409(w2.open(case_id, recovery_priority_tier="2"), "recovery_open_order")
    assert any("open" in r for r in body["reasons"])
    assert recovery_counts(app) == before
    assert recovery_row(app, case_id)["recovery_priority_tier"] == "1"


def test_opening_late_is_saved_as_breached(w2, time_machine, now):
    case_id = w2.case()
    time_machine.move_to(now + timedelta(hours=1, minutes=5))
    w2.signed_in = None  # over an hour later the session has idled out: sign in again
    response = w2.open(case_id)
    assert response.status_code == 200
    assert response.get_json()["control_status"] == "breached"


# === ownership =================================================================================

def test_another_outreach_worker_cannot_open_log_or_read_the_case(w2, app):
    case_id = w2.case()
    before = recovery_counts(app)
    assert w2.open(case_id, as_user="ola").status_code == 403
    assert w2.read(case_id, as_user="ola").status_code == 403
    assert w2.open(case_id, as_user="olu").status_code == 200
    assert w2.attempt(case_id, as_user="ola").status_code == 403
    assert w2.read(case_id, as_user="ola").status_code == 403
    after = recovery_counts(app)
    assert after["recovery_attempts"] == before["recovery_attempts"]


def test_another_outreach_worker_does_not_see_the_case_even_by_guessing_ids(w2):
    mine = w2.case(worker="ola")
    theirs = [w2.case(), w2.case(risk_flags=["crisis"])]
    listed = w2.get("/api/v1/recovery-cases", "ola").get_json()["items"]
    assert [c["id"] for c in listed] == [mine]
    for status in ("instructed", "open"):
        items = w2.get(f"/api/v1/recovery-cases?status={status}", "ola").get_json()["items"]
        assert not {c["id"] for c in items} & set(theirs)
    for guess in range(1, max(theirs) + 5):
        response = w2.read(guess, as_user="ola")
        if guess == mine:
            assert response.status_code == 200
        else:
            assert response.status_code in (403, 404), (guess, response.status_code)
            assert "contact_routes" not in (response.get_json() or {})
            assert w2.attempt(guess, as_user="ola").status_code in (403, 404)
    olus = w2.get("/api/v1/recovery-cases", "olu").get_json()["items"]
    assert sorted(c["id"] for c in olus) == sorted(theirs)


def test_the_service_supervisor_sees_every_case_high_risk_first(w2):
    plain = w2.case()
    risky = w2.case(risk_flags=["safeguarding"], worker="ola")
    items = w2.get("/api/v1/recovery-cases", "sade").get_json()["items"]
    assert [c["id"] for c in items] == [risky, plain]
    assert {c["assigned_outreach_worker"] for c in items} == {"olu", "ola"}
    assert w2.read(risky, "sade").status_code == 200 and w2.read(plain, "sade").status_code == 200


@pytest.mark.parametrize("role", ["coordinator", "attendance_supervisor", "manager", "auditor"])
def test_other_roles_cannot_read_recovery_cases(w2, auth, role):
    case_id = w2.case()
    auth.user(f"{role}-x", role)
    w2.as_user(f"{role}-x")
    assert w2.auth.get("/api/v1/recovery-cases").status_code == 403
    assert w2.auth.get(f"/api/v1/recovery-cases/{case_id}").status_code == 403


def test_only_the_outreach_worker_opens_and_logs_and_only_the_supervisor_disposes(w2, app):
    case_id = w2.case()
    assert w2.open(case_id, as_user="sade").status_code == 403
    assert w2.open(case_id).status_code == 200
    assert w2.attempt(case_id, as_user="sade").status_code == 403
    attempt = w2.attempted(case_id, outcome="reached")
    before = recovery_counts(app)
    assert w2.dispose(case_id, as_user="olu", evidence=[attempt["id"]]).status_code == 403
    assert w2.decide(case_id, attempt["id"], "approved", as_user="olu").status_code == 403
    assert recovery_counts(app) == before
    assert w2.dispose(case_id, evidence=[attempt["id"]]).status_code == 201


def test_a_missing_case_is_404(w2):
    w2.as_user("sade")
    assert w2.auth.get("/api/v1/recovery-cases/999999").status_code == 404
    assert w2.post("/api/v1/recovery-cases/999999/disposition", disposition_payload(1), "sade").status_code == 404


# === 2b: attempts ==============================================================================

def test_an_attempt_before_the_case_is_opened_is_refused(w2, app):
    case_id = w2.case()
    before = recovery_counts(app)
    assert_409(w2.attempt(case_id), "attempt_order")
    assert recovery_counts(app) == before


@pytest.mark.parametrize(("offset", "status"), [
    pytest.param(timedelta(minutes=-1), 422, id="a-minute-before-opening"),
    pytest.param(timedelta(hours=-3), 422, id="hours-before-opening"),
    pytest.param(timedelta(0), 201, id="in-the-minute-it-opened"),
    pytest.param(timedelta(minutes=1), 201, id="a-minute-in-the-future-tolerated"),
    pytest.param(timedelta(minutes=5), 422, id="five-minutes-in-the-future"),
    pytest.param(timedelta(days=1), 422, id="tomorrow"),
])
def test_attempt_time_must_be_after_opening_and_not_in_the_future(w2, app, now, offset, status):
    case_id = w2.opened_case()
    before = recovery_counts(app)
    response = w2.attempt(case_id, at=now + offset)
    assert response.status_code == status, response.get_json()
    if status == 422:
        assert_422(response, "attempt_at")
        assert recovery_counts(app) == before


@pytest.mark.parametrize(("overrides", "modality", "field"), [
    pytest.param({"rescue_option": "tech_support", "rescue_detail": "Set up the tablet and tested the link"},
                 "in_person", "rescue_option", id="tech-support-for-in-person"),
    pytest.param({"rescue_option": "switch_to_video", "rescue_detail": "Moved to video next session"},
                 "virtual", "rescue_option", id="video-for-virtual"),
    pytest.param({"rescue_option": "transport_support", "rescue_detail": "Taxi voucher for the next session"},
                 "home_visit", "rescue_option", id="transport-for-home-visit"),
    pytest.param({"rescue_detail": "Please call us back"}, "in_person", "rescue_detail", id="generic-callback"),
    pytest.param({"rescue_detail": "Callback requested"}, "in_person", "rescue_detail", id="callback-requested"),
    pytest.param({"rescue_detail": "Get in touch with the team"}, "in_person", "rescue_detail", id="get-in-touch"),
    pytest.param({"rescue_detail": "Another slot next week"}, "in_person", "rescue_detail", id="slot-without-day"),
    pytest.param({"rescue_detail": "Offered Thursday afternoon"}, "in_person", "rescue_detail",
                 id="slot-without-time"),
    pytest.param({"rescue_option": "rebook", "rescue_detail": None}, "in_person", "rescue_detail",
                 id="rebook-without-detail"),
    pytest.param({"rescue_option": "transport_support", "rescue_detail": "taxi"}, "in_person", "rescue_detail",
                 id="too-short"),
    pytest.param({"channel": "email"}, "in_person", "channel", id="unapproved-channel-without-reason"),
    pytest.param({"channel": "email", "emergency_exception_reason": "   "}, "in_person", "channel",
                 id="unapproved-channel-blank-reason"),
    pytest.param({"reviewer_id": 5}, "in_person", "reviewer_id", id="reviewer-id-is-never-input"),
    pytest.param({"late": False}, "in_person", "late", id="late-is-never-input"),
    pytest.param({"exception_status": "approved"}, "in_person", "exception_status", id="self-approved-exception"),
])
def test_attempt_validations(w2, app, overrides, modality, field):
    case_id = w2.opened_case(modality=modality, routes=UNAPPROVED_EMAIL)
    before = recovery_counts(app)
    assert_422(w2.attempt(case_id, **overrides), field)
    assert recovery_counts(app) == before


@pytest.mark.parametrize(("modality", "option", "detail"), [
    ("virtual", "tech_support", "Walked her through the app update; link tested"),
    ("virtual", "recorded_session", "Sent the recording of today's group with questions"),
    ("virtual", "make_up_session", "Make-up session Thu 19 Nov 18:00 online"),
    ("in_person", "transport_support", "Booked a taxi voucher for Thursday's session"),
    ("home_visit", "switch_to_video", "Video call set up instead of the next visit"),
    ("phone", "rebook", "Rebooked for tomorrow at 3pm"),
    ("in_person", "none_offered", None),
])
def test_a_fitting_specific_rescue_is_saved(w2, modality, option, detail):
    case_id = w2.opened_case(modality=modality)
    saved = w2.attempted(case_id, rescue_option=option, rescue_detail=detail)
    assert saved["rescue_option"] == option and saved["rescue_detail"] == detail


def test_an_emergency_exception_is_pending_until_a_supervisor_approves_it(w2, app):
    case_id = w2.opened_case(routes=UNAPPROVED_EMAIL)
    saved = w2.attempted(case_id, channel="email", emergency_exception_reason="Phone disconnected; email on file")
    assert saved["exception_status"] == "pending"
    assert saved["emergency_exception_reason"] == "Phone disconnected; email on file"
    assert "Phone disconnected" in w2.get("/close-the-day", "sade").text
    decided = w2.decide(case_id, saved["id"], "approved")
    assert decided.status_code == 200, decided.get_json()
    assert decided.get_json()["exception_status"] == "approved"
    before = recovery_counts(app)
    assert_409(w2.decide(case_id, saved["id"], "rejected"), "exception_order")
    assert recovery_counts(app) == before
    detail = w2.read(case_id, "sade").get_json()
    assert detail["attempts"][0]["exception_status"] == "approved"


def test_a_supervisor_can_reject_an_emergency_exception(w2):
    case_id = w2.opened_case(routes=UNAPPROVED_EMAIL)
    saved = w2.attempted(case_id, channel="home_visit", emergency_exception_reason="No answer; medication due")
    response = w2.decide(case_id, saved["id"], "rejected")
    assert response.status_code == 200 and response.get_json()["exception_status"] == "rejected"


def test_an_attempt_on_an_approved_channel_has_no_exception_to_decide(w2, app):
    case_id = w2.opened_case()
    saved = w2.attempted(case_id, emergency_exception_reason="Not needed")
    assert saved["exception_status"] is None and saved["emergency_exception_reason"] is None
    before = recovery_counts(app)
    assert_409(w2.decide(case_id, saved["id"], "approved"), "exception_order")
    assert recovery_counts(app) == before


def test_an_exception_decision_names_its_field_and_its_attempt(w2):
    case_id = w2.opened_case(routes=UNAPPROVED_EMAIL)
    other = w2.opened_case(routes=UNAPPROVED_EMAIL)
    saved = w2.attempted(case_id, channel="email", emergency_exception_reason="Phone disconnected")
    assert_422(w2.decide(case_id, saved["id"], "maybe"), "decision")
    assert w2.decide(other, saved["id"], "approved").status_code == 404
    assert w2.decide(case_id, 999999, "approved").status_code == 404
    assert w2.read(case_id, "sade").get_json()["attempts"][0]["exception_status"] == "pending"


@pytest.mark.parametrize(("barrier", "option", "detail", "raised"), [
    ("active_risk", "none_offered", None, True),
    ("active_risk", "welfare_check", "Duty worker visiting at 14:00 today", False),
    ("none", "none_offered", None, False),
    ("health", "none_offered", None, False),
])
def test_e5_goes_to_the_duty_manager_on_active_risk_with_no_rescue(w2, auth, barrier, option, detail, raised):
    case_id = w2.opened_case()
    saved = w2.attempted(case_id, barrier_signal=barrier, rescue_option=option, rescue_detail=detail)
    e5 = w2.escalations("E5")
    assert len(e5) == int(raised)
    if raised:
        assert e5[0]["level"] == "duty_manager"
        assert (e5[0]["subject_type"], e5[0]["subject_id"]) == ("recovery_attempts", saved["id"])
        assert saved["escalation_status"] == "E5"
        inbox = w2.get("/api/v1/escalations?level=duty_manager", "dana").get_json()["items"]
        assert [e["rule"] for e in inbox] == ["E5"]
        assert w2.get("/api/v1/escalations", "sade").get_json()["items"] == []


def test_a_replay_returns_the_stored_attempt_and_a_different_body_is_a_conflict(w2, app, now):
    case_id = w2.opened_case()
    body = attempt_payload(now, outcome="reached")
    first = w2.attempt(case_id, body=body)
    assert first.status_code == 201
    before = recovery_counts(app)
    again = w2.attempt(case_id, body=dict(body))
    assert again.status_code == 200 and again.get_json()["id"] == first.get_json()["id"]
    conflict = w2.attempt(case_id, body={**body, "outcome": "declined"})
    assert_409(conflict, "conflict")
    assert recovery_counts(app) == before
    assert w2.read(case_id).get_json()["attempts"][0]["outcome"] == "reached"


def test_a_replayed_disposition_returns_the_stored_one(w2, app):
    case_id = w2.opened_case()
    body = disposition_payload(w2.route(case_id), continuity_restored="no", locked_instruction="welfare_escalation")
    first = w2.dispose(case_id, body=body)
    assert first.status_code == 201
    before = recovery_counts(app)
    again = w2.dispose(case_id, body=dict(body))
    assert again.status_code == 200 and again.get_json()["id"] == first.get_json()["id"]
    assert_409(w2.dispose(case_id, body={**body, "unresolved_barrier_count": 3}), "conflict")
    assert recovery_counts(app) == before


def test_an_attempt_after_the_disposition_is_stored_late_and_archived_as_late(w2, time_machine, now):
    case_id = w2.opened_case()
    first = w2.attempted(case_id, outcome="reached")
    assert w2.dispose(case_id, evidence=[first["id"]]).status_code == 201
    time_machine.move_to(now + timedelta(minutes=20))
    late = w2.attempted(case_id, at=now + timedelta(minutes=15))
    assert late["late"] is True and first["late"] is False
    detail = w2.read(case_id).get_json()
    assert detail["status"] == "dispositioned" and len(detail["attempts"]) == 2
    actions = [e["action"] for e in w2.folder("outreach", detail["case_ref"])]
    assert actions == ["late_attempt", "attempt"]


# === 2c: disposition ===========================================================================

def test_a_disposition_before_the_case_is_opened_is_refused(w2, app):
    case_id = w2.case()
    before = recovery_counts(app)
    assert_409(w2.dispose(case_id, continuity_restored="no"), "disposition_order")
    assert recovery_counts(app) == before


@pytest.mark.parametrize(("restored", "with_evidence", "status"), [
    ("yes", False, 422), ("partial", False, 422), ("no", False, 201),
    ("yes", True, 201), ("partial", True, 201), ("no", True, 201),
])
def test_evidence_is_required_when_continuity_is_restored(w2, app, restored, with_evidence, status):
    case_id = w2.opened_case()
    attempt = w2.attempted(case_id, outcome="reached")
    before = recovery_counts(app)
    response = w2.dispose(case_id, evidence=[attempt["id"]] if with_evidence else [], continuity_restored=restored)
    assert response.status_code == status, response.get_json()
    if status == 422:
        assert_422(response, "continuity_evidence")
        assert recovery_counts(app) == before
    else:
        assert response.get_json()["continuity_evidence"] == ([attempt["id"]] if with_evidence else [])


def test_evidence_must_be_attempts_of_this_case(w2, app):
    case_id = w2.opened_case()
    other = w2.opened_case()
    foreign = w2.attempted(other, outcome="reached")
    own = w2.attempted(case_id, outcome="reached")
    before = recovery_counts(app)
    errors = assert_422(w2.dispose(case_id, evidence=[own["id"], foreign["id"]]), "continuity_evidence")
    assert str(foreign["id"]) in errors["continuity_evidence"][0]
    assert_422(w2.dispose(case_id, evidence=[10 ** 9]), "continuity_evidence")
    assert recovery_counts(app) == before


def test_a_rebook_is_the_evidence_and_goes_into_the_live_schedule(w2, app, now):
    from pwa.cases.models import Appointment

    case_id = w2.opened_case()
    rebook_at = (now + timedelta(days=2)).replace(hour=11)
    response = w2.dispose(case_id, evidence=[], continuity_restored="yes", locked_instruction="rebook",
                          instruction_detail=None, rebook_at=rebook_at.isoformat())
    assert response.status_code == 201, response.get_json()
    ref = response.get_json()["rebooked_appointment_ref"]
    assert ref
    case_ref = w2.read(case_id, "sade").get_json()["case_ref"]
    with app.app_context():
        rebooked = db.session.scalar(sa.select(Appointment).filter_by(appointment_ref=ref))
        assert rebooked.case.case_ref == case_ref
        assert rebooked.scheduled_at == rebook_at
        missed = db.session.scalar(sa.select(Appointment).where(Appointment.case_id == rebooked.case_id,
                                                                Appointment.id != rebooked.id))
        assert (rebooked.service, rebooked.modality) == (missed.service, missed.modality)
        assert not rebooked.cancelled


@pytest.mark.parametrize(("rebook_at", "field"), [
    pytest.param(None, "rebook_at", id="missing"),
    pytest.param(timedelta(hours=-1), "rebook_at", id="in-the-past"),
])
def test_a_rebook_needs_a_future_time(w2, app, now, rebook_at, field):
    case_id = w2.opened_case()
    overrides = {"continuity_restored": "no", "locked_instruction": "rebook"}
    if rebook_at is not None:
        overrides["rebook_at"] = (now + rebook_at).isoformat()
    before = recovery_counts(app)
    assert_422(w2.dispose(case_id, **overrides), field)
    assert recovery_counts(app) == before


@pytest.mark.parametrize("which", ["failed", "other-case", "missing"])
def test_the_replacement_route_must_be_a_viable_route_of_this_case(w2, app, which):
    case_id = w2.opened_case()
    w2.attempted(case_id, channel="sms", outcome="wrong_route")
    route = {"failed": lambda: w2.route(case_id, "sms"), "other-case": lambda: w2.route(w2.case()),
             "missing": lambda: 987654}[which]()
    before = recovery_counts(app)
    errors = assert_422(w2.dispose(case_id, route=route, continuity_restored="no"), "replacement_contact_route")
    if which == "failed":
        assert "failed" in errors["replacement_contact_route"][0]
    assert recovery_counts(app) == before
    # The route that did not fail is viable.
    assert w2.dispose(case_id, route=w2.route(case_id, "phone_call"), continuity_restored="no").status_code == 201


def test_a_route_that_was_only_unanswered_is_still_viable(w2):
    case_id = w2.opened_case()
    w2.attempted(case_id, channel="sms", outcome="no_answer")
    assert w2.dispose(case_id, route=w2.route(case_id, "sms"), continuity_restored="no").status_code == 201


@pytest.mark.parametrize("owner", [None, "", "nobody", "sade"])
def test_continued_outreach_needs_an_outreach_worker_as_owner(w2, app, owner):
    case_id = w2.opened_case()
    before = recovery_counts(app)
    overrides = {"continuity_restored": "no", "locked_instruction": "continued_outreach"}
    if owner is not None:
        overrides["instruction_detail"] = owner
    else:
        overrides["instruction_detail"] = None
    assert_422(w2.dispose(case_id, **overrides), "instruction_detail")
    assert recovery_counts(app) == before


def test_continued_outreach_reassigns_the_case_and_keeps_it_open(w2):
    case_id = w2.opened_case()
    response = w2.dispose(case_id, continuity_restored="no", locked_instruction="continued_outreach",
                          instruction_detail="ola")
    assert response.status_code == 201, response.get_json()
    detail = w2.read(case_id, "sade").get_json()
    assert detail["status"] == "open" and detail["assigned_outreach_worker"] == "ola"
    assert w2.read(case_id, "ola").status_code == 200
    assert w2.read(case_id, "olu").status_code == 403
    assert [c["id"] for c in w2.get("/api/v1/recovery-cases", "ola").get_json()["items"]] == [case_id]
    assert w2.attempted(case_id, as_user="ola")["late"] is False


def test_the_review_date_cannot_be_in_the_past(w2, app, now):
    case_id = w2.opened_case()
    before = recovery_counts(app)
    assert_422(w2.dispose(case_id, continuity_restored="no",
                          review_date=(now.date() - timedelta(days=1)).isoformat()), "review_date")
    assert recovery_counts(app) == before


@pytest.mark.parametrize("field", ["reviewer_id", "supersedes_id", "owner_id", "control_status"])
def test_server_fields_are_never_taken_from_a_disposition(w2, app, field):
    case_id = w2.opened_case()
    before = recovery_counts(app)
    assert_422(w2.dispose(case_id, continuity_restored="no", **{field: 1}), field)
    assert recovery_counts(app) == before


def test_a_disposition_is_stamped_with_the_supervisor_and_its_deadline(w2, auth):
    case_id = w2.opened_case()
    body = w2.dispose(case_id, continuity_restored="no").get_json()
    assert body["reviewer_id"] == auth.users["sade"] and body["control_status"] == "met"
    assert body["due_at"] == w2.read(case_id, "sade").get_json()["disposition_due_at"]


# === archive folders ===========================================================================

def test_the_three_folders_hold_the_step_records(w2, now):
    case_id = w2.opened_case(routes=UNAPPROVED_EMAIL)
    case_ref = w2.read(case_id).get_json()["case_ref"]
    normal = w2.attempted(case_id, outcome="reached")
    emergency = w2.attempted(case_id, channel="email", emergency_exception_reason="Phone disconnected")
    assert w2.decide(case_id, emergency["id"], "approved").status_code == 200
    first = w2.dispose(case_id, evidence=[normal["id"]]).get_json()
    second = w2.dispose(case_id, continuity_restored="no", locked_instruction="welfare_escalation").get_json()
    assert second["supersedes_id"] == first["id"]

    recovery_action = w2.folder("recovery-action", case_ref)
    assert [(e["step"], e["action"]) for e in recovery_action] == [("2a", "opened"), ("1c", "instructed")]
    assert recovery_action[0]["record"]["recovery_priority_tier"] == "1"
    assert recovery_action[0]["entity_id"] == case_id

    outreach = w2.folder("outreach", case_ref)
    assert [(e["action"], e["entity_id"]) for e in outreach] == [
        ("exception_approved", emergency["id"]), ("attempt", emergency["id"]), ("attempt", normal["id"])]
    assert all(e["step"] == "2b" for e in outreach)
    assert outreach[-1]["record"]["rescue_detail"] == normal["rescue_detail"]

    rescue_board = w2.folder("rescue-board", case_ref)
    assert [(e["action"], e["entity_id"]) for e in rescue_board] == [("superseded", second["id"]),
                                                                    ("disposed", first["id"])]
    assert all(e["step"] == "2c" and e["actor_role"] == "service_supervisor" for e in rescue_board)


def test_an_outreach_worker_cannot_browse_the_archive(w2):
    w2.case()
    assert w2.get("/api/v1/archive/outreach", "olu").status_code == 403


def test_the_fast_setup_matches_a_case_instructed_through_the_api(w2, auth, factory, app):
    through_api = instructed_case(auth, factory, risk_flags=["crisis"])
    w2.signed_in = "cora"
    fast = w2.case(risk_flags=["crisis"])
    api_row, fast_row = recovery_row(app, through_api), recovery_row(app, fast)
    for key in ("status", "high_risk", "assigned_worker_id", "control_status", "escalation_status"):
        assert api_row[key] == fast_row[key], key
    w2.as_user("olu")
    assert w2.auth.post(f"/api/v1/recovery-cases/{through_api}/open",
                        open_payload(route_id(auth, through_api))).status_code == 200
