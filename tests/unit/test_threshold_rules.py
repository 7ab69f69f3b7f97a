"""Workflow 3 rule tables: levels, the rolling window, counting, 3a figures, 3b proportionality,
E8, 3c communication and the restriction freeze (E7, E9, authorisation)."""
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest

from pwa.governance import threshold as r

POLICY = r.DEFAULT_POLICY
NOW = datetime(2026, 11, 17, 15, 0, tzinfo=UTC)
TODAY = date(2026, 11, 17)


@pytest.mark.parametrize("count, level", [(0, None), (2, None), (3, "warning"), (4, "step_up_review"),
                                          (5, "closure_consideration"), (9, "closure_consideration")])
def test_level_reached_default_three_strikes(count, level):
    assert r.level_reached(count, POLICY) == level


@pytest.mark.parametrize("level, recent, expected", [
    (None, [], False), ("warning", [], True), ("warning", ["warning"], False),
    ("step_up_review", ["warning"], True), ("warning", ["step_up_review"], False),
    ("closure_consideration", ["warning", "step_up_review"], True),
    ("closure_consideration", ["closure_consideration"], False)])
def test_a_review_opens_only_at_a_level_higher_than_any_recent_review(level, recent, expected):
    assert r.needs_review(level=level, recent_levels=recent) is expected


@pytest.mark.parametrize("days_ago, inside", [(0, True), (1, True), (59.99, True), (60, False), (61, False),
                                              (-0.01, False)])
def test_the_rolling_window_excludes_its_start_and_includes_its_end(days_ago, inside):
    start, end = r.window_bounds(NOW, 60)
    assert r.in_window(NOW - timedelta(days=days_ago), start, end) is inside


@pytest.mark.parametrize("classification, count_service, counted", [
    ("person_refusal", False, True), ("access_barrier", False, True), ("service_side_failure", False, False),
    ("service_side_failure", True, True), ("undetermined", False, True)])
def test_service_side_failures_count_only_when_the_policy_says_so(classification, count_service, counted):
    assert r.is_counted(classification, count_service) is counted


def test_counted_events_mixed():
    start, end = r.window_bounds(NOW, 60)
    events = [SimpleNamespace(scheduled_at=NOW - timedelta(days=d), final_classification=c) for d, c in (
        (1, "person_refusal"), (2, "service_side_failure"), (70, "person_refusal"), (3, "access_barrier"))]
    assert len(r.counted_events(events, start=start, end=end, count_service_side_failures=False)) == 2
    assert len(r.counted_events(events, start=start, end=end, count_service_side_failures=True)) == 3


@pytest.mark.parametrize("completed, total, rate", [(0, 0, None), (0, 3, 0), (1, 2, 50), (2, 3, 67), (1, 3, 33),
                                                    (1, 8, 13), (3, 3, 100)])
def test_the_completion_rate_is_a_whole_percentage_rounded_half_up(completed, total, rate):
    assert r.completion_rate(completed, total) == rate


@pytest.mark.parametrize("warning, step_up, closure, fields", [
    (3, 4, 5, set()), (3, 3, 5, {"step_up_count"}), (3, 4, 4, {"closure_count"}),
    (5, 4, 3, {"step_up_count", "closure_count"})])
def test_policy_levels_must_rise(warning, step_up, closure, fields):
    assert set(r.policy_field_errors(warning_count=warning, step_up_count=step_up, closure_count=closure)) == fields


COMPUTED = {"threshold_event_count": 3, "prior_recovery_completion_rate": 50, "service_side_disruption_count": 1}


@pytest.mark.parametrize("entered, checkpoint, fields", [
    ({}, TODAY, set()),
    ({"threshold_event_count": 2}, TODAY, {"threshold_event_count"}),
    ({"prior_recovery_completion_rate": None}, TODAY, {"prior_recovery_completion_rate"}),
    ({"service_side_disruption_count": 0}, TODAY, {"service_side_disruption_count"}),
    ({}, TODAY - timedelta(days=1), {"next_checkpoint_date"}),
])
def test_3a_figures_must_match_the_archive_and_the_checkpoint_be_ahead(entered, checkpoint, fields):
    errors = r.review_field_errors(entered={**COMPUTED, **entered}, computed=COMPUTED, next_checkpoint_date=checkpoint,
                                   today=TODAY)
    assert set(errors) == fields
    for field in fields - {"next_checkpoint_date"}:
        assert "you entered" in errors[field][0] and "records give" in errors[field][0]


