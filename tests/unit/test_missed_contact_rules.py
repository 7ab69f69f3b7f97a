"""Pure tests of the workflow-1 guards (rules), miss detection (attendance) and deadlines.

Each rule is a table: state × action → expected outcome. No Flask, no database.
"""
from datetime import date, timedelta

import pytest

from pwa.governance import deadlines, missed_contact as rules
from pwa.governance.attendance import DetectedMiss, detect_miss
from pwa.governance.calendar import BusinessCalendar
from pwa.governance.vocab import CONTRIBUTING_FACTORS, EVENT_STATUSES, PERMANENT_CODES, SERVICE_SIDE_FACTORS
from tests.support.clock import NY, ny, utc

CAL = BusinessCalendar()  # New York, Mon–Fri 09:00–17:00, US public holidays


NOW = ny(2026, 11, 17, 10, 0)  # Tuesday
TODAY = NOW.date()


# --- 1a: event fields ------------------------------------------------------------------------

def event_errors(scheduled_at, live, checkpoint=TODAY, now=NOW):
    return rules.event_field_errors(scheduled_at=scheduled_at, live_scheduled_at=live,
                                    next_checkpoint_date=checkpoint, today=now.date(), now=now, tz=NY)


EVENT_FIELD_TABLE = [
    # scheduled_at entered, live schedule, next checkpoint, expected error fields
    pytest.param(ny(2026, 11, 17, 9, 30), ny(2026, 11, 17, 9, 30), TODAY, set(), id="matches-past-checkpoint-today"),
    pytest.param(utc(2026, 11, 17, 14, 30), ny(2026, 11, 17, 9, 30), TODAY, set(), id="same-instant-other-offset"),
    pytest.param(ny(2026, 11, 17, 9, 30), ny(2026, 11, 17, 9, 30), TODAY + timedelta(days=30), set(),
                 id="checkpoint-in-a-month"),
    pytest.param(ny(2026, 11, 17, 9, 0), ny(2026, 11, 17, 9, 30), TODAY, {"scheduled_at"}, id="mismatch"),
    pytest.param(ny(2026, 11, 17, 9, 30), ny(2026, 11, 17, 9, 30), TODAY - timedelta(days=1),
                 {"next_checkpoint_date"}, id="checkpoint-yesterday"),
    pytest.param(ny(2026, 11, 17, 11, 0), ny(2026, 11, 17, 11, 0), TODAY, {"scheduled_at"}, id="appointment-in-future"),
    pytest.param(ny(2026, 11, 17, 9, 0), ny(2026, 11, 17, 9, 30), TODAY - timedelta(days=1),
                 {"scheduled_at", "next_checkpoint_date"}, id="mismatch-and-past-checkpoint"),
]


@pytest.mark.parametrize(("entered", "live", "checkpoint", "fields"), EVENT_FIELD_TABLE)
def test_event_field_rules(entered, live, checkpoint, fields):
    assert set(event_errors(entered, live, checkpoint)) == fields


def test_a_scheduled_at_mismatch_names_both_times_in_local_time():
    errors = event_errors(ny(2026, 11, 17, 9, 0), ny(2026, 11, 17, 9, 30))
    [message] = errors["scheduled_at"]
    assert "2026-11-17 09:00 EST" in message  # what was entered
    assert "2026-11-17 09:30 EST" in message  # what the live schedule says
    assert message.index("09:00") < message.index("09:30")


def test_the_schedule_is_matched_to_the_minute_a_person_can_enter():
    assert event_errors(ny(2026, 11, 17, 9, 30), ny(2026, 11, 17, 9, 30, 15)) == {}
    [message] = event_errors(ny(2026, 11, 17, 9, 31), ny(2026, 11, 17, 9, 30, 15))["scheduled_at"]
    assert "09:31" in message and "09:30" in message


def test_a_mismatch_is_reported_as_a_mismatch_even_when_the_entered_time_is_in_the_future():
    errors = event_errors(ny(2026, 11, 17, 15, 0), ny(2026, 11, 17, 9, 30))
    [message] = errors["scheduled_at"]
    assert "live schedule" in message and "15:00" in message


def test_an_appointment_starting_exactly_now_is_not_in_the_future():
    assert event_errors(NOW, NOW) == {}


def test_the_future_appointment_message_says_it_has_not_happened():
    [message] = event_errors(ny(2026, 11, 17, 10, 1), ny(2026, 11, 17, 10, 1))["scheduled_at"]
    assert "not happened" in message


