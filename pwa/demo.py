"""`flask demo`: a realistic organisation built through the same operations users call, so every
record, deadline, escalation and archive entry is one the app itself would write."""
import random
from datetime import datetime, timedelta

from .accounts.models import User
from .accounts.demo_mfa import enrol_demo_users
from .accounts.operations import create_user
from .cases.operations import record_attendance_signal, upsert_appointment, upsert_case
from .clock import acting_at, utcnow
from .demo_back_in_care import EXPECTATIONS, back_in_care_states
from .demo_clock import DemoClock
from .demo_history import WEEKS, load_history
from .errors import WorkflowRefused
from .extensions import db
from .intake import operations as intake
from .recovery import operations as recovery_ops
from .recovery.models import RecoveryCase
from .recovery.queries import recovery_case_for
from .review import operations as review_ops
from .review.figures import computed_values, review_figures
from .review.restrictions import latest_review, request_restriction
from .timekeeping import calendar, local_today, local_zone

DEMO_PASSWORD = "continuity-demo"

USERS = [
    ("cora", "Cora Diaz", ["coordinator"], "North"),
    ("cole", "Cole Ahmed", ["coordinator"], "South"),
    ("sam", "Sam Okafor", ["attendance_supervisor"], "North"),
    ("olu", "Olu Bakare", ["outreach_worker"], "North"),
    ("otto", "Otto Lind", ["outreach_worker"], "South"),
    ("oona", "Oona Marsh", ["outreach_worker"], "North"),
    ("omar", "Omar Reid", ["outreach_worker"], "South"),
    ("sade", "Sade Quinn", ["service_supervisor"], "North"),
    ("gina", "Gina Park", ["governance_lead"], None),
    ("pat", "Pat Moreno", ["panel_chair"], None),
    ("mona", "Mona Reyes", ["manager"], None),
    ("dmitri", "Dmitri Hale", ["duty_manager"], None),
    ("quinn", "Quinn Foster", ["quality_lead"], None),
    ("evan", "Evan Brooks", ["executive"], None),
    ("dora", "Dora Vance", ["director"], None),
    ("chloe", "Chloe Ward", ["chief_operating"], None),
    ("tess", "Tess Alvarez", ["tech_support"], None),
    ("ada", "Ada Lovell", ["admin"], None),
    ("audrey", "Audrey Stone", ["auditor"], None),
]
FIRST = ["Alex", "Jordan", "Riley", "Morgan", "Casey", "Jamie", "Taylor", "Avery", "Quinn", "Rowan", "Sasha",
         "Drew", "Emerson", "Harper", "Kai", "Logan", "Marley", "Noel", "Parker", "Reese", "Skyler", "Tatum",
         "Blake", "Cameron", "Dakota", "Elliot", "Finley", "Hayden", "Jessie", "Kendall", "Lane", "Milan"]
LAST = ["Rivera", "Chen", "Okoro", "Novak", "Haddad", "Silva", "Kowalski", "Nguyen", "Mensah", "Ibrahim",
        "Larsen", "Costa", "Patel", "Brennan", "Sato", "Walsh"]
SERVICES = [("IOP group therapy", "virtual"), ("Medication review", "in_person"), ("Counselling", "in_person"),
            ("Peer support check-in", "phone"), ("Community visit", "home_visit"), ("Skills group", "virtual")]
RISKS = [[], [], [], ["medication"], ["crisis"], ["intensive_support"], ["safeguarding"], ["medication", "crisis"]]


def _routes(rng: random.Random, n: int) -> list[dict]:
    phone = f"+1 555 01{n:02d} {rng.randint(1000, 9999)}"
    routes = [{"channel": "phone_call", "value": phone, "approved": True, "preferred": True},
              {"channel": "sms", "value": phone, "approved": rng.random() < 0.8, "preferred": False}]
    if rng.random() < 0.5:
        routes.append({"channel": "email", "value": f"person{n}@example.org", "approved": True, "preferred": False})
    if rng.random() < 0.4:
        routes.append({"channel": "home_visit", "value": f"{rng.randint(10, 999)} Elm Street, Apt {n}",
                       "approved": True, "preferred": False})
    if rng.random() < 0.3:
        routes.append({"channel": "emergency_contact", "value": f"Sibling, +1 555 02{n:02d} 0000",
                       "approved": False, "preferred": False})
    return routes


