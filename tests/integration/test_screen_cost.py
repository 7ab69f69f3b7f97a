"""My day and the case page cost the same however long a case's history: attempts are counted in SQL and
the case's timeline is paged (20 a page, newest first). bench/load.py measures the time on a year of history."""
import re
from contextlib import contextmanager
from datetime import timedelta

import pytest
import sqlalchemy as sa

from pwa.extensions import db
from tests.support.payloads import sync_attempt
from tests.support.worlds import W2

SYNC = "/api/v1/sync"


@pytest.fixture
def w2(app, auth, factory, now):
    return W2(app, auth, factory, now)


def log_attempts(w2, case_id, n):
    start = w2.now - timedelta(minutes=n + 1)
    for first in range(0, n, 200):
        entries = [sync_attempt(case_id, start + timedelta(minutes=i)) for i in range(first, min(n, first + 200))]
        body = {"device_id": "phone-olu", "sent_at": w2.now.isoformat(), "entries": entries}
        answer = w2.post(SYNC, body, "olu").get_json()
        assert "results" in answer, answer
        assert {r["status"] for r in answer["results"]} == {"created"}, answer


@contextmanager
def counting(app):
    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)


def test_the_case_timeline_is_paged_newest_first(w2, app, time_machine):
    time_machine.move_to(w2.now - timedelta(hours=2), tick=False)
    case_id = w2.case(worker="olu")
    assert w2.open(case_id, as_user="olu").status_code == 200
    time_machine.move_to(w2.now, tick=False)
    w2.signed_in = None  # hours later: sign in again
    log_attempts(w2, case_id, 45)
    page = w2.get(f"/recovery/{case_id}", "olu").get_data(as_text=True)
    assert 'Attempts <span class="count" data-logged="45">45</span>' in page and "45 logged" in page
    assert "Page 1 of 3." in page
    assert page.count('<p class="when">') == 20
    assert "Older attempts" in page and "Newer attempts" not in page
    whens = re.findall(r'<p class="when">([^<]+)</p>', page)
    last = w2.get(f"/recovery/{case_id}?attempts_page=3", "olu").get_data(as_text=True)
    assert last.count('<p class="when">') == 5 and "Newer attempts" in last and "Older attempts" not in last
    assert re.findall(r'<p class="when">([^<]+)</p>', last)[0] not in whens
    # Out-of-range or malformed pages show the nearest real page, never an error.
    assert w2.get(f"/recovery/{case_id}?attempts_page=99", "olu").get_data(as_text=True).count("Page 3 of 3.") == 1
    for bad in ("0", "-1", "x", "9" * 30):
        response = w2.get(f"/recovery/{case_id}?attempts_page={bad}", "olu")
        assert response.status_code == 200 and "Page 1 of 3." in response.get_data(as_text=True)


def test_my_day_and_the_case_page_run_the_same_queries_for_3_or_300_attempts(w2, app, time_machine):
    time_machine.move_to(w2.now - timedelta(hours=6), tick=False)
    small, large = w2.case(worker="olu"), w2.case(worker="olu")
    for case_id in (small, large):
        assert w2.open(case_id, as_user="olu").status_code == 200
    time_machine.move_to(w2.now, tick=False)
    w2.signed_in = None  # hours later: sign in again
    log_attempts(w2, small, 3)
    log_attempts(w2, large, 300)
    w2.get("/recovery", "olu")  # signed in and warmed up

    with counting(app) as day:
        page = w2.get("/recovery", "olu").get_data(as_text=True)
    assert "3 attempts" in page and "300 attempts" in page
    costs = {}
    for case_id in (small, large):
        with counting(app) as statements:
            assert w2.get(f"/recovery/{case_id}", "olu").status_code == 200
        costs[case_id] = len(statements)
    assert costs[small] == costs[large], costs
    # No statement reads every attempt of a case: attempts are counted, or read a page at a time.
    attempt_reads = [s for s in day if "FROM recovery_attempts" in s]
    assert all("count(" in s.lower() for s in attempt_reads), attempt_reads
    # A fixed handful: sign-in, the cases with their counts, make-ups and support requests, the access record.
    assert len(day) < 25, len(day)


def test_a_year_of_finished_work_stays_off_my_day(app, client):
    """bench/load.py's organisation with its generated history (the same code the benchmark runs): My day lists
    the worker's open cases and the one finished today, none of the year's finished cases behind them."""
    from bench import world as bench_world

    with app.app_context():
        built = bench_world.build(2, 2)
        with db.engine.begin() as conn:
            written = bench_world.add_history(conn, built["templates"], 10)
        assert written == 2 * 10 * bench_world.ATTEMPTS_PER_HISTORY_CASE
        finished = db.session.scalar(sa.text("SELECT count(*) FROM recovery_cases WHERE status = 'dispositioned'"))
        assert finished == 2 * (10 + 1)
    me = built["workers"][0]
    signed_in = client.post("/api/v1/session", json={"username": me["username"], "password": bench_world.PASSWORD})
    assert signed_in.status_code == 200
    page = client.get("/recovery").get_data(as_text=True)
    listed = {int(n) for n in re.findall(r'href="/recovery/(\d+)"', page)}
    assert listed == {*me["cases"], built["templates"][0]}
    assert client.get(f"/recovery/{me['cases'][0]}").status_code == 200
