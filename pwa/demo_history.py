"""Eight weeks of finished work for the demo organisation, so the outcomes dashboard and the governance
pack have trends to show. Written through the same operations as everything else (`acting_at` sets
the clock), before today's demo records, and kept apart from them: its people (cases C-4001...) have
at most two released codes in any 60 days (no threshold review), its recovery cases belong to two
outreach workers of their own (Oona, Omar) and all end dispositioned (a continued outreach is followed
up and dispositioned again the next business day), every appointment it rebooks in the past was
attended (a rebook that would fall today or later is an alternate modality instead), and every
escalation it raises is acknowledged. Its last day is three business days before today, so even its
next-day work is done before today: no screen of today's workflow changes (no detected miss, queued
or returned event, open recovery case or open escalation comes from it).

The service improves over the weeks (events opened and classified on time more often, faster first
attempts, more people reached the same day) with the noise of real work: late steps, returns for
evidence, E1/E2/E3/E5 escalations, a few repeat misses within 30 days.
"""
from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from .cases.models import Appointment
from .cases.operations import upsert_appointment, upsert_case
from .clock import acting_at
from .errors import WorkflowRefused
from .escalations.models import Escalation
from .escalations.operations import acknowledge_escalation
from .extensions import db
from .intake import operations as intake
from .recovery import back_in_care, operations as recovery_ops
from .recovery.queries import recovery_case_for
from .timekeeping import calendar, local_today, local_zone

WEEKS = 8
PEOPLE = 40
HISTORY_WORKERS = {"North": "oona", "South": "omar"}
CLASSIFICATIONS = {
    "person_refusal": {"access_barrier_likelihood": "low", "service_failure_contribution": "none",
                       "contributing_factors": ["emotional_overload"]},
    "access_barrier": {"access_barrier_likelihood": "high", "service_failure_contribution": "contributing",
                       "contributing_factors": ["transport"]},
    "service_side_failure": {"access_barrier_likelihood": "low", "service_failure_contribution": "primary",
                             "contributing_factors": ["scheduling"]},
}
CODES = {"person_refusal": "NS-REFUSAL", "access_barrier": "NS-ACCESS", "service_side_failure": "NS-SERVICE"}
ACK_BY = {"attendance_supervisor": "sam", "manager": "mona", "quality_lead": "quinn", "duty_manager": "dmitri",
          "executive": "evan", "service_supervisor": "sade", "director": "dora", "chief_operating": "chloe"}


def _business_days(first: date, last: date) -> list[date]:
    cal = calendar()
    days, day = [], first
    while day <= last:
        if cal.is_business_day(day):
            days.append(day)
        day += timedelta(days=1)
    return days


def load_history(users: dict, integration, routes, first_names, last_names, *, today: date, seed: int = 11) -> int:
    """Writes the history up to the business day `today` (the demo's live day) and returns how many missed
    appointments it holds."""
    rng = random.Random(seed)
    zone, cal = local_zone(), calendar()
    # Up to three business days before today: work that runs into the next business day or two (late
    # classification, next-day attempts, the follow-up of a continued outreach) still ends before today.
    days = _business_days(today - timedelta(weeks=WEEKS), today - timedelta(days=1))[:-2]
    if not days:
        return 0
    people = []
    for n in range(PEOPLE):
        team = "North" if n % 2 == 0 else "South"
        case, _ = upsert_case({
            "case_ref": f"C-{4001 + n}", "display_name": f"{first_names[(n + 5) % len(first_names)]} "
            f"{last_names[(n + 9) % len(last_names)]}", "team": team,
            "risk_flags": ["medication"] if n % 5 == 0 else ["crisis"] if n % 11 == 3 else [],
            "contact_routes": routes(rng, 100 + n), "assigned_outreach_worker": HISTORY_WORKERS[team]})
        people.append(case)

    # Two misses per person: the first somewhere in the eight weeks, the second 5 to 50 days later
    # (within 30 days for about a third of them, so repeat misses show), both on business days.
    plan = []
    for n, case in enumerate(people):
        first = rng.randrange(0, max(1, len(days) - 4))
        plan.append((days[first], case, n, 0))
        gap = rng.choice([6, 9, 14, 21, 27, 35, 40, 48, 52, 55])
        later = [d for d in days if d >= days[first] + timedelta(days=gap)]
        if later and rng.random() < 0.8:
            plan.append((later[0], case, n, 1))
    plan.sort(key=lambda item: (item[0], item[2]))

    count = 0
    for day, case, n, k in plan:
        progress = (day - days[0]).days / max(1, (days[-1] - days[0]).days)  # 0 -> 1 over the weeks
        scheduled = datetime.combine(day, time(9 + rng.randrange(0, 7), rng.choice([0, 30])), zone)
        _one_miss(rng, cal, case, scheduled, progress, f"A-H{n:02d}-{k}", users, integration, today)
        count += 1
    _acknowledge_all(rng, users)
    return count