def load_demo(seed: int = 7) -> str:
    rng = random.Random(seed)
    users = {}
    for username, name, roles, team in USERS:
        users[username] = db.session.scalar(db.select(User).filter_by(username=username)) or create_user(
            username, DEMO_PASSWORD, roles, display_name=name, team=team)
    integration = users["ada"]
    clock = DemoClock.at(calendar(), utcnow())
    ago = clock.ago
    # Eight weeks of finished work first (the archive stays in time order), for the outcomes' trends.
    history = load_history(users, integration, _routes, FIRST, LAST, today=clock.day)
    cases = []
    for n in range(40):
        team = "North" if n % 2 == 0 else "South"
        case, _ = upsert_case({
            "case_ref": f"C-{1001 + n}", "display_name": f"{FIRST[n % len(FIRST)]} {LAST[n % len(LAST)]}",
            "team": team, "risk_flags": RISKS[n % len(RISKS)], "contact_routes": _routes(rng, n),
            "assigned_outreach_worker": "olu" if team == "North" else "otto",
        })
        cases.append(case)

    def appointment(n: int, hours_ago: float, **signal):
        """Today's appointment n, `hours_ago` business hours before the live "now" (negative: still to come)."""
        service, modality = SERVICES[n % len(SERVICES)]
        scheduled = ago(hours_ago) if hours_ago >= 0 else clock.ahead(-hours_ago)
        appt, _ = upsert_appointment({
            "appointment_ref": f"A-{clock.day:%m%d}-{n:03d}", "case_ref": cases[n].case_ref,
            "scheduled_at": scheduled.isoformat(), "service": service,
            "modality": modality, "duration_minutes": 60 if modality != "phone" else 30}, integration)
        if signal:  # minutes after the start
            record_attendance_signal(appt.appointment_ref, {
                k: (scheduled + timedelta(minutes=v)).isoformat() for k, v in signal.items()})
        return appt

    def open_event(appt, at, disruption="no", contactability="reachable"):
        with acting_at(at):
            return intake.open_missed_contact({
                "case_ref": appt.case.case_ref, "appointment_ref": appt.appointment_ref,
                "scheduled_at": appt.scheduled_at.isoformat(),
                "event_type": appt.detected_event_type or "missed_appointment",
                "service_disruption_known": disruption, "contactability_status": contactability,
                "next_checkpoint_date": (local_today(at) + timedelta(days=2)).isoformat(),
                "note": "Opened from the detected-miss list."}, users["cora"])

    def classify(event, at, classification, outcome="confirm", dependencies=0, factors=(), contribution="none"):
        with acting_at(at):
            return intake.classify_missed_contact(event.id, {
                "final_classification": classification, "outcome": outcome,
                "access_barrier_likelihood": "high" if classification == "access_barrier" else "low",
                "service_failure_contribution": contribution, "contributing_factors": list(factors),
                "unresolved_dependency_count": dependencies,
                "evidence_summary": "Checked the session log, the reminder record and the worker's call notes."},
                users["sam"])

    def release(event, at, route):
        code = {"person_refusal": "NS-REFUSAL", "access_barrier": "NS-ACCESS",
                "service_side_failure": "NS-SERVICE"}[event.latest_classification.final_classification]
        with acting_at(at):
            return intake.release_code(event.id, {
                "permanent_code": code, "follow_up_required": "no" if route == "none" else "yes",
                "follow_up_route": route, "review_date": (local_today(at) + timedelta(days=7)).isoformat()},
                users["cora"])

    # Attended and upcoming appointments: no miss.
    for n in range(20, 28):
        appointment(n, -2 - n % 5)
    for n in range(28, 32):
        appointment(n, 3, arrived_at=4, joined_at=2)
    # Detected misses that still need an event record (one past its 30 minutes).
    appointment(0, 0.35)
    appointment(1, 0.5)
    appointment(2, 1.5)
    appointment(5, 0.6, joined_at=0, left_at=16)  # left long before the end
    # Queued for classification, one past its deadline. Each step is business time after the one
    # before it (ago() counts back from the live "now"), so the order holds on any date.
    open_event(appointment(3, 1.0), ago(0.5))
    open_event(appointment(4, 6.0), ago(5.5), disruption="yes")
    open_event(appointment(6, 28), ago(27))
    # Returned for evidence.
    returned = open_event(appointment(7, 5.0), ago(4 + 40 / 60), contactability="route_unknown")
    classify(returned, ago(4), "undetermined", outcome="return_for_evidence")
    # Confirmed, awaiting release; one held by E2 until a manager acknowledges.
    ready = open_event(appointment(8, 4.0), ago(3.75))
    classify(ready, ago(3), "access_barrier", factors=("transport",), contribution="contributing")
    held = open_event(appointment(9, 4.5), ago(4 + 10 / 60))
    classify(held, ago(3 + 20 / 60), "person_refusal", dependencies=2, factors=("caregiving",))
    # Released: outreach (recovery instructed), clinical, and one with no follow-up (E3).
    recovery_ids = {}
    for n, route, classification, hours_ago in (
            (10, "outreach", "access_barrier", 7.0), (11, "outreach", "person_refusal", 7.0),
            (12, "clinical", "service_side_failure", 7.0), (13, "none", "person_refusal", 7.0),
            (14, "outreach", "service_side_failure", 7.0), (15, "outreach", "access_barrier", 7.0),
            (16, "outreach", "access_barrier", 7.0), (17, "outreach", "access_barrier", 1.5),
            (18, "outreach", "access_barrier", 7.0), (19, "outreach", "person_refusal", 1.5)):
        event = open_event(appointment(n, hours_ago), ago(hours_ago - 20 / 60))
        contribution = "primary" if classification == "service_side_failure" else "none"
        factors = ("scheduling",) if classification == "service_side_failure" else ()
        classify(event, ago(hours_ago - 1), classification, factors=factors, contribution=contribution)
        release(event, ago(hours_ago - 80 / 60), route)
        if route == "outreach":
            recovery_ids[n] = recovery_case_for(event.release).id
    _recovery_states(recovery_ids, users, clock)
    back_in_care_states(cases, recovery_ids, users, integration, clock, appointment, open_event, classify, release)
    # A permanent code pushed by the old schedule feed before any release: refused, E1 raised.
    try:
        intake.apply_attendance_code({"appointment_ref": f"A-{clock.day:%m%d}-002", "code": "NS-REFUSAL"},
                                     integration, source="the schedule feed")
    except WorkflowRefused:
        pass
    _threshold_reviews(users, integration, clock, rng)
    enrol_demo_users(users.values())  # last, so the archive stays in time order
    db.session.flush()
    return (f"demo organisation loaded: {len(USERS)} users, {len(cases)} cases, 32 appointments on "
            f"{clock.day:%A %d %B} (the last business day up to now), "
            f"{history} missed appointments in the past {WEEKS} weeks")