OPEN_REFUSAL_TABLE = [
    # has_event, cancelled, case_matches, expected reason fragments
    (False, False, True, []),
    (True, False, True, ["already exists"]),
    (False, True, True, ["cancelled"]),
    (False, False, False, ["different case"]),
    (True, True, False, ["different case", "cancelled", "already exists"]),
]


@pytest.mark.parametrize(("has_event", "cancelled", "case_matches", "fragments"), OPEN_REFUSAL_TABLE)
def test_an_event_is_refused_for_another_cases_a_cancelled_or_an_already_recorded_appointment(has_event, cancelled, case_matches, fragments):
    reasons = rules.event_open_refusals(has_event=has_event, cancelled=cancelled, case_matches=case_matches)
    assert len(reasons) == len(fragments)
    for reason, fragment in zip(reasons, fragments):
        assert fragment in reason


# --- 1b: classification fields -----------------------------------------------------------------

def classification_errors(final="access_barrier", outcome="confirm", contribution="contributing", factors=(),
                          disruption="no"):
    return rules.classification_field_errors(
        final_classification=final, outcome=outcome, service_failure_contribution=contribution,
        contributing_factors=list(factors), service_disruption_known=disruption)


CLASSIFICATIONS = ("person_refusal", "access_barrier", "service_side_failure", "undetermined")


@pytest.mark.parametrize("final", CLASSIFICATIONS)
@pytest.mark.parametrize("outcome", ("confirm", "return_for_evidence"))
def test_undetermined_can_only_be_returned_for_evidence(final, outcome):
    errors = classification_errors(final=final, outcome=outcome)
    refused = final == "undetermined" and outcome == "confirm"
    assert ("outcome" in errors) is refused
    assert set(errors) <= {"outcome"}


CONTRIBUTION_TABLE = (
    # disruption known × factors × contribution → service_failure_contribution refused?
    [pytest.param("yes", [], "none", True, id="disruption-yes-none")]
    + [pytest.param("yes", [], c, False, id=f"disruption-yes-{c}") for c in ("contributing", "primary")]
    + [pytest.param("no", [], "none", False, id="no-disruption-no-factor-none")]
    + [pytest.param("no", [f], "none", True, id=f"{f}-none") for f in SERVICE_SIDE_FACTORS]
    + [pytest.param("no", [f], "contributing", False, id=f"{f}-contributing") for f in SERVICE_SIDE_FACTORS]
    + [pytest.param("no", [f], "none", False, id=f"{f}-none-allowed")
       for f in CONTRIBUTING_FACTORS if f not in SERVICE_SIDE_FACTORS]
    + [pytest.param("no", ["health", "site_entry"], "none", True, id="mixed-factors-none")]
    + [pytest.param("no", ["health", "housing", "safety"], "none", False, id="person-side-factors-none")]
)


@pytest.mark.parametrize(("disruption", "factors", "contribution", "refused"), CONTRIBUTION_TABLE)
def test_service_failure_contribution_cannot_be_none_where_the_service_may_have_contributed(
        disruption, factors, contribution, refused):
    errors = classification_errors(final="person_refusal", contribution=contribution, factors=factors,
                                   disruption=disruption)
    assert ("service_failure_contribution" in errors) is refused
    assert set(errors) <= {"service_failure_contribution"}


def test_the_contribution_message_names_the_service_side_factors_given():
    errors = classification_errors(contribution="none", factors=["site_entry", "transport", "health"])
    [message] = errors["service_failure_contribution"]
    assert "site-entry" in message and "transport" in message and "health" not in message


def test_disruption_and_a_factor_each_give_their_own_message():
    errors = classification_errors(contribution="none", factors=["scheduling"], disruption="yes")
    assert len(errors["service_failure_contribution"]) == 2


def test_undetermined_confirm_with_contribution_none_and_a_factor_reports_both_fields():
    errors = classification_errors(final="undetermined", outcome="confirm", contribution="none",
                                   factors=["communication"])
    assert set(errors) == {"outcome", "service_failure_contribution"}


@pytest.mark.parametrize("status", EVENT_STATUSES)
@pytest.mark.parametrize("opener_is_actor", (False, True))
def test_only_a_queued_event_is_classified_and_not_by_its_opener(status, opener_is_actor):
    reasons = rules.classification_refusals(status=status, actor_opened_event=opener_is_actor)
    expected = int(status != "queued") + int(opener_is_actor)
    assert len(reasons) == expected
    if status != "queued":
        assert status in reasons[0]
    if opener_is_actor:
        assert "opened the event" in reasons[-1]


