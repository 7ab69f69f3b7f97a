"""The section-4 figures checked against hand-built cases made through the real operations: the API, the
CSV, the dashboard and the pack give the numbers worked out by hand below."""
import csv
import io
from datetime import timedelta

from pwa.extensions import db
from tests.support.clock import ny
from tests.support.payloads import attempt_payload, disposition_payload, open_payload
from tests.support.worlds import instructed_case, route_id


def _opened(auth, factory):
    case_id = instructed_case(auth, factory)
    auth.login("olu")
    route = route_id(auth, case_id)
    assert auth.post(f"/api/v1/recovery-cases/{case_id}/open", open_payload(route)).status_code == 200
    return case_id, route


def _travel(time_machine, at):
    time_machine.move_to(at, tick=True)


def test_the_back_in_care_figures_match_the_hand_built_cases(auth, factory, now, time_machine, app):
    # Tuesday 17 Nov 10:00. Two recovery cases for misses at 09:40, both instructed now.
    a, _ = _opened(auth, factory)
    b, route_b = _opened(auth, factory)
    auth.login("olu")
    # A: the person accepts a make-up on Wednesday at 14:00, and names a technology barrier.
    made = auth.post(f"/api/v1/recovery-cases/{a}/attempts", attempt_payload(
        now + timedelta(minutes=1), outcome="reached", barrier_signal="technology", rescue_option="make_up_session",
        rescue_detail="Make-up Wednesday 18 Nov at 14:00 in the clinic", offer_accepted="yes",
        makeup_at=ny(2026, 11, 18, 14, 0).isoformat()))
    assert made.status_code == 201, made.get_json()
    makeup_a = made.get_json()["makeup_appointment_ref"]
    # B: a technology barrier too; the supervisor rebooks a virtual make-up on Wednesday at 11:00.
    assert auth.post(f"/api/v1/recovery-cases/{b}/attempts", attempt_payload(
        now + timedelta(minutes=2), barrier_signal="technology")).status_code == 201
    auth.login("sade")
    assert auth.post(f"/api/v1/recovery-cases/{b}/disposition", disposition_payload(
        route_b, continuity_restored="partial", locked_instruction="rebook", rebook_modality="virtual",
        rebook_at=ny(2026, 11, 18, 11, 0).isoformat())).status_code == 201
    # C: notice in advance for 12:00 today, recorded by the coordinator, with a make-up on Thursday.
    c_ref = factory.case()
    noon = factory.appointment(c_ref, scheduled_at=ny(2026, 11, 17, 12, 0))
    auth.login("cora")
    assert auth.post(f"/api/v1/appointments/{noon['appointment_ref']}/absence-notice", {
        "notified_at": now.isoformat(), "reason": "Court date", "channel": "phone_call",
        "makeup_at": ny(2026, 11, 19, 10, 0).isoformat()}).status_code == 200
    # A's support request is resolved at 15:00 today (due: one business day, no virtual session booked);
    # B's never is.
    _travel(time_machine, ny(2026, 11, 17, 15, 0))
    auth.user("tess", "tech_support")
    auth.login("tess")
    requests = auth.get("/api/v1/support-requests").get_json()["items"]
    assert len(requests) == 2
    first = next(r for r in requests if r["recovery_case_id"] == a)
    assert auth.post(f"/api/v1/support-requests/{first['id']}/resolve", {
        "resolution": "resolved", "resolution_note": "Reset the phone's data plan with the person."}).status_code == 200
    # Wednesday 11:30: the sweep finds B's virtual make-up missed. 14:05: A arrives for the make-up.
    _travel(time_machine, ny(2026, 11, 18, 11, 30))
    from pwa.sweep import run_sweep
    with app.app_context():
        run_sweep()
        db.session.commit()
    _travel(time_machine, ny(2026, 11, 18, 14, 5))
    auth.login("cora")
    assert auth.post(f"/api/v1/appointments/{makeup_a}/arrival",
                     {"arrived_at": ny(2026, 11, 18, 14, 3).isoformat()}).status_code == 200

    # A week later (B's 7 days have passed; C's Thursday make-up has no outcome on record).
    _travel(time_machine, ny(2026, 11, 24, 10, 0))
    auth.user("mona", "manager")
    auth.login("mona")
    body = auth.get("/api/v1/outcomes?from=2026-11-16&to=2026-11-22").get_json()
    got = {f["key"]: (f["value"], f["numerator"], f["denominator"]) for f in body["figures"]}
    assert got["makeup_attendance_rate"] == (0.5, 1, 2)              # A attended, B missed; C's undecided
    value, _, measured = got["median_hours_to_reengagement"]
    assert measured == 1 and abs(value - (28 + 25 / 60)) < 0.05       # Tue 09:40 -> Wed 14:05
    assert got["reengaged_within_7_days"] == (0.5, 1, 2)             # A yes, B no (its week is over)
    assert got["notified_absences"][:2] == (1, 1)
    assert got["support_resolved_before_next_session"] == (0.5, 1, 2)  # A in time, B overdue

    rows = list(csv.reader(io.StringIO(auth.get("/api/v1/outcomes.csv?from=2026-11-16&to=2026-11-22")
                                       .get_data(as_text=True))))
    by_key = {r[1]: r for r in rows[1:]}
    assert by_key["makeup_attendance_rate"][4:7] == ["0.5", "1", "2"]
    assert by_key["notified_absences"][4:6] == ["1", "1"]
    assert by_key["support_resolved_before_next_session"][0] == "Back in care"
    dashboard = auth.get("/outcomes?from=2026-11-16&to=2026-11-22").text
    assert "Back in care" in dashboard and "Make-up attendance rate" in dashboard
    pack = auth.get("/outcomes/pack?period=week&end=2026-11-22").text
    assert "Support requests resolved before the next session" in pack and "Notified absences" in pack
    records = auth.get("/outcomes/makeup_attendance_rate?from=2026-11-16&to=2026-11-22")
    assert records.status_code == 200
    behind = list(csv.reader(io.StringIO(auth.get(
        "/api/v1/outcomes.csv?from=2026-11-16&to=2026-11-22&table=records&figure=makeup_attendance_rate")
        .get_data(as_text=True))))
    sides = sorted(r[7] for r in behind[1:])
    assert sides == ["attended", "missed or notified"], behind