def _one_miss(rng, cal, case, scheduled: datetime, progress: float, ref: str, users, integration,
              today: date) -> None:
    appt, _ = upsert_appointment({"appointment_ref": ref, "case_ref": case.case_ref,
                                  "scheduled_at": scheduled.isoformat(), "service": "Counselling",
                                  "modality": "in_person", "duration_minutes": 60}, integration)
    detected = scheduled + timedelta(minutes=15)
    # 1a: on time more often as the weeks go by.
    late_open = rng.random() < 0.35 - 0.25 * progress
    opened = detected + timedelta(minutes=rng.randrange(32, 80) if late_open else rng.randrange(4, 28))
    with acting_at(opened):
        event = intake.open_missed_contact({
            "case_ref": case.case_ref, "appointment_ref": ref, "scheduled_at": scheduled.isoformat(),
            "event_type": "missed_appointment", "service_disruption_known": "no",
            "contactability_status": "reachable",
            "next_checkpoint_date": (local_today(opened) + timedelta(days=3)).isoformat()}, users["cora"])
    # A schedule feed pushing its own no-show code first: refused, E1.
    if rng.random() < 0.06:
        with acting_at(opened + timedelta(minutes=3)):
            try:
                intake.apply_attendance_code({"appointment_ref": ref, "code": "NS-REFUSAL"}, integration,
                                             source="the schedule feed")
            except WorkflowRefused:
                pass
    kind = rng.choices(list(CLASSIFICATIONS), weights=[45, 40, 15])[0]
    late_class = rng.random() < 0.3 - 0.22 * progress
    classify_at = cal.add_business_hours(opened, rng.uniform(2.2, 4.0) if late_class else rng.uniform(0.3, 1.8))
    if rng.random() < 0.12:  # returned for evidence, then re-queued and confirmed
        with acting_at(classify_at):
            intake.classify_missed_contact(event.id, {
                "final_classification": "undetermined", "outcome": "return_for_evidence",
                "access_barrier_likelihood": "medium", "service_failure_contribution": "none",
                "contributing_factors": [], "unresolved_dependency_count": 0,
                "evidence_summary": "No record of the reminder; asked the coordinator to check the call log."},
                users["sam"])
        added = classify_at + timedelta(minutes=rng.randrange(20, 90))
        with acting_at(added):
            intake.add_evidence(event.id, {"evidence": "Call log shows the reminder went to an old number."},
                                users["cora"])
        classify_at = cal.add_business_hours(added, rng.uniform(0.3, 1.5))
    dependencies = 1 if kind == "person_refusal" and rng.random() < 0.15 else 0
    with acting_at(classify_at):
        intake.classify_missed_contact(event.id, {
            "final_classification": kind, "outcome": "confirm", **CLASSIFICATIONS[kind],
            "unresolved_dependency_count": dependencies,
            "evidence_summary": "Checked the reminder record, the session log and the person's own account."},
            users["sam"])
    release_at = classify_at + timedelta(minutes=rng.randrange(10, 40))
    if dependencies:  # E2: a manager acknowledges before the code can be released
        _acknowledge_open(users, release_at - timedelta(minutes=5))
    route = rng.choices(["outreach", "clinical", "none"], weights=[82, 14, 4])[0]
    with acting_at(release_at):
        release = intake.release_code(event.id, {
            "permanent_code": CODES[kind], "follow_up_required": "no" if route == "none" else "yes",
            "follow_up_route": route, "review_date": (local_today(release_at) + timedelta(days=7)).isoformat()},
            users["cora"])
    if route == "outreach":
        _recovery(rng, cal, recovery_case_for(release), scheduled, release_at, progress, users, today)