@pytest.mark.parametrize("status, refused", [("awaiting_review", False), ("awaiting_determination", True),
                                             ("complete", True), ("superseded", True)])
def test_only_a_review_awaiting_3a_is_reviewed(status, refused):
    assert bool(r.review_refusals(status=status)) is refused


RATIONALE = "Every barrier was tested and resolved before this decision."


@pytest.mark.parametrize("decision, remediation, result, classes, unresolved, fields", [
    ("warning", "completed", "affirmative", ["person_refusal"] * 3, 0, set()),
    ("warning", "completed", "not_affirmative", ["person_refusal"] * 3, 0, {"proportionality_result"}),
    ("closure", "not_applicable", "not_affirmative", ["person_refusal"] * 3, 0, {"proportionality_result"}),
    ("service_intensity_change", "completed", "affirmative", ["access_barrier", "access_barrier", "person_refusal"], 0,
     {"proportionality_result"}),
    ("warning", "completed", "affirmative", ["access_barrier", "service_side_failure", "person_refusal"], 0,
     {"proportionality_result"}),
    # Exactly half is not "most".
    ("warning", "completed", "affirmative", ["access_barrier", "person_refusal"], 0, set()),
    ("warning", "not_started", "affirmative", ["person_refusal"] * 3, 0, {"proportionality_result"}),
    ("warning", "in_progress", "affirmative", ["person_refusal"] * 3, 0, {"proportionality_result"}),
    ("continue", "completed", "not_affirmative", ["person_refusal"] * 3, 2, {"barrier_remediation_status"}),
    ("continue", "in_progress", "not_affirmative", ["person_refusal"] * 3, 2, set()),
    ("continue", "not_applicable", "not_affirmative", ["person_refusal"] * 3, 1, {"barrier_remediation_status"}),
    ("continue", "not_applicable", "not_affirmative", ["access_barrier"] * 3, 0, {"barrier_remediation_status"}),
    ("warning", "not_applicable", "affirmative", ["person_refusal"] * 3, 0, set()),
    ("enhanced_recovery_support", "in_progress", "not_affirmative", ["access_barrier"] * 3, 4, set()),
])
def test_3b_proportionality_and_remediation_must_fit_the_record(decision, remediation, result, classes, unresolved, fields):
    errors = r.determination_field_errors(panel_decision=decision, barrier_remediation_status=remediation,
                                          proportionality_result=result, proportionality_rationale=RATIONALE,
                                          counted_classifications=classes, latest_unresolved_barriers=unresolved)
    assert set(errors) == fields


@pytest.mark.parametrize("rationale, ok", [(RATIONALE, True), ("n/a", False), ("fine", False), ("see notes", False),
                                           ("", False)])
def test_rationale(rationale, ok):
    errors = r.determination_field_errors(panel_decision="continue", barrier_remediation_status="in_progress",
                                          proportionality_result="not_affirmative", proportionality_rationale=rationale,
                                          counted_classifications=["person_refusal"], latest_unresolved_barriers=0)
    assert ("proportionality_rationale" not in errors) is ok


@pytest.mark.parametrize("status, reviewer, refused", [
    ("awaiting_review", False, True), ("awaiting_determination", False, False), ("awaiting_determination", True, True),
    ("awaiting_communication", False, True), ("complete", False, True), ("superseded", False, True)])
def test_3b_needs_3a_done_and_another_person_than_the_reviewer(status, reviewer, refused):
    assert bool(r.determination_refusals(status=status, actor_did_review=reviewer)) is refused


PATHWAY = "Evening group on Thursdays at 18:00 with the same counsellor"
APPEAL = "Write to the governance panel within 14 days"


