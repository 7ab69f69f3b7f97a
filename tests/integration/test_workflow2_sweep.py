"""`flask sweep` and workflow 2 with time travel: E4, BREACH_2A, BREACH_2C and E6, each raised once,
on business time (17:00, weekends, Thanksgiving), and the archive chain intact afterwards."""
from datetime import timedelta

import pytest

from tests.support.clock import ny
from tests.support.worlds import TUESDAY, recovery_row


# --- 2a: not opened in time ----------------------------------------------------------------------

def test_a_high_risk_case_not_opened_within_15_minutes_raises_e4_once(sweep, app):
    case_id = sweep.at(TUESDAY).case(risk_flags=["medication"])
    sweep.at(TUESDAY + timedelta(minutes=14)).run()
    assert sweep.raised("E4") == []
    output = sweep.at(TUESDAY + timedelta(minutes=16)).run()
    assert "E4: 1" in output
    e4 = sweep.raised("E4", case_id)
    assert len(e4) == 1 and e4[0]["level"] == "service_supervisor"
    assert sweep.raised("BREACH_2A") == []  # a high-risk case escalates as E4, not as a plain breach
    assert "E4" in recovery_row(app, case_id)["escalation_status"]
    assert "escalations raised: none" in sweep.run()
    sweep.at(TUESDAY + timedelta(minutes=40)).run()
    assert len(sweep.raised("E4")) == 1
    supervisor_inbox = sweep.get("/api/v1/escalations?level=service_supervisor", "sade").get_json()["items"]
    assert [e["rule"] for e in supervisor_inbox] == ["E4"]


def test_a_high_risk_case_opened_in_time_raises_no_e4(sweep):
    case_id = sweep.case(risk_flags=["crisis"])
    sweep.at(TUESDAY + timedelta(minutes=10))
    assert sweep.open(case_id).get_json()["control_status"] == "met"
    sweep.attempted(case_id)
    sweep.at(TUESDAY + timedelta(minutes=30)).run()
    assert sweep.raised("E4") == []


def test_a_case_not_opened_within_1_business_hour_is_breached(sweep):
    case_id = sweep.case()
    sweep.at(TUESDAY + timedelta(minutes=59)).run()
    assert sweep.raised("BREACH_2A") == []
    sweep.at(TUESDAY + timedelta(minutes=61)).run()
    breach = sweep.raised("BREACH_2A", case_id)
    assert len(breach) == 1 and breach[0]["level"] == "service_supervisor"
    assert sweep.raised("E4") == []  # no tier yet and not high-risk
    sweep.run()
    assert len(sweep.raised("BREACH_2A")) == 1


def test_instructed_friday_1630_is_not_breached_on_the_weekend_but_on_monday_0931(sweep):
    friday = ny(2026, 11, 20, 16, 30)
    case_id = sweep.at(friday).case()
    assert sweep.read(case_id, "sade").get_json()["open_due_at"].startswith("2026-11-23T14:30:00")  # Mon 09:30
    for moment in (ny(2026, 11, 20, 17, 30), ny(2026, 11, 21, 12, 0), ny(2026, 11, 22, 23, 0),
                   ny(2026, 11, 23, 9, 29)):
        sweep.at(moment).run()
        assert sweep.raised("BREACH_2A") == [], moment
    sweep.at(ny(2026, 11, 23, 9, 31)).run()
    assert len(sweep.raised("BREACH_2A", case_id)) == 1


def test_instructed_the_day_before_thanksgiving_is_not_breached_on_thanksgiving(sweep):
    wednesday = ny(2026, 11, 25, 16, 30)
    case_id = sweep.at(wednesday).case()
    for moment in (ny(2026, 11, 25, 17, 31), ny(2026, 11, 26, 9, 31), ny(2026, 11, 26, 16, 0),
                   ny(2026, 11, 27, 9, 29)):
        sweep.at(moment).run()
        assert sweep.raised("BREACH_2A") == [], moment
    sweep.at(ny(2026, 11, 27, 9, 31)).run()
    assert len(sweep.raised("BREACH_2A", case_id)) == 1


def test_a_case_opened_late_is_not_breached_afterwards(sweep):
    case_id = sweep.case()
    sweep.at(TUESDAY + timedelta(minutes=70))
    assert sweep.open(case_id, recovery_priority_tier="2").get_json()["control_status"] == "breached"
    sweep.run()
    assert sweep.raised("BREACH_2A") == []  # the record carries the breach; the sweep only chases open work


# --- E4: opened with no attempt within 1 hour ----------------------------------------------------

@pytest.mark.parametrize(("tier", "risk_flags", "attempt", "raised"), [
    pytest.param("1", (), False, True, id="tier-1-no-attempt"),
    pytest.param("1", ("intensive_support",), False, True, id="high-risk-no-attempt"),
    pytest.param("2", (), False, False, id="tier-2-no-attempt"),
    pytest.param("1", (), True, False, id="tier-1-with-attempt"),
])
def test_an_opened_tier_1_case_with_no_attempt_within_an_hour_raises_e4(sweep, tier, risk_flags, attempt, raised):
    case_id = sweep.case(risk_flags=risk_flags)
    sweep.at(TUESDAY + timedelta(minutes=5))
    assert sweep.open(case_id, recovery_priority_tier=tier).status_code == 200
    if attempt:
        sweep.at(TUESDAY + timedelta(minutes=50))
        sweep.attempted(case_id)
    sweep.at(TUESDAY + timedelta(minutes=64)).run()
    assert sweep.raised("E4") == []
    sweep.at(TUESDAY + timedelta(minutes=66)).run()
    e4 = sweep.raised("E4", case_id)
    assert len(e4) == int(raised)
    sweep.at(TUESDAY + timedelta(hours=3)).run()
    assert len(sweep.raised("E4")) == int(raised)


