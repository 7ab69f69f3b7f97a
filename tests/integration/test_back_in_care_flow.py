"""Section 4 end to end (back in care): one test per path, through the JSON API as the right people."""
from datetime import timedelta

import sqlalchemy as sa

from pwa.extensions import db
from tests.support.clock import ny
from tests.support.payloads import (
    attempt_payload, classification_payload, disposition_payload, event_payload, open_payload, release_payload,
)
from tests.support.worlds import instructed_case, route_id


def _opened(auth, factory, **kwargs) -> tuple[int, int, dict]:
    """An opened recovery case (olu's), its route, and the case as the API shows it."""
    case_id = instructed_case(auth, factory, **kwargs)
    auth.login("olu")
    route = route_id(auth, case_id)
    assert auth.post(f"/api/v1/recovery-cases/{case_id}/open", open_payload(route)).status_code == 200
    return case_id, route, auth.get(f"/api/v1/recovery-cases/{case_id}").get_json()


def _schedule(auth, case_ref) -> dict[str, dict]:
    auth.login("cora")
    response = auth.get(f"/api/v1/appointments?case_ref={case_ref}")
    assert response.status_code == 200, response.get_json()
    return {a["appointment_ref"]: a for a in response.get_json()["items"]}


def _folder(auth, folder) -> list[dict]:
    auth.user("audrey", "auditor")
    auth.login("audrey")
    return auth.get(f"/api/v1/archive/{folder}?per_page=500").get_json()["items"]


def test_an_accepted_make_up_attended_closes_the_case_reengaged_with_its_evidence(auth, factory, now, time_machine):
    case_id, route, case = _opened(auth, factory)
    missed_ref = next(iter(_schedule(auth, case["case_ref"])))
    auth.login("olu")
    slot = ny(2026, 11, 18, 14, 0)
    attempt = auth.post(f"/api/v1/recovery-cases/{case_id}/attempts", attempt_payload(
        now + timedelta(minutes=1), outcome="reached", rescue_option="make_up_session",
        rescue_detail="Make-up session Wednesday 18 Nov at 14:00 with the same counsellor",
        offer_accepted="yes", makeup_at=slot.isoformat()))
    assert attempt.status_code == 201, attempt.get_json()
    makeup_ref = attempt.get_json()["makeup_appointment_ref"]
    assert makeup_ref and makeup_ref != missed_ref
    detail = auth.get(f"/api/v1/recovery-cases/{case_id}").get_json()
    assert detail["makeup_appointment_ref"] == makeup_ref and detail["status"] == "open"

    schedule = _schedule(auth, case["case_ref"])
    assert schedule[makeup_ref]["makeup_for"] == missed_ref
    assert schedule[makeup_ref]["status"] == "scheduled" and schedule[missed_ref]["status"] == "missed"
    auth.login("olu")
    assert makeup_ref in auth.get("/recovery").text  # the worker's day shows the make-up

    time_machine.move_to(slot + timedelta(minutes=3), tick=True)
    auth.login("cora")
    arrived = auth.post(f"/api/v1/appointments/{makeup_ref}/arrival", {"arrived_at": (slot + timedelta(minutes=2)).isoformat()})
    assert arrived.status_code == 200, arrived.get_json()
    assert arrived.get_json()["status"] == "attended"

    auth.login("sade")
    closed = auth.get(f"/api/v1/recovery-cases/{case_id}").get_json()
    assert closed["status"] == "closed" and closed["closure_reason"] == "reengaged"
    assert closed["closed_at"] and closed["reengaged_appointment_ref"] == makeup_ref
    assert makeup_ref in closed["closure_evidence"] and "arrived" in closed["closure_evidence"]
    entries = [e for e in _folder(auth, "recovery-action") if e["action"] == "closed_reengaged"]
    assert len(entries) == 1 and entries[0]["record"]["reengaged_appointment_id"] is not None

    # A closed case takes no attempts: one on its way is stored, marked late, and books nothing.
    auth.login("olu")
    late = auth.post(f"/api/v1/recovery-cases/{case_id}/attempts", attempt_payload(
        slot, outcome="reached", offer_accepted="yes", makeup_at=(slot + timedelta(days=2)).isoformat(),
        rescue_detail="Offered Friday 20 Nov at 10:00 with the same counsellor"))
    assert late.status_code == 201 and late.get_json()["late"] is True
    assert late.get_json()["makeup_appointment_ref"] is None