@pytest.mark.parametrize(("status", "refused"), [(s, s != "returned") for s in EVENT_STATUSES])
def test_evidence_is_only_added_to_a_returned_event(status, refused):
    reasons = rules.evidence_refusals(status=status)
    assert bool(reasons) is refused
    if refused:
        assert status in reasons[0]


# --- 1c: release -------------------------------------------------------------------------------

RELEASE_REFUSAL_TABLE = [
    # status, open E2, expected fragments
    ("queued", False, ["confirmed classification"]),
    ("returned", False, ["confirmed classification"]),
    ("confirmed", False, []),
    ("released", False, ["already been released"]),
    ("queued", True, ["confirmed classification", "manager must acknowledge"]),
    ("returned", True, ["confirmed classification", "manager must acknowledge"]),
    ("confirmed", True, ["manager must acknowledge"]),
    ("released", True, ["already been released", "manager must acknowledge"]),
]


@pytest.mark.parametrize(("status", "open_e2", "fragments"), RELEASE_REFUSAL_TABLE)
def test_a_code_is_released_once_after_confirmation_and_not_while_e2_holds_it(status, open_e2, fragments):
    reasons = rules.release_refusals(status=status, open_e2=open_e2)
    assert len(reasons) == len(fragments)
    for reason, fragment in zip(reasons, fragments):
        assert fragment in reason


def release_errors(final="access_barrier", code="NS-ACCESS", required="yes", route="outreach", review=TODAY):
    return rules.release_field_errors(final_classification=final, permanent_code=code, follow_up_required=required,
                                      follow_up_route=route, review_date=review, today=TODAY)


CODE_TABLE = [(final, code, code == PERMANENT_CODES[final])
              for final in PERMANENT_CODES for code in PERMANENT_CODES.values()]


@pytest.mark.parametrize(("final", "code", "accepted"), CODE_TABLE)
def test_the_permanent_code_must_match_the_classification(final, code, accepted):
    errors = release_errors(final=final, code=code)
    assert ("permanent_code" in errors) is not accepted
    if not accepted:
        assert PERMANENT_CODES[final] in errors["permanent_code"][0]


ROUTE_TABLE = [
    ("yes", "outreach", False),
    ("yes", "clinical", False),
    ("yes", "none", True),
    ("no", "none", False),
    ("no", "outreach", True),
    ("no", "clinical", True),
]


@pytest.mark.parametrize(("required", "route", "refused"), ROUTE_TABLE)
def test_the_follow_up_route_must_agree_with_the_follow_up_flag(required, route, refused):
    errors = release_errors(required=required, route=route)
    assert ("follow_up_route" in errors) is refused
    assert set(errors) <= {"follow_up_route"}


@pytest.mark.parametrize(("review", "refused"), [
    (TODAY - timedelta(days=1), True), (TODAY, False), (TODAY + timedelta(days=14), False)])
def test_the_review_date_cannot_be_in_the_past(review, refused):
    assert ("review_date" in release_errors(review=review)) is refused


def test_every_release_error_is_reported_at_once():
    errors = release_errors(final="person_refusal", code="NS-ACCESS", required="yes", route="none",
                            review=TODAY - timedelta(days=2))
    assert set(errors) == {"permanent_code", "follow_up_route", "review_date"}


ATTENDANCE_CODE_TABLE = [
    # released code, code sent, refused, fragment
    (None, "NS-REFUSAL", True, "before the missed-contact event"),
    (None, "NS-ACCESS", True, "before the missed-contact event"),
    (None, "DNA", True, "before the missed-contact event"),
    ("NS-ACCESS", "NS-REFUSAL", True, "released code for this appointment is NS-ACCESS"),
    ("NS-SERVICE", "DNA", True, "released code for this appointment is NS-SERVICE"),
    ("NS-ACCESS", "NS-ACCESS", False, None),
    ("NS-REFUSAL", "NS-REFUSAL", False, None),
]


@pytest.mark.parametrize(("released", "code", "refused", "fragment"), ATTENDANCE_CODE_TABLE)
def test_a_code_is_accepted_only_when_it_is_the_released_one(released, code, refused, fragment):
    reasons = rules.attendance_code_refusals(released_code=released, code=code)
    assert bool(reasons) is refused
    if refused:
        assert fragment in reasons[0]


# --- detecting a miss -------------------------------------------------------------------------

