"""Workflow 3 (threshold review 3a, panel determination 3b, communication 3c, the restriction freeze)
through the JSON API: every validation and escalation, and no sequence of calls that implements a
restriction without a completed review, an affirmative result and a recorded communication."""
import itertools

import pytest
import sqlalchemy as sa

from pwa.extensions import db
from tests.support.worlds import review_counts

def test_the_third_released_code_in_60_days_opens_a_warning_review_due_in_one_business_day(w3):
    case_ref = w3.factory.case()
    w3.released(case_ref, days_ago=3)
    w3.released(case_ref, days_ago=2)
    assert w3.review_id(case_ref) is None
    w3.released(case_ref, days_ago=1)
    review = w3.read(w3.review_id(case_ref)).get_json()
    assert review["level"] == "warning" and review["status"] == "awaiting_review"
    assert review["policy_version"] == 1
    # Tuesday 10:00 New York -> Wednesday 10:00 (15:00 UTC).
    assert review["review_due_at"].startswith("2026-11-18T15:00")
    assert review["determination_due_at"].startswith("2026-11-18T15:00")
    assert ("3", "review_initiated", "threshold_reviews") in w3.folder("threshold-governance")


def test_a_higher_level_supersedes_the_open_lower_review_and_the_same_level_opens_nothing_twice(w3):
    case_ref, warning = w3.case_at_level()
    w3.released(case_ref, days_ago=0.01)
    step_up = w3.review_id(case_ref)
    assert step_up != warning
    assert w3.read(step_up).get_json()["level"] == "step_up_review"
    old = w3.read(warning).get_json()
    assert old["status"] == "superseded" and old["superseded_by_id"] == step_up
    # A complete closure review: a sixth code in the window opens no new review.
    w3.released(case_ref, days_ago=0.005)
    closure = w3.review_id(case_ref)
    assert w3.read(closure).get_json()["level"] == "closure_consideration"
    w3.through(closure, "3c", panel_decision="continue", proportionality_result="not_affirmative")
    w3.released(case_ref, days_ago=0.002)
    assert w3.review_id(case_ref) == closure


def test_service_side_failures_do_not_count_by_default(w3):
    case_ref, review = w3.case_at_level(("person_refusal", "service_side_failure", "person_refusal"))
    assert review is None
    w3.released(case_ref, "person_refusal", days_ago=0.5)
    review = w3.review_id(case_ref)
    figures = w3.figures(review)
    assert figures["threshold_event_count"]["value"] == 3
    assert figures["service_side_disruption_count"]["value"] == 1


# --- 3a ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("field, wrong", [("threshold_event_count", 2), ("prior_recovery_completion_rate", 50),
                                          ("service_side_disruption_count", 1)])
def test_3a_refuses_a_figure_that_differs_from_the_archive_saying_both(w3, app, field, wrong):
    _case, review = w3.case_at_level()
    before = review_counts(app)
    response = w3.review(review, **{field: wrong})
    assert response.status_code == 422
    message = response.get_json()["errors"][field][0]
    assert "you entered" in message and "the records give" in message
    assert review_counts(app) == before


def test_3a_refuses_a_past_checkpoint_and_accepts_the_archive_figures(w3):
    _case, review = w3.case_at_level()
    assert w3.review(review, next_checkpoint_date="2020-01-01").get_json()["errors"]["next_checkpoint_date"]
    response = w3.review(review)
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "awaiting_determination" and body["control_status"] == "met"
    assert body["reviewer_id"] == w3.auth.users["gina"]
    again = w3.review(review)
    assert again.status_code == 409 and again.get_json()["rule"] == "review_order"


def test_3a_is_the_governance_leads(w3):
    _case, review = w3.case_at_level()
    for name in ("pat", "cora", "ada"):
        assert w3.review(review, as_user=name).status_code == 403


# --- 3b ------------------------------------------------------------------------------------------------

