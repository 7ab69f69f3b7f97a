"""The outcome figures against hand-built organisations, through pwa.outcomes and GET /api/v1/outcomes.

Every expected number below is worked out by hand from the records each test makes, at business
calendar America/New_York, Mon-Fri 09:00-17:00, US public holidays. Times are local (NY) unless marked.
"""
import csv
import io
from datetime import date, timedelta

import pytest

from conftest import sign_in_body
from pwa.extensions import db
from pwa.outcomes import figures
from pwa.outcomes.definitions import FIGURES
from pwa.outcomes.filters import OutcomeFilters
from tests.support.clock import ny
from tests.support.outcome_world import Org

LATER = ny(2026, 12, 15, 12)  # "now" for most tests: every deadline of November has passed


def period(start: date, end: date, **kwargs) -> OutcomeFilters:
    return OutcomeFilters(start=start, end=end, **kwargs)


def fv(values, key):
    found = values[key]
    return found.value, found.numerator, found.denominator


@pytest.fixture
def org(app, time_machine):
    time_machine.move_to(LATER, tick=False)
    with app.app_context():
        yield Org()
        db.session.remove()


# --- workflow 1 ---------------------------------------------------------------------------------------

def workflow_one(org: Org) -> dict:
    """Four missed appointments in the week of Monday 16 Nov 2026.

    a  North, Mon 10:00, opened 10:20 by cora (due 10:45: in time); confirmed 11:00 by sam as an access
       barrier with a service contribution (due 12:20: in time); released (clinical).
    b  North, Mon 11:00, opened 12:00 by cody (due 11:45: late); returned 13:00 (due 14:00: in time),
       evidence 15:00 re-queues it (due 17:00), confirmed Tue 10:00 as person refusal: late.
    c  South, Tue 09:00, opened 09:20 by cora; never classified (due 11:20: overdue).
    d  South, Tue 13:00, detected by the schedule feed at 13:20 and never opened: not an event (it is
       escalated by the sweep and waits on the Today list), so no figure here counts it.
    """
    north, north2 = org.case("North", "olu"), org.case("North", "olu")
    south, south2 = org.case("South", "otto"), org.case("South", "otto")
    a = org.open(north, ny(2026, 11, 16, 10), ny(2026, 11, 16, 10, 20))
    org.classify(a, ny(2026, 11, 16, 11), final="access_barrier")
    org.release(a, ny(2026, 11, 16, 11, 10), route="clinical")
    b = org.open(north2, ny(2026, 11, 16, 11), ny(2026, 11, 16, 12), by="cody")
    org.classify(b, ny(2026, 11, 16, 13), outcome="return_for_evidence", final="undetermined")
    org.evidence(b, ny(2026, 11, 16, 15), by="cody")
    org.classify(b, ny(2026, 11, 17, 10), final="person_refusal", by="sue")
    org.open(south, ny(2026, 11, 17, 9), ny(2026, 11, 17, 9, 20))
    org.appointment(south2, ny(2026, 11, 17, 13), seen_at=ny(2026, 11, 17, 13, 20))
    return {"a": a, "b": b}


WEEK = (date(2026, 11, 16), date(2026, 11, 22))


def test_workflow_one_figures_for_the_whole_organisation(org):
    workflow_one(org)
    values = figures.compute(period(*WEEK))
    assert fv(values, "opened_within_30_minutes") == (pytest.approx(2 / 3), 2, 3)  # a, c of a, b, c
    assert fv(values, "classified_within_2_business_hours") == (pytest.approx(1 / 3), 1, 3)  # a of a, b, c
    assert fv(values, "service_side_contribution") == (0.5, 1, 2)           # a of a, b (confirmed)
    assert fv(values, "returned_for_evidence") == (0.5, 1, 2)               # b of a, b (challenged)


