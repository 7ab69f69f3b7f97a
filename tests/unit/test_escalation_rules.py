"""Pure tests of the escalation rules (pwa.governance.escalations): E1–E9 and the deadline breaches,
each rule's condition as a table, beside the registry that gives its level and title."""
from datetime import timedelta
from itertools import product

import pytest

from pwa.governance import deadlines
from pwa.governance import escalations as e
from pwa.governance.vocab import BARRIER_SIGNALS, RECOVERY_STATUSES, RESCUE_OPTIONS, ROLES
from tests.support.clock import ny

NOW = ny(2026, 11, 17, 10, 0)  # Tuesday


# --- the registry ---------------------------------------------------------------------------------

def test_every_rule_of_the_spec_is_in_the_registry_with_its_recipient():
    assert e.ESCALATION_LEVELS == {
        "E1": "attendance_supervisor", "E2": "manager", "E3": "quality_lead", "E4": "service_supervisor",
        "E5": "duty_manager", "E6": "executive", "E7": "director", "E8": "executive", "E9": "chief_operating",
        "BREACH_1A": "attendance_supervisor", "BREACH_1B": "manager", "BREACH_2A": "service_supervisor",
        "BREACH_2C": "manager", "BREACH_3A": "director", "BREACH_3B": "executive",
    }
    assert set(e.ESCALATION_LEVELS.values()) <= set(ROLES)
    assert all(rule.title and rule.step for rule in e.RULES.values())


def test_every_breach_names_the_deadline_it_enforces():
    breaches = [rule for code, rule in e.RULES.items() if code.startswith("BREACH_")]
    assert breaches and all(rule.due is not None for rule in breaches)
    assert e.RULES["E4"].due is deadlines.first_attempt_due


# --- E1 -------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("released", "raised"), [(None, True), ("NS-REFUSAL", False)])
def test_a_code_before_any_release_raises_e1(released, raised):
    assert e.needs_e1(released_code=released) is raised


def test_e1_says_where_the_code_came_from_and_how_far_the_event_got():
    reason = e.e1_reason(code="NS-REFUSAL", appointment_ref="A-1", source="the API", event_status=None)
    assert "NS-REFUSAL" in reason and "A-1" in reason and "the API" in reason and "no event record exists" in reason
    assert "the event is queued" in e.e1_reason(code="X", appointment_ref="A-1", source="s", event_status="queued")


# --- E2 -------------------------------------------------------------------------------------------

NEEDS_E2_TABLE = [
    ("person_refusal", "confirm", 1, True),
    ("person_refusal", "confirm", 7, True),
    ("person_refusal", "confirm", 0, False),
    ("person_refusal", "return_for_evidence", 3, False),
    ("access_barrier", "confirm", 3, False),
    ("service_side_failure", "confirm", 3, False),
    ("undetermined", "return_for_evidence", 3, False),
]


@pytest.mark.parametrize(("final", "outcome", "dependencies", "expected"), NEEDS_E2_TABLE)
def test_release_is_held_when_dependencies_are_unresolved(final, outcome, dependencies, expected):
    assert e.needs_e2(final_classification=final, outcome=outcome,
                      unresolved_dependency_count=dependencies) is expected


@pytest.mark.parametrize("open_e2", [True, False])
def test_an_open_e2_holds_the_release_until_acknowledged(open_e2):
    assert e.release_is_held(open_e2=open_e2) is open_e2


# --- E3 -------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("route", "expected"), [("none", True), ("outreach", False), ("clinical", False)])
def test_a_code_finalised_without_a_follow_up_route_raises_e3(route, expected):
    assert e.needs_e3(follow_up_route=route) is expected


# --- E4 -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("opened", [ny(2026, 11, 17, 10, 0), ny(2026, 11, 17, 16, 30), ny(2026, 11, 21, 23, 30)])
def test_first_attempt_due_is_one_wall_clock_hour(opened):
    assert deadlines.first_attempt_due(opened) == opened + timedelta(hours=1)


@pytest.mark.parametrize(("high_risk", "tier", "expected"), [
    (True, None, True), (True, "3", True), (False, "1", True), (False, "2", False), (False, None, False)])
def test_tier_one_means_high_risk_or_priority_tier_1(high_risk, tier, expected):
    assert e.is_tier_one(high_risk=high_risk, priority_tier=tier) is expected


@pytest.mark.parametrize(("high_risk", "tier", "status", "minutes_opened", "has_attempt", "expected"), [
    (True, "1", "open", 61, False, True),
    (False, "1", "open", 61, False, True),
    (False, "2", "open", 61, False, False),      # not tier 1
    (True, "1", "open", 60, False, False),       # exactly the hour: not yet late
    (True, "1", "open", 59, False, False),
    (True, "1", "open", 120, True, False),       # an attempt was logged
    (True, "1", "dispositioned", 120, False, False),
])
def test_e4_when_a_tier_one_case_has_no_attempt_an_hour_after_opening(high_risk, tier, status, minutes_opened,
                                                                      has_attempt, expected):
    assert e.needs_e4_no_attempt(high_risk=high_risk, priority_tier=tier, status=status,
                                 opened_at=NOW - timedelta(minutes=minutes_opened), has_attempt=has_attempt,
                                 now=NOW) is expected


