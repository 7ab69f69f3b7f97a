"""`flask demo` at any instant: it loads, and every role's landing screen has work on it, whatever the date
and hour (weekends, holidays, both DST nights, midnight, 29 February). On a closed day or at night the live
work sits on the last business day, still open."""
from datetime import UTC, datetime

import time_machine
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from conftest import empty_database, sign_in_body
from pwa.demo import DEMO_PASSWORD, load_demo
from pwa.extensions import db
from tests.support.clock import NY


def local(*args, fold=0) -> datetime:
    return datetime(*args, tzinfo=NY, fold=fold).astimezone(UTC)


class Visitor:
    """One demo user signed in through the real endpoint."""

    def __init__(self, app, username):
        self.client = app.test_client()
        # Demo users whose role needs a second factor are enrolled by the demo: sign_in_body adds their code.
        response = self.client.post("/api/v1/session", json=sign_in_body(app, username, DEMO_PASSWORD))
        assert response.status_code == 200, (username, response.get_json())

    def items(self, path) -> list[dict]:
        response = self.client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        return response.get_json()["items"]

    def landing(self) -> str:
        """The screen the user lands on after signing in."""
        response = self.client.get("/", follow_redirects=True)
        assert response.status_code == 200
        return response.text


def shows(page: str, items: list[dict], key: str = "case_ref") -> bool:
    return bool(items) and all(item[key] in page for item in items)


def assert_every_role_has_work(app) -> None:
    cora = Visitor(app, "cora")
    today = cora.landing()
    assert shows(today, cora.items("/api/v1/missed-contacts?status=returned")), "returned events on Today"
    assert shows(today, cora.items("/api/v1/missed-contacts?status=confirmed")), "events awaiting release on Today"
    with app.app_context():
        from pwa.intake.queries import pending_misses
        from pwa.clock import utcnow
        pending = pending_misses(utcnow())
        assert len(pending) >= 3 and any(p.overdue for p in pending), "detected misses still to open"
        assert all(p.appointment.case.case_ref in today for p in pending)
    sam = Visitor(app, "sam")
    assert shows(sam.landing(), sam.items("/api/v1/missed-contacts?status=queued")), "the classification queue"
    for worker in ("olu", "otto"):
        visitor = Visitor(app, worker)
        to_work = [r for r in visitor.items("/api/v1/recovery-cases") if r["status"] in ("instructed", "open")]
        assert shows(visitor.landing(), to_work), f"{worker}'s My day"
    sade = Visitor(app, "sade")
    board = sade.landing()
    assert shows(board, sade.items("/api/v1/recovery-cases?status=open")), "open cases on Close the day"
    assert shows(board, sade.items("/api/v1/recovery-cases?status=instructed")), "cases not opened yet"
    reviews = {r["status"] for r in Visitor(app, "gina").items("/api/v1/threshold-reviews")}
    assert {"awaiting_review", "awaiting_determination", "awaiting_communication", "complete"} <= reviews
    for user, rule in (("mona", "E2"), ("quinn", "E3"), ("dora", "E7"), ("sam", "E1")):
        open_rules = {e["rule"] for e in Visitor(app, user).items("/api/v1/escalations?status=open")}
        assert rule in open_rules, f"{user}'s inbox"
    # Section 4, back in care: tech support's queue, notices, flags and repeat misses on Today, make-ups and
    # closed cases on My day, on any date.
    tess = Visitor(app, "tess")
    support = tess.items("/api/v1/support-requests?status=open")
    assert shows(tess.landing(), support), "tech support's open requests"
    assert {r["status"] for r in tess.items("/api/v1/support-requests")} >= {"open", "resolved"}
    for words in ("Support unresolved", "Make-up to offer", "Notified absence"):
        assert words in today, f"{words} on Today"
    recovery = [r for worker in ("olu", "otto") for r in Visitor(app, worker).items("/api/v1/recovery-cases")]
    assert any(r["priority_raised"] and r["status"] == "instructed" for r in recovery), "a repeat miss to work"
    assert any(r["makeup_appointment_ref"] and r["status"] == "open" for r in recovery), "a make-up to come"
    closed = [r for r in recovery if r["status"] == "closed" and r["closure_reason"] == "reengaged"
              and r["reengaged_appointment_ref"]]
    assert closed, "a case closed re-engaged today"
    assert "Repeat miss" in Visitor(app, "olu").landing(), "the repeat miss raised on olu's My day"
    otto_day = Visitor(app, "otto").landing()
    assert "Make-up:" in otto_day and "Reengaged" in otto_day, "otto's My day: the make-up and the closed case"
    schedule = cora.items(f"/api/v1/appointments?case_ref={closed[0]['case_ref']}")
    assert any(a["status"] == "attended" for a in schedule)
    evan = Visitor(app, "evan")
    figures = evan.client.get("/api/v1/outcomes").get_json()["figures"]
    assert sum(1 for f in figures if f["denominator"]) >= 5, "eight weeks of history behind the outcomes"


INSTANTS = st.datetimes(min_value=datetime(2026, 12, 1), max_value=datetime(2027, 12, 31, 23, 59),
                        timezones=st.just(UTC))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture],
          database=None)
@given(at=INSTANTS)
@example(at=local(2026, 12, 7, 10, 0))   # Monday
@example(at=local(2026, 12, 8, 16, 59))  # Tuesday, a minute before closing
@example(at=local(2026, 12, 9, 9, 0))    # Wednesday, at opening
@example(at=local(2026, 12, 10, 12, 0))  # Thursday
@example(at=local(2026, 12, 11, 23, 59))  # Friday night
@example(at=local(2026, 12, 12, 14, 0))  # Saturday
@example(at=local(2026, 12, 6, 16, 0))   # Sunday
@example(at=local(2026, 12, 25, 9, 0))   # Christmas Day
@example(at=local(2027, 1, 1, 0, 30))    # New Year's Day, just after midnight
@example(at=local(2026, 11, 26, 11, 0))  # Thanksgiving
@example(at=local(2027, 7, 5, 9, 1))     # Independence Day observed (Monday)
@example(at=datetime(2027, 3, 14, 7, 30, tzinfo=UTC))  # spring forward: 02:30 does not exist locally
@example(at=local(2026, 11, 1, 1, 30))   # fall back: the first 01:30
@example(at=local(2026, 11, 1, 1, 30, fold=1))  # fall back: the repeated 01:30
@example(at=local(2027, 3, 15, 9, 5))    # the Monday after spring forward, at opening
@example(at=local(2028, 2, 29, 12, 0))   # 29 February
@example(at=local(2028, 3, 1, 0, 30))    # the day after 29 February, just after midnight
def test_the_demo_loads_with_work_for_every_role_at_any_instant(app, at):
    try:
        with time_machine.travel(at, tick=False):
            with app.app_context():
                load_demo()
                db.session.commit()
                db.session.remove()
            assert_every_role_has_work(app)
    finally:
        empty_database(app)
