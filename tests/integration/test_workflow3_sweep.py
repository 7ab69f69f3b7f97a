"""`flask sweep` and workflow 3 with time travel: BREACH_3A (director) when 3a is not done within 1
business day, BREACH_3B (executive) when 3b is not; each raised once, over a weekend on business time."""
from datetime import datetime

import pytest

from tests.support.clock import NY
from tests.support.worlds import W3


@pytest.fixture
def w3(app, auth, factory, time_machine):
    time_machine.move_to(datetime(2026, 11, 20, 15, 0, tzinfo=NY), tick=False)  # a Friday afternoon
    return W3(app, auth, factory)


def sweep(app) -> str:
    result = app.test_cli_runner().invoke(args=["sweep"])
    assert result.exit_code == 0, result.output
    return result.output


def test_breaches_are_raised_on_business_time_once_each(w3, app, time_machine):
    _case, review = w3.case_at_level()
    detail = w3.read(review).get_json()
    assert detail["review_due_at"].startswith("2026-11-23T20:00")  # Monday 15:00 New York
    # Saturday and Monday morning: not yet due.
    for moment in (datetime(2026, 11, 21, 12, 0, tzinfo=NY), datetime(2026, 11, 23, 14, 59, tzinfo=NY)):
        time_machine.move_to(moment, tick=False)
        sweep(app)
        assert not w3.escalations("BREACH_3A") and not w3.escalations("BREACH_3B")
    time_machine.move_to(datetime(2026, 11, 23, 15, 1, tzinfo=NY), tick=False)
    output = sweep(app)
    assert "BREACH_3A: 1" in output and "BREACH_3B: 1" in output
    sweep(app)
    [a], [b] = w3.escalations("BREACH_3A"), w3.escalations("BREACH_3B")
    assert (a["level"], b["level"]) == ("director", "executive")
    assert a["subject_type"] == b["subject_type"] == "threshold_reviews"
    w3.signed_in = None
    late = w3.read(review).get_json()
    assert late["review_breached_at"] and late["determination_breached_at"]
    assert late["escalation_status"] == "BREACH_3A,BREACH_3B"
    # 3a done late is breached; the weekly governance review lists both breaches with their escalations.
    assert w3.review(review).get_json()["control_status"] == "breached"
    weekly = w3.get("/api/v1/governance/weekly?week=2026-11-23", "evan").get_json()
    assert sorted((x["step"], bool(x["escalation_id"])) for x in weekly["breaches"]) == [("3a", True), ("3b", True)]
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 0 and "archive intact" in result.output


def test_a_review_done_in_time_breaches_nothing_and_3b_alone_can_breach(w3, app, time_machine):
    _case, review = w3.case_at_level()
    w3.through(review, "3a")
    time_machine.move_to(datetime(2026, 11, 23, 16, 0, tzinfo=NY), tick=False)
    assert "BREACH_3B: 1" in sweep(app)
    assert not w3.escalations("BREACH_3A")
    w3.signed_in = None
    assert w3.determine(review).get_json()["control_status"] == "breached"
    sweep(app)
    assert len(w3.escalations("BREACH_3B")) == 1


def test_superseded_and_complete_reviews_are_not_swept(w3, app, time_machine):
    case_ref, review = w3.case_at_level()
    w3.released(case_ref, days_ago=0.01)  # step-up supersedes the warning review
    step_up = w3.review_id(case_ref)
    w3.through(step_up, "3c")
    time_machine.move_to(datetime(2026, 11, 25, 12, 0, tzinfo=NY), tick=False)
    sweep(app)
    assert not w3.escalations("BREACH_3A") and not w3.escalations("BREACH_3B")