def test_side_by_side_and_one_by_one_give_the_same_figures(app, org):
    """On PostgreSQL the queries of one call run on several connections in one snapshot; one by one,
    in the session, they must give exactly the same numbers (on SQLite both are one by one)."""
    workflow_one(org)
    workflow_two(org)
    together = (figures.compute(period(*NOVEMBER)), figures.breakdown(period(*NOVEMBER), "worker"),
                figures.escalations_by_level(period(*NOVEMBER)))
    side_by_side, app.config["OUTCOME_QUERY_CONNECTIONS"] = app.config["OUTCOME_QUERY_CONNECTIONS"], 1
    try:
        assert (figures.compute(period(*NOVEMBER)), figures.breakdown(period(*NOVEMBER), "worker"),
                figures.escalations_by_level(period(*NOVEMBER))) == together
    finally:
        app.config["OUTCOME_QUERY_CONNECTIONS"] = side_by_side
    assert side_by_side > 1
    assert together[0]["opened_within_30_minutes"].denominator == 8   # a, b, c and the five recoveries


def test_workflow_one_figures_by_team_and_coordinator(org):
    workflow_one(org)
    north = figures.compute(period(*WEEK, team="North"))
    assert fv(north, "opened_within_30_minutes") == (0.5, 1, 2)
    assert fv(north, "classified_within_2_business_hours") == (0.5, 1, 2)
    south = figures.compute(period(*WEEK, team="South"))
    assert fv(south, "opened_within_30_minutes") == (1.0, 1, 1)
    # One decided event, classified late: a real zero. Nothing confirmed or challenged: no data, not 0 %.
    assert fv(south, "classified_within_2_business_hours") == (0.0, 0, 1)
    assert fv(south, "service_side_contribution") == (None, 0, 0)
    assert fv(south, "returned_for_evidence") == (None, 0, 0)

    cora = figures.compute(period(*WEEK, worker_id=org.user("cora").id))
    assert fv(cora, "opened_within_30_minutes") == (1.0, 2, 2)
    assert fv(cora, "classified_within_2_business_hours") == (0.5, 1, 2)
    assert fv(cora, "returned_for_evidence") == (0.0, 0, 1)
    cody = figures.compute(period(*WEEK, worker_id=org.user("cody").id))
    assert fv(cody, "opened_within_30_minutes") == (0.0, 0, 1)
    assert fv(cody, "returned_for_evidence") == (1.0, 1, 1)

    teams = dict(figures.breakdown(period(*WEEK), "team"))
    assert list(teams) == ["North", "South"]
    assert fv(teams["South"], "opened_within_30_minutes") == (1.0, 1, 1)
    coordinator_figures = ["opened_within_30_minutes", "classified_within_2_business_hours",
                           "service_side_contribution", "returned_for_evidence"]
    workers = figures.breakdown(period(*WEEK), "worker", coordinator_figures)
    assert [label for label, _values in workers] == ["cody (cody)", "cora (cora)"]
    # Over every figure, each worker is whoever that figure's worker is: here also the outreach workers
    # of the cases (repeat missed visits).
    assert [label for label, _v in figures.breakdown(period(*WEEK), "worker")] == [
        "cody (cody)", "cora (cora)", "olu (olu)", "otto (otto)"]
    assert fv(dict(workers)["cody (cody)"], "opened_within_30_minutes") == (0.0, 0, 1)


def test_undecided_records_wait_and_an_empty_period_has_no_data(org, time_machine):
    """At 09:50 on Tue 17 Nov an event opened at 09:20 is still inside its classification deadline (11:20):
    it does not count yet, for or against."""
    org.open(org.case("South", "otto"), ny(2026, 11, 17, 9), ny(2026, 11, 17, 9, 20))
    tuesday = period(date(2026, 11, 17), date(2026, 11, 17))
    time_machine.move_to(ny(2026, 11, 17, 9, 50), tick=False)
    assert fv(figures.compute(tuesday), "classified_within_2_business_hours") == (None, 0, 0)
    time_machine.move_to(ny(2026, 11, 17, 11, 20), tick=False)  # the deadline itself: still in time
    assert fv(figures.compute(tuesday), "classified_within_2_business_hours") == (None, 0, 0)
    time_machine.move_to(ny(2026, 11, 17, 11, 21), tick=False)
    assert fv(figures.compute(tuesday), "classified_within_2_business_hours") == (0.0, 0, 1)

    empty = figures.compute(period(date(2026, 10, 1), date(2026, 10, 31)))
    for figure in FIGURES:
        value, numerator, denominator = fv(empty, figure.key)
        if figure.unit == "count":
            assert value == 0, figure.key
        else:
            assert value is None, figure.key  # no data, never 0 %
        assert denominator in (0, None) and numerator in (0, None)