def test_a_rebook_disposition_books_the_make_up_and_a_missed_make_up_is_a_repeat_miss(auth, factory, now, time_machine):
    case_id, route, case = _opened(auth, factory)
    first_event = auth.get(f"/api/v1/recovery-cases/{case_id}").get_json()["missed_contact_id"]
    auth.login("sade")
    slot = ny(2026, 11, 18, 11, 0)
    disposed = auth.post(f"/api/v1/recovery-cases/{case_id}/disposition", disposition_payload(
        route, continuity_restored="partial", locked_instruction="rebook", rebook_at=slot.isoformat(),
        rebook_modality="virtual", rebook_service="Group therapy"))
    assert disposed.status_code == 201, disposed.get_json()
    makeup_ref = disposed.get_json()["rebooked_appointment_ref"]
    assert auth.get(f"/api/v1/recovery-cases/{case_id}").get_json()["makeup_appointment_ref"] == makeup_ref
    makeup = _schedule(auth, case["case_ref"])[makeup_ref]
    assert makeup["modality"] == "virtual" and makeup["service"] == "Group therapy" and makeup["makeup_for"]

    # The make-up passes with no join: a detected miss, opened as a repeat of the first.
    time_machine.move_to(slot + timedelta(minutes=20), tick=True)
    auth.login("cora")
    assert _schedule(auth, case["case_ref"])[makeup_ref]["status"] in ("scheduled", "missed")
    event = auth.post("/api/v1/missed-contacts", event_payload(
        {"appointment_ref": makeup_ref, "case_ref": case["case_ref"], "scheduled_at": makeup["scheduled_at"]},
        event_type="virtual_no_join"))
    assert event.status_code == 201, event.get_json()
    assert event.get_json()["repeat_of"] == first_event
    assert "Repeat miss" in auth.get("/today").text
    auth.login("sam")
    assert auth.post(f"/api/v1/missed-contacts/{event.get_json()['id']}/classification",
                     classification_payload()).status_code == 201
    auth.login("cora")
    released = auth.post(f"/api/v1/missed-contacts/{event.get_json()['id']}/release", release_payload()).get_json()
    second = released["recovery_case_id"]
    auth.login("olu")
    repeat = auth.get(f"/api/v1/recovery-cases/{second}").get_json()
    assert repeat["priority_raised"] is True and repeat["high_risk"] is True and repeat["repeat_of"] == first_event
    # Raised priority: the high-risk deadline (15 minutes) and tier 1 only.
    from datetime import datetime
    due, instructed = (datetime.fromisoformat(repeat[k].replace("Z", "+00:00")) for k in ("open_due_at", "instructed_at"))
    assert due - instructed == timedelta(minutes=15)
    refused = auth.post(f"/api/v1/recovery-cases/{second}/open", open_payload(route_id(auth, second),
                                                                               recovery_priority_tier="2"))
    assert refused.status_code == 422 and "recovery_priority_tier" in refused.get_json()["errors"]
    listed = auth.get("/api/v1/recovery-cases").get_json()["items"]
    assert listed[0]["id"] == second  # first on the worker's list


def test_notice_in_advance_is_no_event_and_no_threshold_count(auth, factory, now, time_machine, app):
    auth.user("cora", "coordinator")
    case_ref = factory.case()
    upcoming = factory.appointment(case_ref, minutes_ago=-120)
    auth.login("cora")
    slot = ny(2026, 11, 19, 10, 0)
    noticed = auth.post(f"/api/v1/appointments/{upcoming['appointment_ref']}/absence-notice", {
        "notified_at": now.isoformat(), "reason": "Hospital appointment for her daughter", "channel": "phone_call",
        "makeup_at": slot.isoformat()})
    assert noticed.status_code == 200, noticed.get_json()
    assert noticed.get_json()["status"] == "notified_absence"
    makeups = [a for a in _schedule(auth, case_ref).values() if a["makeup_for"] == upcoming["appointment_ref"]]
    assert len(makeups) == 1 and makeups[0]["scheduled_at"].startswith("2026-11-19T15:00")

    time_machine.move_to(now + timedelta(hours=4), tick=True)
    from pwa.sweep import run_sweep
    with app.app_context():
        run_sweep()
        db.session.commit()
    auth.login("cora")
    row = _schedule(auth, case_ref)[upcoming["appointment_ref"]]
    assert row["miss_detected_at"] is None and row["status"] == "notified_absence"
    refused = auth.post("/api/v1/missed-contacts", event_payload(upcoming))
    assert refused.status_code == 409 and "notice" in " ".join(refused.get_json()["reasons"])

    from pwa.cases.models import Case
    from pwa.review.figures import compute_figures
    from pwa.review.policy import current_policy
    with app.app_context():
        case = db.session.scalar(sa.select(Case).filter_by(case_ref=case_ref))
        policy = current_policy()
        figures = compute_figures(case.id, policy, now - timedelta(days=60), now + timedelta(days=1),
                                  now + timedelta(hours=4))
        assert figures["threshold_event_count"]["value"] == 0

    # Notice after the start is not notice; a second notice is refused.
    late_one = factory.appointment(case_ref, minutes_ago=30)
    auth.login("cora")
    after = auth.post(f"/api/v1/appointments/{late_one['appointment_ref']}/absence-notice", {
        "notified_at": (now + timedelta(hours=4)).isoformat(), "reason": "Overslept", "channel": "sms"})
    assert after.status_code == 422 and "notified_at" in after.get_json()["errors"]
    again = auth.post(f"/api/v1/appointments/{upcoming['appointment_ref']}/absence-notice", {
        "notified_at": now.isoformat(), "reason": "Again", "channel": "sms"})
    assert again.status_code == 409