def test_3b_needs_3a_first_and_another_person_than_the_reviewer(w3, auth):
    _case, review = w3.case_at_level()
    early = w3.determine(review)
    assert early.status_code == 409 and early.get_json()["rule"] == "determination_order"
    auth.user("both", "governance_lead", "panel_chair")
    assert w3.review(review, as_user="both").status_code == 200
    same = w3.determine(review, as_user="both")
    assert same.status_code == 409 and "cannot chair" in same.get_json()["reasons"][0]
    assert w3.determine(review).status_code == 201
    assert w3.determine(review).status_code == 409


@pytest.mark.parametrize("decision", ["warning", "service_intensity_change", "closure"])
def test_3b_a_restrictive_decision_needs_an_affirmative_result(w3, decision):
    _case, review = w3.case_at_level()
    w3.through(review, "3a")
    response = w3.determine(review, panel_decision=decision, proportionality_result="not_affirmative")
    assert response.status_code == 422
    assert "needs an affirmative" in response.get_json()["errors"]["proportionality_result"][0]


def test_3b_affirmative_is_refused_when_most_counted_events_were_barriers(w3):
    _case, review = w3.case_at_level(("access_barrier", "access_barrier", "person_refusal"))
    w3.through(review, "3a")
    response = w3.determine(review, barrier_remediation_status="completed")
    errors = response.get_json()["errors"]
    assert "2 of the 3 counted events" in errors["proportionality_result"][0]
    # Continuation with enhanced support is the way: not affirmative, not restrictive.
    ok = w3.determine(review, panel_decision="enhanced_recovery_support", proportionality_result="not_affirmative")
    assert ok.status_code == 201


@pytest.mark.parametrize("remediation", ["not_started", "in_progress"])
def test_3b_affirmative_is_refused_while_remediation_is_unfinished(w3, remediation):
    _case, review = w3.case_at_level()
    w3.through(review, "3a")
    response = w3.determine(review, barrier_remediation_status=remediation)
    assert "barrier remediation" in response.get_json()["errors"]["proportionality_result"][0]


def test_3b_completed_remediation_is_refused_while_the_latest_disposition_has_unresolved_barriers(w3):
    case_ref = w3.factory.case(worker="olu")
    w3.released(case_ref, days_ago=3, route="outreach", dispose=2)
    w3.released(case_ref, days_ago=2)
    w3.released(case_ref, days_ago=1)
    review = w3.review_id(case_ref)
    w3.through(review, "3a")
    response = w3.determine(review, barrier_remediation_status="completed")
    assert "records 2 unresolved barriers" in response.get_json()["errors"]["barrier_remediation_status"][0]
    na = w3.determine(review, barrier_remediation_status="not_applicable")
    assert na.status_code == 422 and "barrier_remediation_status" in na.get_json()["errors"]


def test_3b_rationale_must_be_a_sentence(w3):
    _case, review = w3.case_at_level()
    w3.through(review, "3a")
    for rationale in ("n/a", "ok", "   see notes  "):
        response = w3.determine(review, proportionality_rationale=rationale)
        assert "proportionality_rationale" in response.get_json()["errors"]


def test_3b_e8_to_the_executive_for_a_restrictive_decision_with_unresolved_dependencies(w3):
    case_ref, review = w3.case_at_level()
    w3.through(review, "3a")
    response = w3.determine(review, unresolved_dependency_count=2)
    assert response.status_code == 201
    assert response.get_json()["escalation_status"] == "E8"
    [e8] = w3.escalations("E8")
    assert e8["level"] == "executive" and e8["subject_type"] == "panel_determinations"
    assert ("3b", "determined", "panel_determinations") in w3.folder("attendance-review")
    assert w3.communicate(review).status_code == 201
    # Not implemented until the executive acknowledges E8.
    held = w3.restrict(case_ref)
    assert held.status_code == 409 and held.get_json()["rule"] == "restriction_not_authorised"
    assert "E8" in held.get_json()["reasons"][0]
    assert w3.post(f"/api/v1/escalations/{e8['id']}/acknowledge", {"note": "Dependencies checked."},
                   "evan").status_code == 200
    assert w3.restrict(case_ref).status_code == 201


