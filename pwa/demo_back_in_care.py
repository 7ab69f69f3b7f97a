"""The demo's section-4 states (back in care), built through the operations like the rest of `flask demo`."""
from datetime import timedelta

from .cases.operations import stamp_detected_miss, upsert_appointment
from .clock import acting_at
from .demo_clock import DemoClock
from .extensions import db
from .recovery import back_in_care, operations as recovery_ops
from .recovery.models import RecoveryCase
from .recovery.queries import recovery_case_for
from .support import operations as support_ops
from .support.models import SupportRequest
from .timekeeping import local_today, local_zone

EXPECTATIONS = ("Come to each group session or tell us before it starts if you cannot. Three sessions missed "
                "without notice within 60 days lead to a review with you; we offer a make-up session or another "
                "slot first, and tech support if the video link is the problem.")



def on_the_hour(at):
    return at.astimezone(local_zone()).replace(minute=0)


def back_in_care_states(cases, recovery_ids, users, integration, clock: DemoClock, appointment, open_event, classify,
                  release) -> None:
    """Section 4 in every state: a case closed re-engaged by the next session attended, an accepted make-up
    still to come, a missed make-up opened as a repeat miss (raised priority), notified absences (one with its
    make-up booked, one with a make-up to offer), and support requests open, resolved in time and flagged."""
    ago, ahead = clock.ago, clock.ahead

    def session(n, at, modality, suffix, **signal):
        appt, _ = upsert_appointment({
            "appointment_ref": f"A-{clock.day:%m%d}-{n:03d}-{suffix}", "case_ref": cases[n].case_ref,
            "scheduled_at": at.isoformat(), "service": "IOP group therapy" if modality == "virtual" else "Counselling",
            "modality": modality, "duration_minutes": 60}, integration)
        if signal:
            with acting_at(at + timedelta(minutes=max(signal.values()) + 1)):
                back_in_care.record_attendance_signal(appt.appointment_ref, {
                    k: (at + timedelta(minutes=v)).isoformat() for k, v in signal.items()}, integration)
        return appt

    # Re-engaged: case 15's person came to their next session (in person, an hour ago): closed by itself.
    session(15, on_the_hour(ago(1.5)), "in_person", "NEXT", arrived_at=2)
    # An accepted make-up, still to come, on case 11 (the technology barrier: its support request is open).
    recovery = db.session.get(RecoveryCase, recovery_ids[11])
    at = ago(5.5 - 100 / 60)
    with acting_at(at + timedelta(minutes=1)):
        recovery_ops.record_attempt(recovery.id, {
            "attempt_at": at.isoformat(), "channel": recovery.case.approved_routes[0].channel, "outcome": "reached",
            "barrier_signal": "technology", "rescue_option": "make_up_session",
            "rescue_detail": f"Make-up group {on_the_hour(ahead(3)).astimezone(local_zone()):%a %d %b at %H:%M}, "
                             "laptop camera fixed first", "offer_accepted": "yes",
            "makeup_at": on_the_hour(ahead(3)).isoformat()}, recovery.assigned_worker)
    # A repeat miss: case 32 missed yesterday's session, accepted a make-up this morning, and missed it too.
    first = appointment(32, 12)
    event = open_event(first, ago(11.6))
    classify(event, ago(11.2), "access_barrier", factors=("technology",), contribution="none")
    release(event, ago(11), "outreach")
    repeat_of = recovery_case_for(event.release)
    worker = repeat_of.assigned_worker
    with acting_at(ago(10.8)):
        recovery_ops.open_recovery_case(repeat_of.id, {
            "recovery_priority_tier": "1", "approved_contact_route": repeat_of.case.approved_routes[0].id,
            "immediate_welfare_concern": "no", "service_impact_score": 3,
            "next_checkpoint_date": (local_today(ago(10.8)) + timedelta(days=2)).isoformat()}, worker)
    makeup_at = on_the_hour(ago(4))
    with acting_at(ago(10.5)):
        recovery_ops.record_attempt(repeat_of.id, {
            "attempt_at": ago(10.5).isoformat(), "channel": repeat_of.case.approved_routes[0].channel,
            "outcome": "reached", "barrier_signal": "none", "rescue_option": "make_up_session",
            "rescue_detail": f"Make-up session {makeup_at.astimezone(local_zone()):%a %d %b at %H:%M}",
            "offer_accepted": "yes", "makeup_at": makeup_at.isoformat()}, worker)
    # The classification's technology factor opened a support request, resolved in time.
    done = db.session.scalar(db.select(SupportRequest).filter_by(missed_contact_id=event.id))
    with acting_at(ago(10)):
        support_ops.resolve_support_request(done.id, {
            "resolution": "resolved", "resolution_note": "Reinstalled the video app and ran a test call."},
            users["tess"], "tech_support")
    missed_makeup = db.session.get(RecoveryCase, repeat_of.id).makeup_appointment
    stamp_detected_miss(missed_makeup, makeup_at + timedelta(minutes=20))  # what the sweep did then
    repeat = open_event(missed_makeup, makeup_at + timedelta(minutes=25))
    classify(repeat, makeup_at + timedelta(minutes=50), "person_refusal", factors=("emotional_overload",))
    release(repeat, makeup_at + timedelta(minutes=70), "outreach")
    # A technology barrier still unresolved when the person's next virtual session came (flagged on Today).
    old = appointment(33, 14)
    unresolved = open_event(old, ago(13.6))
    classify(unresolved, ago(13), "access_barrier", factors=("technology",), contribution="none")
    session(33, on_the_hour(ago(2)), "virtual", "NEXT", joined_at=3, left_at=58)
    # Notice in advance: case 34 told us this morning (its make-up booked), case 35 just now (make-up to offer).
    for n, hours, makeup in ((34, 3, ahead(9)), (35, 4, None)):
        upcoming = appointment(n, -hours)
        told = ago(0.5)
        with acting_at(told + timedelta(minutes=1)):
            back_in_care.record_absence_notice(upcoming.appointment_ref, {
                "notified_at": told.isoformat(), "reason": "Hospital appointment" if makeup else "Childcare fell through",
                "channel": "phone_call", **({"makeup_at": on_the_hour(makeup).isoformat()} if makeup else {})},
                users["cora"])