# --- 2c: no disposition by the end of the business day --------------------------------------------

def test_no_disposition_by_the_end_of_the_business_day_is_breached_to_the_manager(sweep):
    undisposed = sweep.case()
    disposed = sweep.case()
    never_opened = sweep.case()
    continued = sweep.case()
    sweep.at(TUESDAY + timedelta(minutes=10))
    for case_id in (undisposed, disposed, continued):
        assert sweep.open(case_id, recovery_priority_tier="2").status_code == 200
    assert sweep.dispose(disposed, continuity_restored="no").status_code == 201
    assert sweep.dispose(continued, continuity_restored="no", locked_instruction="continued_outreach",
                         instruction_detail="olu").status_code == 201
    sweep.at(ny(2026, 11, 17, 16, 59)).run()
    assert sweep.raised("BREACH_2C") == []
    sweep.at(ny(2026, 11, 17, 17, 1)).run()
    breached = {e["subject_id"] for e in sweep.raised("BREACH_2C")}
    assert breached == {undisposed, never_opened}
    assert {e["level"] for e in sweep.raised("BREACH_2C")} == {"manager"}
    sweep.at(ny(2026, 11, 18, 12, 0)).run()
    assert len(sweep.raised("BREACH_2C")) == 2


def test_a_high_risk_disposition_is_due_within_2_business_hours(sweep):
    case_id = sweep.case(risk_flags=["safeguarding"])
    sweep.at(TUESDAY + timedelta(minutes=5))
    sweep.open(case_id)
    sweep.attempted(case_id)
    sweep.at(ny(2026, 11, 17, 11, 59)).run()
    assert sweep.raised("BREACH_2C") == []
    sweep.at(ny(2026, 11, 17, 12, 1)).run()
    assert len(sweep.raised("BREACH_2C", case_id)) == 1


# --- E6: high-risk unresolved at the close of the business day ------------------------------------

def test_a_high_risk_case_not_restored_at_close_raises_e6_once(sweep):
    open_only = sweep.case(risk_flags=["crisis"])
    restored = sweep.case(risk_flags=["medication"])
    not_restored = sweep.case(risk_flags=["medication"])
    partial = sweep.case(risk_flags=["safeguarding"])
    ordinary = sweep.case()
    sweep.at(TUESDAY + timedelta(minutes=5))
    for case_id in (open_only, restored, not_restored, partial, ordinary):
        assert sweep.open(case_id).status_code == 200
    reached = {case_id: sweep.attempted(case_id, outcome="reached")["id"] for case_id in (restored, partial)}
    assert sweep.dispose(restored, evidence=[reached[restored]], continuity_restored="yes").status_code == 201
    assert sweep.dispose(partial, evidence=[reached[partial]], continuity_restored="partial").status_code == 201
    assert sweep.dispose(not_restored, continuity_restored="no",
                         locked_instruction="welfare_escalation").status_code == 201
    sweep.at(ny(2026, 11, 17, 16, 59)).run()
    assert sweep.raised("E6") == []
    output = sweep.at(ny(2026, 11, 17, 17, 0, 30)).run()
    assert "E6: 3" in output
    e6 = sweep.raised("E6")
    assert {e["subject_id"] for e in e6} == {open_only, not_restored, partial}
    assert {e["level"] for e in e6} == {"executive"}
    for moment in (ny(2026, 11, 17, 17, 30), ny(2026, 11, 18, 17, 30), ny(2026, 11, 20, 18, 0)):
        sweep.at(moment).run()
    assert len(sweep.raised("E6")) == 3
    sweep.auth.user("exec", "executive")
    assert len(sweep.get("/api/v1/escalations?level=executive", "exec").get_json()["items"]) == 3


def test_a_later_restoring_disposition_before_close_prevents_e6(sweep):
    case_id = sweep.case(risk_flags=["crisis"])
    sweep.at(TUESDAY + timedelta(minutes=5))
    sweep.open(case_id)
    assert sweep.dispose(case_id, continuity_restored="no", locked_instruction="welfare_escalation").status_code == 201
    sweep.at(ny(2026, 11, 17, 15, 0))
    reached = sweep.attempted(case_id, outcome="reached")
    assert sweep.dispose(case_id, evidence=[reached["id"]], continuity_restored="yes").status_code == 201
    sweep.at(ny(2026, 11, 17, 17, 1)).run()
    assert sweep.raised("E6") == []


# --- idempotency and the archive -----------------------------------------------------------------

def test_running_the_sweep_twice_raises_nothing_twice_and_the_archive_verifies(sweep, auth):
    sweep.case(risk_flags=["medication"])      # E4 not opened, BREACH_2C, E6
    sweep.case()                                # BREACH_2A, BREACH_2C
    opened = sweep.case()                       # E4 no attempt, BREACH_2C
    sweep.at(TUESDAY + timedelta(minutes=5))
    sweep.open(opened)
    sweep.at(ny(2026, 11, 17, 17, 30))
    first = sweep.run()
    rules = sorted(e["rule"] for e in sweep.raised())
    assert rules == sorted(["E4", "E4", "E6", "BREACH_2A", "BREACH_2C", "BREACH_2C", "BREACH_2C"]), rules
    archived = len(sweep.folder("escalations"))
    second = sweep.run()
    assert "escalations raised: none" in second and first != second
    sweep.at(ny(2026, 11, 18, 10, 0)).run()
    assert sorted(e["rule"] for e in sweep.raised()) == rules
    assert len(sweep.folder("escalations")) == archived
    sweep.verify_archive()
    auth.user("exec", "executive")
    inbox = sweep.get("/api/v1/escalations?level=executive", "exec").get_json()["items"]
    assert [e["rule"] for e in inbox] == ["E6"]