def test_codes_attempted_without_evidence_are_counted_by_when_they_were_refused(org):
    north = org.case("North", "olu")
    org.code_without_release(north, ny(2026, 11, 18, 10, 30), by="cora")
    org.code_without_release(north, ny(2026, 11, 20, 16), by="cody")
    org.code_without_release(north, ny(2026, 11, 23, 0, 5), by="cora")   # Monday after: next period
    values = figures.compute(period(*WEEK))
    assert fv(values, "codes_without_evidence") == (2, 2, None)
    assert fv(figures.compute(period(*WEEK, worker_id=org.user("cody").id)), "codes_without_evidence") == (1, 1, None)
    assert fv(figures.compute(period(*WEEK, team="South")), "codes_without_evidence") == (0, 0, None)
    rows = figures.records("codes_without_evidence", period(*WEEK))
    assert [r["side"] for r in rows] == ["E1", "E1"] and rows[0]["case_ref"] == north
    assert rows[0]["url"].startswith("/escalations#escalation-")
    assert rows[0]["archive_url"].startswith("/archive/entries/")


# --- workflow 2 ---------------------------------------------------------------------------------------

def workflow_two(org: Org) -> dict:
    """Five recovery cases. Each miss goes through workflow 1 in 30 minutes, so the recovery case is
    instructed at +30 min (its time base) and opened at +40.

    r1 North, miss Tue 17 Nov 10:00, instructed 10:30: no answer 11:10, reached 14:00 -> the same day;
       first attempt +40 min.
    r2 North, miss Tue 17 Nov 23:30, instructed Wed 00:00 (its business day is Wednesday), reached
       00:30 -> the same day, just past midnight; first attempt +30 min.
    r3 South, high-risk, instructed Wed 18 Nov 10:30: no answer 11:00, reached Thu 09:30, restored Thu
       10:00 -> not the same day, unresolved at Wednesday's close (E6's rule); first attempt +30 min.
    r4 South, high-risk, instructed Thu 19 Nov 10:30: reached 11:00 -> the same day, restored 11:30 ->
       resolved at the close; first attempt +30 min.
    r5 North, instructed on Thanksgiving, Thu 26 Nov 10:30 (a holiday: its business day is Friday),
       reached Fri 11:00 -> the same day; first attempt +1470 min (24.5 hours).
    """
    r1 = org.recovery(org.case("North", "olu"), ny(2026, 11, 17, 10))
    org.attempt(r1, ny(2026, 11, 17, 11, 10), "no_answer")
    org.attempt(r1, ny(2026, 11, 17, 14), "reached")
    r2 = org.recovery(org.case("North", "olu"), ny(2026, 11, 17, 23, 30))
    org.attempt(r2, ny(2026, 11, 18, 0, 30), "reached")
    r3 = org.recovery(org.case("South", "otto", high_risk=True), ny(2026, 11, 18, 10), by="otto", high_risk=True)
    org.attempt(r3, ny(2026, 11, 18, 11), "no_answer", by="otto")
    reached = org.attempt(r3, ny(2026, 11, 19, 9, 30), "reached", by="otto")
    org.dispose(r3, ny(2026, 11, 19, 10), "yes", evidence=[reached])
    r4 = org.recovery(org.case("South", "otto", high_risk=True), ny(2026, 11, 19, 10), by="otto", high_risk=True)
    reached = org.attempt(r4, ny(2026, 11, 19, 11), "reached", by="otto")
    org.dispose(r4, ny(2026, 11, 19, 11, 30), "yes", evidence=[reached])
    r5 = org.recovery(org.case("North", "olu"), ny(2026, 11, 26, 10))
    org.attempt(r5, ny(2026, 11, 27, 11), "reached")
    return {"r1": r1, "r2": r2, "r3": r3, "r4": r4, "r5": r5}