def _on_the_hour(at):
    return at.astimezone(local_zone()).replace(minute=0)


def _recovery_states(ids: dict[int, int], users: dict, clock: DemoClock) -> None:
    """Recovery cases in every state of workflow 2 (case 10, 17 and 19 stay instructed), worked from
    5.5 business hours before the live "now" (after their release at 7 - 80/60) onwards."""

    def after(minutes: float):
        return clock.ago(5.5 - minutes / 60)

    def opened(n, at, tier="1"):
        recovery = db.session.get(RecoveryCase, ids[n])
        worker = recovery.assigned_worker
        with acting_at(at):
            recovery_ops.open_recovery_case(recovery.id, {
                "recovery_priority_tier": tier if not recovery.high_risk else "1",
                "approved_contact_route": recovery.case.approved_routes[0].id, "immediate_welfare_concern": "no",
                "service_impact_score": 3, "next_checkpoint_date": (local_today(at) + timedelta(days=2)).isoformat()},
                worker)
        return recovery, worker

    def attempt(recovery, worker, at, outcome, rescue="alternate_slot", barrier="none", channel=None, **extra):
        slot = clock.cal.add_business_days(at, 2).astimezone(local_zone())
        detail = {"alternate_slot": f"Offered {slot:%a %d %b} at 14:00 with the same team",
                  "transport_support": "Booked a taxi voucher for the next session",
                  "welfare_check": "Asked the duty team for a same-day welfare visit",
                  "tech_support": "Set up a call with tech support to fix the video link"}.get(rescue)
        with acting_at(at + timedelta(minutes=1)):
            return recovery_ops.record_attempt(recovery.id, {
                "attempt_at": at.isoformat(), "channel": channel or recovery.case.approved_routes[0].channel,
                "outcome": outcome, "barrier_signal": barrier, "rescue_option": rescue, "rescue_detail": detail,
                **extra}, worker)[0]

    def dispose(recovery, at, restored, instruction, evidence=(), **extra):
        with acting_at(at):
            return recovery_ops.record_disposition(recovery.id, {
                "continuity_restored": restored, "continuity_evidence": [a.id for a in evidence],
                "replacement_contact_route": recovery.case.approved_routes[0].id, "unresolved_barrier_count": 1,
                "locked_instruction": instruction, "review_date": (local_today(at) + timedelta(days=7)).isoformat(),
                **extra}, users["sade"])[0]

    # Opened with attempts, awaiting disposition (high-risk: E6 at close if not restored).
    recovery, worker = opened(11, after(10))
    for minutes, outcome in ((15, "no_answer"), (45, "no_answer"), (95, "reached")):
        attempt(recovery, worker, after(minutes), outcome, barrier="technology",
                rescue="tech_support")
    # An emergency-exception attempt awaiting the supervisor.
    recovery, worker = opened(14, after(12))
    attempt(recovery, worker, after(20), "wrong_route", rescue="none_offered")
    attempt(recovery, worker, after(40), "no_answer", rescue="welfare_check",
            barrier="active_risk", channel="emergency_contact",
            emergency_exception_reason="Phone number disconnected; sibling is the only way to check safety")
    # Restored and dispositioned.
    recovery, worker = opened(15, after(8))
    reached = attempt(recovery, worker, after(30), "reached")
    dispose(recovery, after(120), "yes", "alternate_modality", evidence=[reached],
            instruction_detail="Video sessions for the next two weeks")
    # Not restored, rebooked; an attempt then arrives late.
    recovery, worker = opened(16, after(25), tier="2")
    attempt(recovery, worker, after(35), "no_answer")
    dispose(recovery, after(180), "no", "rebook", rebook_at=_on_the_hour(clock.ahead(4)).isoformat())
    attempt(recovery, worker, after(210), "reached")
    # Dispositioned twice: the second supersedes the first.
    recovery, worker = opened(18, after(5), tier="2")
    reached = attempt(recovery, worker, after(15), "reached")
    dispose(recovery, after(60), "partial", "continued_outreach", evidence=[reached],
            instruction_detail=worker.username)
    dispose(recovery, after(120), "yes", "alternate_modality", evidence=[reached],
            instruction_detail="Phone sessions while the bus route is closed")