def test_3b_no_e8_for_continuation(w3):
    _case, review = w3.case_at_level()
    w3.through(review, "3a")
    response = w3.determine(review, panel_decision="continue", proportionality_result="not_affirmative",
                            unresolved_dependency_count=3)
    assert response.status_code == 201 and not w3.escalations("E8")


def test_3b_determination_past_its_deadline_is_breached(w3, time_machine):
    _case, review = w3.case_at_level()
    w3.through(review, "3a")
    time_machine.move_to("2026-11-19T10:00:00-05:00", tick=True)
    w3.signed_in = None
    assert w3.determine(review).get_json()["control_status"] == "breached"


# --- 3c ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("overrides, field", [
    ({"alternative_pathway_offered": None}, "alternative_pathway_offered"),
    ({"alternative_pathway_offered": "n/a"}, "alternative_pathway_offered"),
    ({"alternative_pathway_offered": "other"}, "alternative_pathway_offered"),
    ({"appeal_route_provided": "standard"}, "appeal_route_provided"),
    ({"appeal_route_provided": "The person was told about it all"}, "appeal_route_provided"),
    ({"objection_raised": "yes"}, "objection_detail"),
    ({"decision_explained": "approved_safe_message"}, "contact_route"),
    ({"contact_route": 999999}, "contact_route"),
    ({"review_date": "2020-01-01"}, "review_date"),
])
def test_3c_validations(w3, app, overrides, field):
    _case, review = w3.case_at_level()
    w3.through(review, "3b")
    before = review_counts(app)
    response = w3.communicate(review, **overrides)
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["errors"]
    assert review_counts(app) == before


def test_3c_closure_needs_no_alternative_pathway_and_a_safe_message_goes_by_an_approved_route(w3, app):
    case_ref, review = w3.case_at_level(("person_refusal",) * 5)
    w3.through(review, "3b", panel_decision="closure")
    with app.app_context():
        from pwa.cases.models import Case
        route = db.session.scalar(sa.select(Case).filter_by(case_ref=case_ref)).approved_routes[0].id
        db.session.remove()
    response = w3.communicate(review, alternative_pathway_offered=None, decision_explained="approved_safe_message",
                              contact_route=route)
    assert response.status_code == 201, response.get_json()
    assert ("3c", "communicated", "decision_communications") in w3.folder("decision-assurance")


def test_3c_order_and_role(w3):
    _case, review = w3.case_at_level()
    assert w3.communicate(review).get_json()["rule"] == "communication_order"
    w3.through(review, "3b")
    assert w3.communicate(review, as_user="gina").status_code == 403
    assert w3.communicate(review).status_code == 201
    assert w3.communicate(review).status_code == 409


def test_an_objection_reaches_the_weekly_governance_review(w3):
    case_ref, review = w3.case_at_level()
    w3.through(review, "3b")
    assert w3.communicate(review, objection_raised="yes",
                          objection_detail="Says two of the missed sessions clashed with dialysis").status_code == 201
    weekly = w3.get("/api/v1/governance/weekly?week=2026-11-19", "evan").get_json()
    assert weekly["week_start"] == "2026-11-16"
    assert [o["case_ref"] for o in weekly["objections"]] == [case_ref]
    assert weekly["archive_seqs"]["communications"]
    assert ("3c", "objection_routed_to_weekly_review", "decision_communications") in w3.folder("threshold-governance")
    other = w3.get("/api/v1/governance/weekly?week=2026-11-09", "evan").get_json()
    assert other["objections"] == []


# --- the freeze ------------------------------------------------------------------------------------------

def test_a_restriction_with_no_review_at_all_is_refused_with_e7(w3, app):
    case_ref = w3.factory.case()
    response = w3.restrict(case_ref, "closure")
    assert response.status_code == 409
    body = response.get_json()
    assert body["rule"] == "E7" and body["escalation_id"]
    [e7] = w3.escalations("E7")
    assert e7["level"] == "director" and e7["subject_type"] == "cases"
    assert review_counts(app)["restrictions"] == 0