NOVEMBER = (date(2026, 11, 16), date(2026, 11, 30))


def test_recovery_figures_across_midnight_and_a_holiday(org):
    workflow_two(org)
    values = figures.compute(period(*NOVEMBER))
    assert fv(values, "same_day_reengagement") == (0.8, 4, 5)                 # r1, r2, r4, r5
    assert fv(values, "median_minutes_to_first_attempt") == (30.0, None, 5)   # 30 30 30 40 1470
    assert fv(values, "high_risk_unresolved_at_close") == (1, 1, 2)           # r3 of r3, r4
    # Workflow 1 ran on time for all five (opened +10, classified +20, on a holiday too).
    assert fv(values, "opened_within_30_minutes") == (1.0, 5, 5)
    assert fv(values, "classified_within_2_business_hours") == (1.0, 5, 5)

    north = figures.compute(period(*NOVEMBER, team="North"))
    assert fv(north, "same_day_reengagement") == (1.0, 3, 3)
    assert fv(north, "median_minutes_to_first_attempt") == (40.0, None, 3)    # 30 40 1470
    assert fv(north, "high_risk_unresolved_at_close") == (0, 0, 0)
    otto = figures.compute(period(*NOVEMBER, worker_id=org.user("otto").id))
    assert fv(otto, "same_day_reengagement") == (0.5, 1, 2)
    assert fv(otto, "high_risk_unresolved_at_close") == (1, 1, 2)
    # The case instructed just after midnight belongs to Wednesday; the miss behind it to Tuesday.
    tuesday = figures.compute(period(date(2026, 11, 17), date(2026, 11, 17)))
    assert fv(tuesday, "same_day_reengagement") == (1.0, 1, 1)
    assert fv(tuesday, "opened_within_30_minutes") == (1.0, 2, 2)
    days = figures.trend(period(date(2026, 11, 17), date(2026, 11, 18)), "same_day_reengagement", "day")
    assert [fv(values, "same_day_reengagement") for _day, values in days] == [(1.0, 1, 1), (0.5, 1, 2)]


def test_a_recovery_case_waits_until_the_close_unless_it_already_reached_the_person(org, time_machine):
    recovery = org.recovery(org.case("North", "olu"), ny(2026, 11, 17, 10))
    org.attempt(recovery, ny(2026, 11, 17, 11, 10), "no_answer")
    tuesday = period(date(2026, 11, 17), date(2026, 11, 17))
    time_machine.move_to(ny(2026, 11, 17, 12), tick=False)
    assert fv(figures.compute(tuesday), "same_day_reengagement") == (None, 0, 0)
    time_machine.move_to(ny(2026, 11, 17, 17), tick=False)  # the closing instant: the day is over
    assert fv(figures.compute(tuesday), "same_day_reengagement") == (0.0, 0, 1)
    time_machine.move_to(LATER, tick=False)
    records = figures.records("same_day_reengagement", tuesday)
    assert [(r["id"], r["side"], r["url"]) for r in records] == [
        (recovery, "not reached the same day", f"/recovery/{recovery}")]