@pytest.mark.parametrize("overrides, fields", [
    ({}, set()),
    ({"alternative_pathway_offered": None}, {"alternative_pathway_offered"}),
    ({"alternative_pathway_offered": "N/A"}, {"alternative_pathway_offered"}),
    ({"alternative_pathway_offered": "tbc"}, {"alternative_pathway_offered"}),
    ({"alternative_pathway_offered": "other service"}, {"alternative_pathway_offered"}),
    ({"panel_decision": "closure", "alternative_pathway_offered": None}, set()),
    ({"panel_decision": "closure", "alternative_pathway_offered": "n/a"}, {"alternative_pathway_offered"}),
    ({"panel_decision": "closure", "alternative_pathway_offered": PATHWAY}, set()),
    ({"appeal_route_provided": "standard appeal"}, {"appeal_route_provided"}),
    ({"appeal_route_provided": "They know what they can do about it"}, {"appeal_route_provided"}),
    ({"appeal_route_provided": ""}, {"appeal_route_provided"}),
    ({"objection_raised": "yes"}, {"objection_detail"}),
    ({"objection_raised": "yes", "objection_detail": "Disputes two of the events"}, set()),
    ({"decision_explained": "approved_safe_message"}, {"contact_route"}),
    ({"decision_explained": "approved_safe_message", "route_ok": True}, set()),
    ({"route_ok": False}, {"contact_route"}),
    ({"review_date": TODAY - timedelta(days=1)}, {"review_date"}),
])
def test_3c_needs_an_approved_route_a_specific_pathway_and_an_explicit_appeal(overrides, fields):
    args = {"panel_decision": "warning", "decision_explained": "direct_contact", "route_ok": None,
            "alternative_pathway_offered": PATHWAY, "appeal_route_provided": APPEAL, "objection_raised": "no",
            "objection_detail": None, "review_date": TODAY, "today": TODAY, **overrides}
    assert set(r.communication_field_errors(**args)) == fields


@pytest.mark.parametrize("status, refused", [("awaiting_review", True), ("awaiting_determination", True),
                                             ("awaiting_communication", False), ("complete", True),
                                             ("superseded", True)])
def test_3c_follows_3a_and_3b_once(status, refused):
    assert bool(r.communication_refusals(status=status)) is refused


@pytest.mark.parametrize("kind, status, decision, result, communicated, e8, done, rule", [
    ("warning", None, None, None, False, False, False, "E7"),
    ("closure", "awaiting_review", None, None, False, False, False, "E7"),
    ("warning", "awaiting_determination", None, None, False, False, False, "E7"),
    ("warning", "awaiting_communication", "warning", "affirmative", False, False, False, "E9"),
    ("warning", "complete", "warning", "affirmative", True, False, False, None),
    ("closure", "complete", "warning", "affirmative", True, False, False, "restriction_not_authorised"),
    ("warning", "complete", "continue", "not_affirmative", True, False, False, "restriction_not_authorised"),
    ("warning", "complete", "enhanced_recovery_support", "not_affirmative", True, False, False,
     "restriction_not_authorised"),
    ("warning", "complete", "warning", "affirmative", True, True, False, "restriction_not_authorised"),
    ("warning", "complete", "warning", "affirmative", True, False, True, "restriction_not_authorised"),
    ("service_intensity_change", "complete", "service_intensity_change", "affirmative", True, False, False, None),
    ("closure", "complete", "closure", "affirmative", True, False, False, None),
])
def test_restrictions_are_refused_with_e7_before_review_e9_before_communication_and_unless_authorised(kind, status, decision, result, communicated, e8, done, rule):
    refusal = r.restriction_refusals(kind=kind, review_status=status, panel_decision=decision,
                                     proportionality_result=result, has_communication=communicated, open_e8=e8,
                                     already_implemented=done)
    assert (refusal[0] if refusal else None) == rule
    if refusal:
        assert refusal[1] and all(isinstance(reason, str) and reason for reason in refusal[1])