def _threshold_reviews(users: dict, integration, clock: DemoClock, rng: random.Random) -> None:
    """Workflow 3: cases at each threshold level and reviews in every state, made through the operations
    with their history (released codes over the past weeks, then 3a, 3b and 3c on later business days).
    Older misses are placed by calendar days (what the 60-day window counts), recent ones and every later
    step by business hours before the live "now", each after the one before it."""
    ago, back = clock.ago, clock.days_back
    refusal = {"final_classification": "person_refusal", "access_barrier_likelihood": "low",
               "service_failure_contribution": "none", "contributing_factors": ["emotional_overload"]}
    barrier = {"final_classification": "access_barrier", "access_barrier_likelihood": "high",
               "service_failure_contribution": "contributing", "contributing_factors": ["transport"]}
    service = {"final_classification": "service_side_failure", "access_barrier_likelihood": "low",
               "service_failure_contribution": "primary", "contributing_factors": ["scheduling"]}
    codes = {"person_refusal": "NS-REFUSAL", "access_barrier": "NS-ACCESS", "service_side_failure": "NS-SERVICE"}

    def case_with(n: int, history: list[tuple[datetime, dict]]):
        case, _ = upsert_case({"case_ref": f"C-{2001 + n}", "display_name": f"{FIRST[(n + 7) % len(FIRST)]} "
                               f"{LAST[(n + 3) % len(LAST)]}", "team": "North", "risk_flags": [],
                               "contact_routes": _routes(rng, 60 + n), "assigned_outreach_worker": "olu",
                               # Explained at intake, before the first miss; the decision letter cites it.
                               "expectations_explained_on": (local_today(back(70))).isoformat(),
                               "expectations_text": EXPECTATIONS})
        for k, (at, classification) in enumerate(history):
            appt, _ = upsert_appointment({
                "appointment_ref": f"A-T{n}-{k}", "case_ref": case.case_ref, "scheduled_at": at.isoformat(),
                "service": "IOP group therapy", "modality": "virtual", "duration_minutes": 60}, integration)
            with acting_at(at + timedelta(minutes=25)):
                event = intake.open_missed_contact({
                    "case_ref": case.case_ref, "appointment_ref": appt.appointment_ref,
                    "scheduled_at": appt.scheduled_at.isoformat(), "event_type": "virtual_no_join",
                    "service_disruption_known": "yes" if classification is service else "no",
                    "contactability_status": "reachable",
                    "next_checkpoint_date": (local_today(at) + timedelta(days=2)).isoformat()}, users["cora"])
            with acting_at(at + timedelta(minutes=70)):
                intake.classify_missed_contact(event.id, {
                    **classification, "outcome": "confirm", "unresolved_dependency_count": 0,
                    "evidence_summary": "Session log, reminder record and the person's own account checked."},
                    users["sam"])
            with acting_at(at + timedelta(minutes=90)):
                intake.release_code(event.id, {
                    "permanent_code": codes[classification["final_classification"]], "follow_up_required": "yes",
                    "follow_up_route": "clinical", "review_date": (local_today(at) + timedelta(days=7)).isoformat()},
                    users["cora"])
        return case, latest_review(case.id)

    def review(rv, at, risk="medium"):
        with acting_at(at):
            figures = computed_values(review_figures(rv))
            review_ops.complete_review(rv.id, {**figures, "continuity_risk_level": risk,
                                               "next_checkpoint_date": (local_today(at) + timedelta(days=14)).isoformat()},
                                       users["gina"])

    def determine(rv, at, decision, result, remediation, rationale):
        with acting_at(at):
            review_ops.determine(rv.id, {"panel_decision": decision, "barrier_remediation_status": remediation,
                                         "proportionality_result": result, "proportionality_rationale": rationale,
                                         "unresolved_dependency_count": 0}, users["pat"])

    def communicate(rv, at, objection=None, pathway="Thursday evening group at 18:00 with the same counsellor"):
        with acting_at(at):
            review_ops.communicate(rv.id, {
                "decision_explained": "direct_contact", "alternative_pathway_offered": pathway,
                "appeal_route_provided": "Write to the attendance governance panel within 14 days or call 555 0199",
                "objection_raised": "yes" if objection else "no", "objection_detail": objection,
                "review_date": (local_today(at) + timedelta(days=30)).isoformat()}, users["cora"])

    # Warning level, awaiting review (initiated this morning); the old policy engine's automatic warning is
    # refused with E7.
    case, _rv = case_with(0, [(back(40), refusal), (back(21), refusal), (ago(2), refusal)])
    try:
        request_restriction(case.case_ref, {"kind": "warning", "source": "automatic"}, integration)
    except WorkflowRefused:
        pass
    # Step-up review (the warning review superseded), reviewed, awaiting the panel.
    _case, rv = case_with(1, [(back(50), refusal), (back(30), service), (back(12), refusal), (ago(40), refusal),
                              (ago(10), refusal)])
    review(rv, ago(5))
    # Closure consideration, reviewed and determined, awaiting communication.
    _case, rv = case_with(2, [(back(55), refusal), (back(44), refusal), (back(33), refusal), (back(20), refusal),
                              (ago(24), refusal)])
    review(rv, ago(20), risk="high")
    determine(rv, ago(16), "closure", "affirmative", "not_applicable",
              "Five refusals in 60 days; every contact offered was declined and no barrier was found.")
    # Mostly access barriers: continued with enhanced recovery support; the person objected.
    _case, rv = case_with(3, [(back(35), barrier), (back(18), barrier), (ago(48), refusal)])
    review(rv, ago(44), risk="high")
    determine(rv, ago(36), "enhanced_recovery_support", "not_affirmative", "in_progress",
              "Two of three events were transport barriers: support the route, do not restrict.")
    communicate(rv, ago(24), objection="Says the third session clashed with a hospital appointment")
    # Warning decided, communicated, then implemented by the policy engine.
    case, rv = case_with(4, [(back(45), refusal), (back(25), refusal), (ago(64), refusal)])
    review(rv, ago(60))
    determine(rv, ago(52), "warning", "affirmative", "not_applicable",
              "Three refusals with no barrier found; a warning with a named alternative is proportionate.")
    communicate(rv, ago(44))
    with acting_at(ago(40)):
        request_restriction(case.case_ref, {"kind": "warning", "source": "automatic",
                                            "detail": "Warning letter issued by the scheduling system"},
                            integration)