def test_repeat_missed_visits_within_30_local_days(org):
    """October 2026; DST ends on 1 Nov, so 20 Oct 10:00 EDT to 19 Nov 10:00 EST is 30 days and 1 hour."""
    a, b, c = org.case("North", "olu"), org.case("North", "olu"), org.case("South", "otto")
    org.open(a, ny(2026, 10, 20, 10), ny(2026, 10, 20, 10, 10))
    org.open(a, ny(2026, 11, 19, 10), ny(2026, 11, 19, 10, 10))     # the 30th day: a repeat
    org.open(b, ny(2026, 10, 20, 10), ny(2026, 10, 20, 10, 10))
    org.open(b, ny(2026, 11, 20, 9), ny(2026, 11, 20, 9, 10))       # the 31st day: not one
    org.open(c, ny(2026, 9, 25, 10), ny(2026, 9, 25, 10, 10))       # before the period
    org.open(c, ny(2026, 10, 5, 10), ny(2026, 10, 5, 10, 10))       # c's first in October ...
    org.open(c, ny(2026, 10, 6, 16), ny(2026, 10, 6, 16, 10))       # ... and a repeat the next day
    october = period(date(2026, 10, 1), date(2026, 10, 31))
    assert fv(figures.compute(october), "repeat_missed_within_30_days") == (pytest.approx(2 / 3), 2, 3)
    assert fv(figures.compute(OutcomeFilters(date(2026, 10, 1), date(2026, 10, 31), team="South")),
              "repeat_missed_within_30_days") == (1.0, 1, 1)
    assert fv(figures.compute(OutcomeFilters(date(2026, 10, 1), date(2026, 10, 31), worker_id=org.user("olu").id)),
              "repeat_missed_within_30_days") == (0.5, 1, 2)
    weeks = figures.trend(october, "repeat_missed_within_30_days", "week")
    assert [(start, fv(values, "repeat_missed_within_30_days")) for start, values in weeks] == [
        (date(2026, 10, 1), (None, 0, 0)), (date(2026, 10, 5), (1.0, 1, 1)), (date(2026, 10, 12), (None, 0, 0)),
        (date(2026, 10, 19), (0.5, 1, 2)), (date(2026, 10, 26), (None, 0, 0))]
    sides = {r["case_ref"]: r["side"] for r in figures.records("repeat_missed_within_30_days", october)}
    assert sides == {a: "missed again within 30 days", b: "no repeat within 30 days", c: "missed again within 30 days"}


# --- local days across daylight-saving changes ---------------------------------------------------------

def test_periods_and_daily_buckets_follow_local_midnight_across_dst(org):
    case = org.case("North", "olu")
    for at in (ny(2026, 10, 31, 23, 30),   # EDT: 03:30 UTC on 1 Nov, still 31 Oct here
               ny(2026, 11, 1, 0, 30),     # EDT
               ny(2026, 11, 1, 23, 30),    # EST: 04:30 UTC on 2 Nov, still 1 Nov here (a 25-hour day)
               ny(2026, 11, 2, 0, 15),     # EST
               ny(2026, 3, 7, 23, 30),     # EST
               ny(2026, 3, 8, 23, 30),     # EDT: 03:30 UTC on 9 Mar (a 23-hour day)
               ny(2026, 3, 9, 0, 30)):     # EDT
        org.open(case, at, at + timedelta(minutes=10))
    opened = "opened_within_30_minutes"
    assert fv(figures.compute(period(date(2026, 11, 1), date(2026, 11, 1))), opened) == (1.0, 2, 2)
    assert fv(figures.compute(period(date(2026, 3, 8), date(2026, 3, 8))), opened) == (1.0, 1, 1)
    days = figures.trend(period(date(2026, 10, 31), date(2026, 11, 2)), opened, "day")
    assert [(start, values[opened].denominator) for start, values in days] == [
        (date(2026, 10, 31), 1), (date(2026, 11, 1), 2), (date(2026, 11, 2), 1)]
    days = figures.trend(period(date(2026, 3, 7), date(2026, 3, 9)), opened, "day")
    assert [values[opened].denominator for _start, values in days] == [1, 1, 1]
    months = figures.trend(period(date(2026, 3, 7), date(2026, 11, 2)), opened, "month")
    assert [(start, values[opened].denominator) for start, values in months if values[opened].denominator] == [
        (date(2026, 3, 7), 3), (date(2026, 10, 1), 1), (date(2026, 11, 1), 3)]


# --- workflow 3 and escalations ------------------------------------------------------------------------