@pytest.mark.parametrize(("high_risk", "status", "overdue", "e4", "breach"), [
    (True, "instructed", True, True, True),      # high-risk: the sweep raises E4 instead of the breach
    (False, "instructed", True, False, True),
    (True, "instructed", False, False, False),
    (True, "open", True, False, False),
])
def test_a_recovery_case_not_opened_in_time_is_e4_when_high_risk_else_breach_2a(high_risk, status, overdue, e4,
                                                                                  breach):
    due = NOW - timedelta(minutes=1) if overdue else NOW + timedelta(minutes=1)
    assert e.needs_e4_not_opened(high_risk=high_risk, priority_tier=None, status=status, open_due_at=due,
                                 now=NOW) is e4
    assert e.needs_breach_2a(status=status, open_due_at=due, now=NOW) is breach


# --- E5, E6 ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(("barrier", "option"), list(product(BARRIER_SIGNALS, RESCUE_OPTIONS)))
def test_e5_only_for_active_risk_with_no_rescue(barrier, option):
    expected = (barrier, option) == ("active_risk", "none_offered")
    assert e.needs_e5(barrier_signal=barrier, rescue_option=option) is expected


@pytest.mark.parametrize(("high_risk", "restored", "expected"), [
    (True, False, True), (True, True, False), (False, False, False), (False, True, False)])
def test_a_high_risk_case_not_restored_at_close_raises_e6(high_risk, restored, expected):
    assert e.needs_e6(high_risk=high_risk, restored=restored) is expected


# --- E7, E9 (the freeze), E8 ----------------------------------------------------------------------

@pytest.mark.parametrize(("review_status", "communicated", "rule"), [
    (None, False, "E7"), ("awaiting_review", False, "E7"), ("awaiting_determination", False, "E7"),
    ("awaiting_communication", False, "E9"), ("complete", False, "E9"), ("complete", True, None)])
def test_restrictions_are_frozen_by_e7_before_review_and_e9_before_communication(review_status, communicated, rule):
    assert e.freeze_rule(review_status=review_status, has_communication=communicated) == rule
    assert e.needs_e7(review_status=review_status, has_communication=communicated) is (rule == "E7")
    assert e.needs_e9(review_status=review_status, has_communication=communicated) is (rule == "E9")


@pytest.mark.parametrize("decision, deps, e8", [("warning", 1, True), ("service_intensity_change", 3, True),
                                                ("closure", 1, True), ("closure", 0, False), ("continue", 5, False),
                                                ("enhanced_recovery_support", 2, False)])
def test_a_restrictive_decision_with_unresolved_dependencies_raises_e8(decision, deps, e8):
    assert e.needs_e8(panel_decision=decision, unresolved_dependency_count=deps) is e8


# --- deadline breaches ----------------------------------------------------------------------------

LATE, EARLY = NOW - timedelta(seconds=1), NOW + timedelta(seconds=1)


@pytest.mark.parametrize(("due", "breached"), [(LATE, True), (NOW, False), (EARLY, False)])
def test_a_detected_miss_without_an_event_after_its_deadline_is_breach_1a(due, breached):
    assert e.needs_breach_1a(due_at=due, now=NOW) is breached


@pytest.mark.parametrize(("status", "due", "breached"), [
    ("queued", LATE, True), ("queued", EARLY, False), ("returned", LATE, False), ("confirmed", LATE, False)])
def test_a_queued_event_past_its_classification_deadline_is_breach_1b(status, due, breached):
    assert e.needs_breach_1b(status=status, classification_due_at=due, now=NOW) is breached


@pytest.mark.parametrize(("status", "has_disposition", "due", "breached"), [
    (s, d, due, s in ("instructed", "open") and not d and due == LATE)
    for s, d, due in product(RECOVERY_STATUSES, (True, False), (LATE, EARLY, None))])
def test_no_disposition_by_its_deadline_is_breach_2c(status, has_disposition, due, breached):
    assert e.needs_breach_2c(status=status, disposition_due_at=due, has_disposition=has_disposition,
                             now=NOW) is breached


@pytest.mark.parametrize(("status", "review_breached", "determination_breached"), [
    ("awaiting_review", True, True), ("awaiting_determination", False, True),
    ("awaiting_communication", False, False), ("complete", False, False), ("superseded", False, False)])
def test_overdue_reviews_and_determinations_are_breach_3a_and_3b(status, review_breached, determination_breached):
    assert e.needs_breach_3a(status=status, review_due_at=LATE, now=NOW) is review_breached
    assert e.needs_breach_3b(status=status, determination_due_at=LATE, now=NOW) is determination_breached
    assert not e.needs_breach_3a(status=status, review_due_at=EARLY, now=NOW)
    assert not e.needs_breach_3b(status=status, determination_due_at=EARLY, now=NOW)