@pytest.mark.parametrize("upto, rule", [(None, "E7"), ("3a", "E7"), ("3b", "E9")])
def test_restrictions_are_frozen_until_3a_3b_and_3c(w3, app, upto, rule):
    case_ref, review = w3.case_at_level()
    if upto:
        w3.through(review, upto)
    for kind, source, who in (("warning", "automatic", "ian"), ("closure", "manual", "gina")):
        response = w3.restrict(case_ref, kind, source, as_user=who)
        assert response.status_code == 409
        assert response.get_json()["rule"] == rule
    raised = w3.escalations(rule)
    assert len(raised) == 2 and all(e["subject_type"] == "threshold_reviews" for e in raised)
    assert {"director": "E7", "chief_operating": "E9"}[raised[0]["level"]] == rule
    assert review_counts(app)["restrictions"] == 0
    assert ("3", "restriction_refused", "restriction_attempts") in w3.folder("threshold-governance")


def test_a_restriction_is_implemented_after_all_three_and_only_the_kind_decided(w3):
    case_ref, review = w3.case_at_level()
    w3.through(review)
    wrong = w3.restrict(case_ref, "closure")
    assert wrong.status_code == 409 and wrong.get_json()["rule"] == "restriction_not_authorised"
    assert not w3.escalations("E7") and not w3.escalations("E9")
    done = w3.restrict(case_ref, "warning")
    assert done.status_code == 201, done.get_json()
    body = done.get_json()
    assert body["review_id"] == review and body["kind"] == "warning" and body["source"] == "automatic"
    twice = w3.restrict(case_ref, "warning")
    assert twice.status_code == 409 and "already" in twice.get_json()["reasons"][0]
    assert ("3", "restriction_implemented", "restrictions") in w3.folder("decision-assurance")
    weekly = w3.get("/api/v1/governance/weekly", "gina").get_json()
    assert [r["id"] for r in weekly["restrictions"]] == [body["id"]]


def test_a_continuation_authorises_no_restriction(w3):
    case_ref, review = w3.case_at_level()
    w3.through(review, panel_decision="continue", proportionality_result="not_affirmative")
    for kind in ("warning", "service_intensity_change", "closure"):
        assert w3.restrict(case_ref, kind).get_json()["rule"] == "restriction_not_authorised"


def test_a_new_review_freezes_again_after_a_completed_one(w3):
    case_ref, review = w3.case_at_level()
    w3.through(review)
    w3.released(case_ref, days_ago=0.01)
    assert w3.restrict(case_ref, "warning").get_json()["rule"] == "E7"


# --- no sequence of calls implements an unauthorised restriction ----------------------------------------

ACTIONS = ("review", "determine_restrictive", "determine_not_affirmative", "communicate", "restrict")


def _apply(w3, case_ref, review, action) -> int:
    if action == "review":
        return w3.review(review).status_code
    if action == "determine_restrictive":
        return w3.determine(review).status_code
    if action == "determine_not_affirmative":
        return w3.determine(review, panel_decision="continue", proportionality_result="not_affirmative").status_code
    if action == "communicate":
        return w3.communicate(review).status_code
    return w3.restrict(case_ref, "warning").status_code


@pytest.mark.parametrize("sequence", [(*prefix, "restrict")
                                      for prefix in itertools.product(ACTIONS[:-1], repeat=3)])
def test_no_sequence_implements_a_restriction_without_review_affirmative_result_and_communication(w3, sequence, app):
    """Every sequence of 3 workflow calls (4^3) followed by in a restriction request: it is implemented (201) exactly when
    3a, an affirmative restrictive 3b and 3c were each accepted before it; otherwise 409, nothing stored."""
    case_ref, review = w3.case_at_level()
    accepted = []
    for action in sequence[:-1]:
        if _apply(w3, case_ref, review, action) in (200, 201):
            accepted.append(action)
    status = _apply(w3, case_ref, review, "restrict")
    authorised = (accepted[:1] == ["review"] and "determine_restrictive" in accepted and "communicate" in accepted)
    assert status == (201 if authorised else 409), (sequence, accepted, status)
    assert review_counts(app)["restrictions"] == (1 if authorised else 0)