def test_threshold_governance_figures(org):
    north, south = org.case("North", "olu"), org.case("South", "otto")
    first = org.review(north, ny(2026, 11, 16, 10), reviewed_by="gina")
    second = org.review(south, ny(2026, 11, 30, 23, 30))               # 04:30 UTC on 1 Dec: still November
    org.review(south, ny(2026, 12, 1, 0, 30))                          # December
    warning = org.determination(first, ny(2026, 11, 17, 10), "warning")
    org.determination(second, ny(2026, 11, 18, 10), "continue")
    told = org.communication(first, ny(2026, 11, 19, 10), objection=True)
    org.restriction(first, warning, told, ny(2026, 11, 20, 10), "warning")
    org.restriction(first, warning, told, ny(2026, 11, 20, 11), "closure")
    values = figures.compute(period(date(2026, 11, 1), date(2026, 11, 30)))
    assert fv(values, "threshold_reviews") == (2, 2, None)
    assert fv(values, "restrictive_decisions") == (1, 1, 2)
    assert fv(values, "appeals") == (1, 1, 1)
    assert fv(values, "closures") == (1, 1, None)
    south_only = figures.compute(period(date(2026, 11, 1), date(2026, 11, 30), team="South"))
    assert fv(south_only, "threshold_reviews") == (1, 1, None) and fv(south_only, "closures") == (0, 0, None)
    gina = figures.compute(period(date(2026, 11, 1), date(2026, 11, 30), worker_id=org.user("gina").id))
    assert fv(gina, "threshold_reviews") == (1, 1, None)
    rows = figures.records("restrictive_decisions", period(date(2026, 11, 1), date(2026, 11, 30)))
    assert [(r["side"], r["url"]) for r in rows] == [
        ("restrictive", f"/threshold-reviews/{first}"),
        ("continue or enhanced support", f"/threshold-reviews/{second}")]


def test_escalations_by_level_with_the_median_time_to_acknowledge(org):
    case = org.case("North", "olu")
    org.escalation("E2", case, ny(2026, 11, 16, 10), ny(2026, 11, 16, 10, 10), by="mona")        # 10 min
    org.escalation("E2", case, ny(2026, 11, 17, 10), ny(2026, 11, 17, 10, 40), by="max")         # 40 min
    org.escalation("BREACH_1B", case, ny(2026, 11, 20, 23, 50), ny(2026, 11, 21, 0, 10), by="mona")  # 20, over midnight
    org.escalation("BREACH_2C", case, ny(2026, 11, 18, 9), ny(2026, 11, 18, 10), by="mona")      # 60 min
    org.escalation("E6", case, ny(2026, 11, 19, 17, 5))                                          # still open
    levels = {row.level: row for row in figures.escalations_by_level(period(*WEEK))}
    assert levels["manager"] == ("manager", 4, 4, 30.0)          # median of 10, 20, 40, 60
    assert levels["executive"] == ("executive", 1, 0, None)
    assert levels["director"] == ("director", 0, 0, None)
    values = figures.compute(period(*WEEK))
    assert fv(values, "escalations_raised") == (5, 5, None)
    assert fv(values, "median_minutes_to_acknowledge") == (30.0, None, 4)
    mona = period(*WEEK, worker_id=org.user("mona").id)
    assert fv(figures.compute(mona), "median_minutes_to_acknowledge") == (20.0, None, 3)   # 10, 20, 60
    assert {r.level: r.raised for r in figures.escalations_by_level(mona)}["manager"] == 3


# --- the API ---------------------------------------------------------------------------------------------

def _sign_in(app, client, name):
    response = client.post("/api/v1/session", json=sign_in_body(app, name, "correct horse battery"))
    assert response.status_code == 200, response.get_json()