START = ny(2026, 11, 17, 10, 0)
GRACE = timedelta(minutes=15)


def miss(modality, now_minutes, **signals):
    at = {k: START + timedelta(minutes=v) for k, v in signals.items()}
    return detect_miss(modality=modality, scheduled_at=START, duration_minutes=60,
                       now=START + timedelta(minutes=now_minutes), grace=GRACE, attendance_share=0.75, **at)


DETECT_TABLE = [
    # modality, minutes after start, signals (minutes after start), expected (type, detected minutes) or None
    pytest.param("virtual", 14, {}, None, id="virtual-no-join-before-grace"),
    pytest.param("virtual", 15, {}, ("virtual_no_join", 15), id="virtual-no-join-at-grace"),
    pytest.param("virtual", 90, {}, ("virtual_no_join", 15), id="virtual-no-join-long-after"),
    pytest.param("virtual", 20, {"joined_at": 2}, None, id="virtual-joined-still-in"),
    pytest.param("virtual", 90, {"joined_at": 0, "left_at": 60}, None, id="virtual-stayed-whole-session"),
    pytest.param("virtual", 90, {"joined_at": 0, "left_at": 44}, ("left_early", 44), id="virtual-left-below-share"),
    pytest.param("virtual", 90, {"joined_at": 0, "left_at": 45}, None, id="virtual-left-exactly-at-share"),
    pytest.param("virtual", 90, {"joined_at": 0, "left_at": 50}, None, id="virtual-left-above-share"),
    pytest.param("virtual", 90, {"joined_at": -10, "left_at": 40}, ("left_early", 40),
                 id="virtual-early-join-does-not-count"),
    pytest.param("virtual", 90, {"joined_at": 10, "left_at": 50}, ("left_early", 50), id="virtual-late-join-short"),
    pytest.param("virtual", 90, {"joined_at": 0, "left_at": 5}, ("left_early", 15), id="virtual-left-before-grace"),
    pytest.param("in_person", 14, {}, None, id="in-person-before-grace"),
    pytest.param("in_person", 15, {}, ("missed_appointment", 15), id="in-person-not-arrived"),
    pytest.param("in_person", 30, {"arrived_at": 5}, None, id="in-person-arrived"),
    pytest.param("in_person", 30, {"arrived_at": 20}, None, id="in-person-arrived-late"),
    pytest.param("home_visit", 40, {}, ("missed_appointment", 15), id="home-visit-no-answer"),
    pytest.param("phone", 14, {}, None, id="phone-before-grace"),
    pytest.param("phone", 16, {}, ("missed_appointment", 15), id="phone-not-answered"),
    pytest.param("phone", 16, {"joined_at": 1}, None, id="phone-connected"),
]


@pytest.mark.parametrize(("modality", "now_minutes", "signals", "expected"), DETECT_TABLE)
def test_detect_miss(modality, now_minutes, signals, expected):
    result = miss(modality, now_minutes, **signals)
    if expected is None:
        assert result is None
    else:
        event_type, minutes = expected
        assert result == DetectedMiss(event_type, START + timedelta(minutes=minutes))


def test_a_shorter_grace_detects_earlier():
    result = detect_miss(modality="in_person", scheduled_at=START, duration_minutes=60,
                         now=START + timedelta(minutes=5), grace=timedelta(minutes=5), attendance_share=0.75)
    assert result == DetectedMiss("missed_appointment", START + timedelta(minutes=5))


# --- deadlines ---------------------------------------------------------------------------------

def test_event_open_due_is_thirty_wall_clock_minutes_after_detection_even_out_of_hours():
    for detected in (ny(2026, 11, 17, 10, 15), ny(2026, 11, 20, 16, 50), ny(2026, 11, 21, 3, 0)):
        assert deadlines.event_open_due(detected, 30) == detected + timedelta(minutes=30)