def test_a_technology_barrier_opens_a_support_request_resolved_before_the_next_session(auth, factory, now,
                                                                                     time_machine):
    case_id, route, case = _opened(auth, factory, modality="virtual")
    next_session = factory.appointment(case["case_ref"], minutes_ago=-60 * 24, modality="virtual")
    auth.login("olu")
    attempt = auth.post(f"/api/v1/recovery-cases/{case_id}/attempts", attempt_payload(
        now + timedelta(minutes=1), outcome="reached", barrier_signal="technology", rescue_option="tech_support",
        rescue_detail="Tech support call booked to fix the tablet's camera before Wednesday's group"))
    assert attempt.status_code == 201, attempt.get_json()
    requests = auth.get(f"/api/v1/recovery-cases/{case_id}").get_json()["support_requests"]
    assert len(requests) == 1 and requests[0]["status"] == "open"
    assert requests[0]["next_appointment_ref"] == next_session["appointment_ref"]
    assert requests[0]["due_at"].startswith(next_session["scheduled_at"][:16].replace("+00:00", ""))

    auth.user("tess", "tech_support")
    auth.login("tess")
    assert auth.get("/support").status_code == 200 and case["case_ref"] in auth.get("/support").text
    listed = auth.get("/api/v1/support-requests?status=open").get_json()["items"]
    assert [r["id"] for r in listed] == [requests[0]["id"]]
    assert auth.get(f"/api/v1/recovery-cases/{case_id}").status_code == 403  # not tech support's to read
    bad = auth.post(f"/api/v1/support-requests/{listed[0]['id']}/resolve", {"resolution": "maybe"})
    assert bad.status_code == 422 and set(bad.get_json()["errors"]) == {"resolution", "resolution_note"}
    time_machine.move_to(now + timedelta(hours=3), tick=True)
    auth.login("tess")
    resolved = auth.post(f"/api/v1/support-requests/{listed[0]['id']}/resolve", {
        "resolution": "resolved", "resolution_note": "Camera permission reset; test call made with the person."})
    assert resolved.status_code == 200, resolved.get_json()
    assert resolved.get_json()["status"] == "resolved" and resolved.get_json()["resolved_in_time"] is True
    assert auth.post(f"/api/v1/support-requests/{listed[0]['id']}/resolve", {
        "resolution": "resolved", "resolution_note": "Camera permission reset again."}).status_code == 409
    auth.login("olu")  # the worker sees the resolution
    assert auth.get(f"/api/v1/recovery-cases/{case_id}").get_json()["support_requests"][0]["status"] == "resolved"


def test_an_unresolved_support_request_at_the_next_session_is_flagged_on_today(auth, factory, now, time_machine):
    case_id, route, case = _opened(auth, factory, modality="virtual")
    factory.appointment(case["case_ref"], minutes_ago=-90, modality="virtual")
    auth.login("olu")
    assert auth.post(f"/api/v1/recovery-cases/{case_id}/attempts", attempt_payload(
        now + timedelta(minutes=1), outcome="reached", barrier_signal="technology", rescue_option="tech_support",
        rescue_detail="Tech support to call about the laptop's audio before the group")).status_code == 201
    auth.login("cora")
    assert "Support unresolved" not in auth.get("/today").text
    time_machine.move_to(now + timedelta(minutes=100), tick=True)
    auth.login("cora")
    assert "Support unresolved" in auth.get("/today").text