def test_the_api_gives_every_figure_with_its_definition(app, client, org):
    workflow_one(org)
    _sign_in(app, client, "mona")
    response = client.get("/api/v1/outcomes?from=2026-11-16&to=2026-11-22&breakdown=team&bucket=day")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["filters"] == {"from": "2026-11-16", "to": "2026-11-22", "team": None, "worker": None,
                               "timezone": "America/New_York", "as_of": "2026-12-15T17:00:00Z"}
    assert [f["key"] for f in body["figures"]] == [f.key for f in FIGURES]
    opened = body["figures"][0]
    assert opened["key"] == "opened_within_30_minutes" and opened["unit"] == "share"
    assert (opened["value"], opened["numerator"], opened["denominator"]) == (0.6667, 2, 3)
    assert "30 minutes" in opened["definition"] and opened["worker"].startswith("the coordinator")
    service = next(f for f in body["figures"] if f["key"] == "service_side_contribution")
    assert service["value"] == 0.5
    assert [g["label"] for g in body["breakdown"]["groups"]] == ["North", "South"]
    south = {f["key"]: f for f in body["breakdown"]["groups"][1]["figures"]}
    assert south["returned_for_evidence"] == {"key": "returned_for_evidence", "value": None, "numerator": 0,
                                              "denominator": 0}
    assert [b["start"] for b in body["trend"]["buckets"]] == [f"2026-11-{d}" for d in range(16, 23)]
    per_day = [{f["key"]: f for f in bucket["figures"]} for bucket in body["trend"]["buckets"]]
    assert [day["opened_within_30_minutes"]["denominator"] for day in per_day] == [2, 1, 0, 0, 0, 0, 0]
    assert [row["level"] for row in body["escalations_by_level"]][:3] == [
        "attendance_supervisor", "service_supervisor", "manager"]
    filtered = client.get(f"/api/v1/outcomes?from=2026-11-16&to=2026-11-22&team=South&worker={org.user('cora').id}")
    opened = filtered.get_json()["figures"][0]
    assert (opened["numerator"], opened["denominator"]) == (1, 1)   # c (cora, South)


def _csv(response):
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment; filename=continuity-outcomes-")
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def test_every_table_exports_as_csv_with_formulas_defused(app, client, org):
    workflow_one(org)
    org.case("=HYPERLINK(\"http://evil.example\")", "olu", ref="C-EVIL")
    org.open("C-EVIL", ny(2026, 11, 18, 10), ny(2026, 11, 18, 10, 5))
    _sign_in(app, client, "mona")
    base = "/api/v1/outcomes.csv?from=2026-11-16&to=2026-11-22"
    rows = _csv(client.get(base))
    assert rows[0] == ["group", "key", "label", "unit", "value", "numerator", "denominator", "definition", "worker"]
    assert [r[1] for r in rows[1:]] == [f.key for f in FIGURES]
    assert rows[1][4:7] == ["0.75", "3", "4"]                   # a, c and the new event, of four
    assert rows[2][4:7] == ["0.25", "1", "4"]
    team = _csv(client.get(base + "&table=team"))
    assert team[0] == ["team", "key", "label", "unit", "value", "numerator", "denominator"]
    assert {r[0] for r in team[1:]} == {"'=HYPERLINK(\"http://evil.example\")", "North", "South"}
    south_service = next(r for r in team if r[0] == "South" and r[1] == "service_side_contribution")
    assert south_service[4:] == ["", "0", "0"]                  # no data is an empty cell, not 0
    worker = _csv(client.get(base + "&table=worker"))
    assert "cora (cora)" in {r[0] for r in worker[1:]}
    trend = _csv(client.get(base + "&table=trend&bucket=week"))
    assert {r[0] for r in trend[1:]} == {"2026-11-16"} and len(trend) == 1 + len(FIGURES)
    levels = _csv(client.get(base + "&table=escalations"))
    assert levels[0] == ["level", "raised", "acknowledged", "median_minutes_to_acknowledge"] and len(levels) == 9
    records = _csv(client.get(base + "&table=records&figure=opened_within_30_minutes"))
    assert records[0][:3] == ["figure", "id", "kind"]
    assert [r[7] for r in records[1:]] == ["opened in time", "opened late", "opened in time", "opened in time"]
    assert records[2][2] == "missed_contact" and records[2][9] == f"/missed-contacts/{records[2][1]}"
    assert records[2][10].startswith("/archive/entries/")