CLASSIFICATION_DUE_TABLE = [
    pytest.param(ny(2026, 11, 17, 10, 0), ny(2026, 11, 17, 12, 0), id="inside-one-day"),
    pytest.param(ny(2026, 11, 17, 15, 0), ny(2026, 11, 17, 17, 0), id="lands-on-closing"),
    pytest.param(ny(2026, 11, 17, 16, 0), ny(2026, 11, 18, 10, 0), id="over-the-end-of-a-business-day"),
    pytest.param(ny(2026, 11, 17, 7, 30), ny(2026, 11, 17, 11, 0), id="queued-before-opening"),
    pytest.param(ny(2026, 11, 17, 19, 0), ny(2026, 11, 18, 11, 0), id="queued-after-closing"),
    pytest.param(ny(2026, 11, 20, 16, 30), ny(2026, 11, 23, 10, 30), id="friday-afternoon-to-monday"),
    pytest.param(ny(2026, 11, 21, 11, 0), ny(2026, 11, 23, 11, 0), id="queued-on-saturday"),
    pytest.param(ny(2026, 11, 25, 16, 0), ny(2026, 11, 27, 10, 0), id="over-thanksgiving-2026"),
    pytest.param(ny(2026, 11, 26, 12, 0), ny(2026, 11, 27, 11, 0), id="queued-on-thanksgiving"),
    pytest.param(ny(2026, 12, 24, 16, 0), ny(2026, 12, 28, 10, 0), id="over-christmas-2026"),
    pytest.param(ny(2026, 7, 2, 16, 0), ny(2026, 7, 6, 10, 0), id="over-july-4th-observed-friday"),
    # DST: spring forward on Sunday 8 March 2026, fall back on Sunday 1 November 2026.
    pytest.param(ny(2026, 3, 6, 16, 0), utc(2026, 3, 9, 14, 0), id="over-spring-forward-weekend"),
    pytest.param(ny(2026, 10, 30, 16, 0), utc(2026, 11, 2, 15, 0), id="over-fall-back-weekend"),
]


@pytest.mark.parametrize(("queued", "expected"), CLASSIFICATION_DUE_TABLE)
def test_classification_due_is_two_business_hours_after_queueing(queued, expected):
    due = deadlines.classification_due(queued, CAL, 2)
    assert due == expected
    assert due.utcoffset() == timedelta(0)  # stored times are UTC


def test_the_spring_forward_deadline_is_ten_in_the_morning_daylight_time():
    due = deadlines.classification_due(ny(2026, 3, 6, 16, 0), CAL, 2)
    assert due.astimezone(NY).hour == 10 and due.astimezone(NY).utcoffset() == timedelta(hours=-4)


def test_a_local_closure_day_is_skipped():
    closed = BusinessCalendar(closure_days=[date(2026, 11, 18)])
    assert deadlines.classification_due(ny(2026, 11, 17, 16, 0), closed, 2) == ny(2026, 11, 19, 10, 0)


RECOVERY_DUE_TABLE = [
    # instructed, high risk, expected
    pytest.param(ny(2026, 11, 17, 10, 0), True, ny(2026, 11, 17, 10, 15), id="high-risk-15-minutes"),
    pytest.param(ny(2026, 11, 17, 10, 0), False, ny(2026, 11, 17, 11, 0), id="one-business-hour"),
    pytest.param(ny(2026, 11, 17, 16, 55), True, ny(2026, 11, 17, 17, 10), id="high-risk-ignores-closing"),
    pytest.param(ny(2026, 11, 17, 16, 30), False, ny(2026, 11, 18, 9, 30), id="business-hour-over-closing"),
    pytest.param(ny(2026, 11, 21, 11, 0), True, ny(2026, 11, 21, 11, 15), id="high-risk-on-saturday"),
    pytest.param(ny(2026, 11, 21, 11, 0), False, ny(2026, 11, 23, 10, 0), id="saturday-to-monday"),
    pytest.param(ny(2026, 11, 26, 10, 0), False, ny(2026, 11, 27, 10, 0), id="thanksgiving-to-friday"),
]


@pytest.mark.parametrize(("instructed", "high_risk", "expected"), RECOVERY_DUE_TABLE)
def test_a_recovery_case_is_due_open_in_one_business_hour_or_15_minutes_when_high_risk(instructed, high_risk, expected):
    assert deadlines.recovery_open_due(instructed, high_risk, CAL, 1, 15) == expected


CONTROL_TABLE = [
    (ny(2026, 11, 17, 11, 0), ny(2026, 11, 17, 12, 0), "met"),
    (ny(2026, 11, 17, 12, 0), ny(2026, 11, 17, 12, 0), "met"),
    (ny(2026, 11, 17, 12, 0) + timedelta(microseconds=1), ny(2026, 11, 17, 12, 0), "breached"),
    (ny(2026, 11, 18, 9, 0), ny(2026, 11, 17, 12, 0), "breached"),
    (ny(2026, 11, 18, 9, 0), None, "met"),
]


@pytest.mark.parametrize(("done", "due", "expected"), CONTROL_TABLE)
def test_control_status(done, due, expected):
    assert deadlines.control_status(done, due) == expected
