"""Section 4 through the API: closure's rules, re-engagement by the next regular session, field-by-field 422s,
and nothing saved half-way."""
from datetime import timedelta

import pytest

from tests.support.clock import ny
from tests.support.payloads import attempt_payload, disposition_payload, open_payload
from tests.support.worlds import instructed_case, recovery_counts, route_id

TRANSFERRED = {"closure_reason": "transferred", "evidence": "Transferred to the county ACT team at her request."}


def _opened(auth, factory, **kwargs):
    case_id = instructed_case(auth, factory, **kwargs)
    auth.login("olu")
    route = route_id(auth, case_id)
    assert auth.post(f"/api/v1/recovery-cases/{case_id}/open", open_payload(route)).status_code == 200
    return case_id, route


def test_reengaged_needs_a_session_attended_since_the_miss(auth, factory, now, app):
    case_id, _ = _opened(auth, factory)
    auth.login("sade")
    before = recovery_counts(app)
    refused = auth.post(f"/api/v1/recovery-cases/{case_id}/close",
                        {"closure_reason": "reengaged", "evidence": "She said she would come next week."})
    assert refused.status_code == 422 and list(refused.get_json()["errors"]) == ["closure_reason"]
    assert recovery_counts(app) == before


def test_the_next_regular_session_attended_closes_the_case_by_itself(auth, factory, now, time_machine, app):
    case_id, _ = _opened(auth, factory, modality="virtual")
    case_ref = auth.get(f"/api/v1/recovery-cases/{case_id}").get_json()["case_ref"]
    session = factory.appointment(case_ref, minutes_ago=-60 * 24, modality="virtual", ref="GROUP-WED")
    start = ny(2026, 11, 18, 10, 0)
    time_machine.move_to(start + timedelta(minutes=65), tick=True)
    auth.user("feed", "integration")
    auth.login("feed")
    # A recording viewed is partial engagement, never attendance.
    viewed = auth.post("/api/v1/appointments/GROUP-WED/attendance", {
        "recording_sent_at": (start - timedelta(days=1)).isoformat(), "recording_viewed_at": start.isoformat()})
    assert viewed.status_code == 200 and viewed.get_json()["recording_viewed_at"]
    auth.login("sade")
    assert auth.get(f"/api/v1/recovery-cases/{case_id}").get_json()["status"] == "open"
    auth.login("feed")
    signal = auth.post("/api/v1/appointments/GROUP-WED/attendance", {
        "joined_at": (start + timedelta(minutes=1)).isoformat(), "left_at": (start + timedelta(minutes=59)).isoformat()})
    assert signal.status_code == 200 and signal.get_json()["status"] == "attended"
    auth.login("sade")
    closed = auth.get(f"/api/v1/recovery-cases/{case_id}").get_json()
    assert closed["closure_reason"] == "reengaged" and closed["reengaged_appointment_ref"] == "GROUP-WED"
    assert "joined" in closed["closure_evidence"]
    assert session["appointment_ref"] == "GROUP-WED"


def test_a_supervisor_closes_once_and_a_disposition_after_it_is_late(auth, factory, now):
    case_id, route = _opened(auth, factory)
    auth.login("olu")
    assert auth.post(f"/api/v1/recovery-cases/{case_id}/close", TRANSFERRED).status_code == 403
    auth.login("sade")
    closed = auth.post(f"/api/v1/recovery-cases/{case_id}/close", TRANSFERRED)
    assert closed.status_code == 200, closed.get_json()
    body = closed.get_json()
    assert body["status"] == "closed" and body["closure_reason"] == "transferred" and body["closed_at"]
    assert auth.post(f"/api/v1/recovery-cases/{case_id}/close", TRANSFERRED).status_code == 409
    late = auth.post(f"/api/v1/recovery-cases/{case_id}/disposition", disposition_payload(
        route, continuity_restored="no", locked_instruction="rebook",
        rebook_at=(now + timedelta(days=1)).isoformat()))
    assert late.status_code == 201 and late.get_json()["late"] is True
    assert late.get_json()["rebooked_appointment_ref"] is None


def test_unreachable_needs_the_continued_outreach_carried_out_to_its_review_date(auth, factory, now, time_machine):
    case_id, route = _opened(auth, factory)
    unreachable = {"closure_reason": "unreachable_after_outreach",
                   "evidence": "Six attempts over two weeks on every approved route, no answer."}
    auth.login("sade")
    assert auth.post(f"/api/v1/recovery-cases/{case_id}/close", unreachable).status_code == 422
    review = (now + timedelta(days=7)).date()
    assert auth.post(f"/api/v1/recovery-cases/{case_id}/disposition", disposition_payload(
        route, continuity_restored="no", locked_instruction="continued_outreach", instruction_detail="olu",
        review_date=review.isoformat())).status_code == 201
    auth.login("olu")
    assert auth.post(f"/api/v1/recovery-cases/{case_id}/attempts",
                     attempt_payload(now + timedelta(minutes=1))).status_code == 201
    auth.login("sade")
    early = auth.post(f"/api/v1/recovery-cases/{case_id}/close", unreachable)
    assert early.status_code == 422 and "review date" in early.get_json()["errors"]["closure_reason"][0]
    time_machine.move_to(ny(review.year, review.month, review.day, 11, 0), tick=True)
    auth.login("sade")
    done = auth.post(f"/api/v1/recovery-cases/{case_id}/close", unreachable)
    assert done.status_code == 200 and done.get_json()["closure_reason"] == "unreachable_after_outreach"