def _recovery(rng, cal, recovery, scheduled, instructed, progress, users, today: date) -> None:
    worker = recovery.assigned_worker
    opened = instructed + timedelta(minutes=rng.randrange(5, 50) if rng.random() > 0.15 else rng.randrange(65, 120))
    with acting_at(opened):
        recovery_ops.open_recovery_case(recovery.id, {
            "recovery_priority_tier": "1" if recovery.high_risk else rng.choice(["2", "3"]),
            "approved_contact_route": recovery.case.approved_routes[0].id, "immediate_welfare_concern": "no",
            "service_impact_score": rng.randint(2, 4),
            "next_checkpoint_date": (local_today(opened) + timedelta(days=2)).isoformat()}, worker)
    close = cal.end_of_business_day(scheduled)
    first = opened + timedelta(minutes=rng.randrange(5, int(120 - 80 * progress)))
    reached_same_day = rng.random() < 0.5 + 0.4 * progress
    channel = recovery.case.approved_routes[0].channel
    attempts, at = [], first
    for number in range(rng.randint(1, 3)):
        last = number == 2 or (reached_same_day and rng.random() < 0.6)
        outcome = "reached" if last and reached_same_day else "no_answer"
        active_risk = outcome == "no_answer" and rng.random() < 0.03
        slot = (at + timedelta(days=2)).astimezone(local_zone())
        with acting_at(at + timedelta(minutes=1)):
            attempts.append(recovery_ops.record_attempt(recovery.id, {
                "attempt_at": at.isoformat(), "channel": channel, "outcome": outcome,
                "barrier_signal": "active_risk" if active_risk else "none",
                "rescue_option": "none_offered" if active_risk else "alternate_slot",
                "rescue_detail": None if active_risk else f"Offered {slot:%a %d %b} at 14:00 with the same team"},
                worker)[0])
        if outcome == "reached":
            break
        at = at + timedelta(minutes=rng.randrange(40, 150))
    if not reached_same_day and rng.random() < 0.7:  # reached the next business day instead
        next_day = max(cal.add_business_hours(close, rng.uniform(0.5, 3)), at + timedelta(minutes=30))
        with acting_at(next_day + timedelta(minutes=1)):
            attempts.append(recovery_ops.record_attempt(recovery.id, {
                "attempt_at": next_day.isoformat(), "channel": channel, "outcome": "reached",
                "barrier_signal": "transport", "rescue_option": "transport_support",
                "rescue_detail": "Booked a taxi voucher for the next session"}, worker)[0])
    reached = [a for a in attempts if a.outcome == "reached"]
    late = rng.random() < 0.12
    dispose_at = max(attempts[-1].attempt_at + timedelta(minutes=20),
                     close + timedelta(hours=2) if late else close - timedelta(minutes=rng.randrange(15, 90)))
    if reached:
        _dispose_restored(recovery, dispose_at, reached, users, cal, today)
        return
    with acting_at(dispose_at):
        recovery_ops.record_disposition(recovery.id, {
            "continuity_restored": "no", "continuity_evidence": [],
            "replacement_contact_route": recovery.case.approved_routes[0].id, "unresolved_barrier_count": 1,
            "locked_instruction": "continued_outreach", "instruction_detail": worker.username,
            "review_date": (local_today(dispose_at) + timedelta(days=7)).isoformat()}, users["sade"])
    # Continued outreach (the case is open again): the worker reaches the person the next business day and
    # the supervisor disposes of the case again, so nothing is left open on anyone's screen.
    follow_up = cal.add_business_hours(cal.end_of_business_day(dispose_at), rng.uniform(1, 4))
    slot = (follow_up + timedelta(days=2)).astimezone(local_zone())
    with acting_at(follow_up + timedelta(minutes=1)):
        attempt = recovery_ops.record_attempt(recovery.id, {
            "attempt_at": follow_up.isoformat(), "channel": channel, "outcome": "reached",
            "barrier_signal": "none", "rescue_option": "alternate_slot",
            "rescue_detail": f"Offered {slot:%a %d %b} at 14:00 with the same team"}, worker)[0]
    _dispose_restored(recovery, follow_up + timedelta(minutes=rng.randrange(30, 120)), [attempt], users, cal,
                      today)


def _dispose_restored(recovery, at: datetime, reached: list, users, cal, today: date) -> None:
    """Continuity restored: rebooked three business days on, attended (a rebook would otherwise be a
    detected miss with no event on the coordinator's Today); an alternate modality when that day is not
    past before the live day `today`."""
    rebook_at = cal.add_business_days(at, 3).astimezone(local_zone()).replace(minute=0, second=0, microsecond=0)
    rebook = rebook_at + timedelta(hours=2) < datetime.combine(today, time(0), local_zone())
    with acting_at(at):
        disposition = recovery_ops.record_disposition(recovery.id, {
            "continuity_restored": "yes", "continuity_evidence": [a.id for a in reached],
            "replacement_contact_route": recovery.case.approved_routes[0].id, "unresolved_barrier_count": 0,
            **({"locked_instruction": "rebook", "rebook_at": rebook_at.isoformat()} if rebook else
               {"locked_instruction": "alternate_modality",
                "instruction_detail": "Phone sessions for the next two weeks"}),
            "review_date": (local_today(at) + timedelta(days=7)).isoformat()}, users["sade"])[0]
    if rebook:
        appointment = db.session.get(Appointment, disposition.rebooked_appointment_id)
        with acting_at(rebook_at + timedelta(minutes=5)):
            # Attending the make-up closes the recovery case as re-engaged (section 4).
            back_in_care.record_attendance_signal(appointment.appointment_ref,
                                                  {"arrived_at": (rebook_at - timedelta(minutes=5)).isoformat()},
                                                  users["ada"])


def _acknowledge_open(users, at: datetime) -> None:
    for escalation in db.session.scalars(db.select(Escalation).where(Escalation.acknowledged_at.is_(None),
                                                                     Escalation.raised_at <= at)):
        _acknowledge(escalation, users, at)


def _acknowledge(escalation, users, at: datetime) -> None:
    user = users.get(ACK_BY.get(escalation.level, ""))
    if user is None:
        return
    with acting_at(max(at, escalation.raised_at + timedelta(minutes=2))):
        acknowledge_escalation(escalation.id, user=user, note="Checked the record and spoke to the team.")


def _acknowledge_all(rng, users) -> None:
    """Every escalation the history raised is acknowledged, sooner as the weeks go by."""
    for escalation in db.session.scalars(db.select(Escalation).where(Escalation.acknowledged_at.is_(None))).all():
        _acknowledge(escalation, users, escalation.raised_at + timedelta(minutes=rng.randrange(8, 240)))