@pytest.mark.parametrize("query, fields", [
    ("from=2026-13-01", {"from"}),
    ("from=yesterday&to=2026-02-30", {"from", "to"}),
    ("from=2026-11-30&to=2026-11-01", {"to"}),
    ("from=2025-01-01&to=2026-12-31", {"to"}),
    ("from=0999-01-01&to=1000-01-01", {"from", "to"}),
    ("worker=abc", {"worker"}),
    ("worker=99999999999999999999", {"worker"}),
    ("worker=2147483647", {"worker"}),
    ("team=" + "x" * 81, {"team"}),
    ("team=North%07", {"team"}),
    ("breakdown=case&bucket=year", {"breakdown", "bucket"}),
    ("from=%01&worker=-1&team=%0a&bucket=", {"from", "worker"}),  # a blank team is no team
])
def test_bad_filters_are_refused_field_by_field(app, client, org, query, fields):
    _sign_in(app, client, "mona")
    response = client.get("/api/v1/outcomes?" + query)
    assert response.status_code == 422, response.get_data(as_text=True)[:300]
    assert set(response.get_json()["errors"]) == fields


def test_a_nul_character_is_refused_before_any_figure(app, client, org):
    _sign_in(app, client, "mona")
    for path in ("/api/v1/outcomes?team=North%00", "/api/v1/outcomes.csv?from=%00"):
        response = client.get(path)
        assert response.status_code == 400 and response.get_json()["errors"]["_schema"]


@pytest.mark.parametrize("query, fields", [
    ("table=pivot", {"table"}), ("table=records", {"figure"}), ("table=records&figure=nope", {"figure"}),
    ("table=trend&bucket=hour&from=x", {"bucket", "from"}),
])
def test_bad_csv_requests_are_refused_field_by_field(app, client, org, query, fields):
    _sign_in(app, client, "mona")
    response = client.get("/api/v1/outcomes.csv?" + query)
    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == fields


@pytest.mark.parametrize("query", ["from=1900-01-01&to=1900-01-03", "from=2999-12-20", "from=2028-01-01&to=2028-12-31"])
def test_the_edges_of_the_calendar_answer_with_no_data(app, client, org, query):
    _sign_in(app, client, "mona")
    response = client.get(f"/api/v1/outcomes?{query}&bucket=month&breakdown=worker")
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert {f["value"] for f in response.get_json()["figures"] if f["unit"] != "count"} == {None}


def test_defaults_are_the_30_days_ending_today(app, client, org):
    _sign_in(app, client, "mona")
    body = client.get("/api/v1/outcomes").get_json()
    assert (body["filters"]["from"], body["filters"]["to"]) == ("2026-11-16", "2026-12-15")
    body = client.get("/api/v1/outcomes?from=2026-12-01").get_json()
    assert (body["filters"]["from"], body["filters"]["to"]) == ("2026-12-01", "2026-12-15")


@pytest.mark.parametrize("role, status", [
    ("manager", 200), ("director", 200), ("governance_lead", 200), ("auditor", 200), ("admin", 200),
    ("coordinator", 403), ("attendance_supervisor", 403), ("outreach_worker", 403), ("panel_chair", 403),
    ("integration", 403),
])
def test_managers_and_up_read_the_outcomes(app, client, auth, org, role, status):
    auth.as_role(role)
    assert client.get("/api/v1/outcomes").status_code == status
    assert client.get("/api/v1/outcomes.csv").status_code == status


def test_the_outcomes_are_in_the_openapi_document(client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert set(document["paths"]["/api/v1/outcomes"]["get"]["responses"]) == {"200", "400", "401", "403", "422"}
    assert "OutcomesOut" in document["components"]["schemas"]
    assert document["paths"]["/api/v1/outcomes.csv"]["get"]["responses"]["200"]["content"]["text/csv"]