@pytest.mark.parametrize(("path", "body", "fields"), [
    ("close", {}, {"closure_reason", "evidence"}),
    ("close", {"closure_reason": "gone", "evidence": 12}, {"closure_reason", "evidence"}),
    ("close", {"closure_reason": "transferred", "evidence": "x" * 5000}, {"evidence"}),
])
def test_closure_input_is_checked_field_by_field(auth, factory, now, app, path, body, fields):
    case_id, _ = _opened(auth, factory)
    auth.login("sade")
    before = recovery_counts(app)
    response = auth.post(f"/api/v1/recovery-cases/{case_id}/{path}", body)
    assert response.status_code == 422 and set(response.get_json()["errors"]) == fields
    assert recovery_counts(app) == before


@pytest.mark.parametrize(("body", "fields"), [
    ({}, {"notified_at", "reason", "channel"}),
    ({"notified_at": "yesterday", "reason": "", "channel": "pigeon"}, {"notified_at", "reason", "channel"}),
    ({"notified_at": "2026-11-17T09:00:00", "reason": "Ill", "channel": "sms"}, {"notified_at"}),
    ({"notified_at": "2026-11-17T09:00:00-05:00", "reason": "Ill", "channel": "sms", "makeup_at": "soon"},
     {"makeup_at"}),
    ({"notified_at": "2026-11-17T09:00:00-05:00", "reason": "Ill", "channel": "sms", "extra": 1}, {"extra"}),
])
def test_a_notice_is_checked_field_by_field(auth, factory, now, app, body, fields):
    auth.user("cora", "coordinator")
    appointment = factory.appointment(minutes_ago=-60)
    auth.login("cora")
    before = recovery_counts(app)
    response = auth.post(f"/api/v1/appointments/{appointment['appointment_ref']}/absence-notice", body)
    assert response.status_code == 422, response.get_json()
    assert set(response.get_json()["errors"]) == fields
    assert recovery_counts(app) == before
    assert auth.post("/api/v1/appointments/NOPE/absence-notice", body).status_code in (404, 422)


def test_arrivals_and_schedule_reads_answer_bad_input_with_422_and_unknown_refs_with_404(auth, factory, now):
    auth.user("cora", "coordinator")
    appointment = factory.appointment(minutes_ago=5)
    auth.login("cora")
    ref = appointment["appointment_ref"]
    assert auth.post(f"/api/v1/appointments/{ref}/arrival", {}).status_code == 422
    assert auth.post(f"/api/v1/appointments/{ref}/arrival", {"arrived_at": "2030-01-01T10:00:00Z"}).status_code == 422
    assert auth.post("/api/v1/appointments/NOPE/arrival", {"arrived_at": now.isoformat()}).status_code == 404
    assert auth.get("/api/v1/appointments").status_code == 422
    assert auth.get("/api/v1/appointments?case_ref=NOPE").status_code == 404
    assert auth.get("/api/v1/support-requests").status_code == 403  # not the coordinator's
    ok = auth.post(f"/api/v1/appointments/{ref}/arrival", {"arrived_at": now.isoformat()})
    assert ok.status_code == 200 and ok.get_json()["status"] == "attended"


def test_support_input_is_checked_and_unknown_requests_are_404(auth, now):
    auth.user("tess", "tech_support")
    auth.login("tess")
    assert auth.get("/api/v1/support-requests?status=maybe").status_code == 422
    assert auth.post("/api/v1/support-requests/99/resolve", {"resolution": "resolved",
                                                               "resolution_note": "Fixed it for them."}).status_code == 404
    assert auth.get("/api/v1/recovery-cases").status_code == 403


def test_the_supervisor_closes_from_the_tablet_form(auth, factory, now):
    case_id, _ = _opened(auth, factory)
    auth.login("sade")
    page = auth.get(f"/recovery/{case_id}/close")
    assert page.status_code == 200 and "No session attended since the miss" in page.text
    bad = auth.form(f"/recovery/{case_id}/close", {"closure_reason": "reengaged", "evidence": "He will come back."})
    assert bad.status_code == 422 and "not re-engaged yet" in bad.text
    done = auth.form(f"/recovery/{case_id}/close", TRANSFERRED)
    assert done.status_code == 302
    assert auth.get(f"/api/v1/recovery-cases/{case_id}").get_json()["status"] == "closed"
    assert "Transferred" in auth.get(f"/recovery/{case_id}").text
