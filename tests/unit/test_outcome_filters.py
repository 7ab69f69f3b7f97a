"""Outcome filters (period, team, worker) and the local-time boundaries the figures are cut by."""
from datetime import date, datetime, timedelta

import pytest

from pwa.errors import InvalidInput
from pwa.governance.calendar import BusinessCalendar
from pwa.outcomes.filters import OutcomeFilters, parse_filters, utc_bounds
from pwa.outcomes.timegrid import bucket_bounds, bucket_starts, business_closes, repeat_limits
from tests.support.clock import NY, UTC

TODAY = date(2026, 11, 24)


def parse(**args):
    return parse_filters(args, today=TODAY, user_exists=lambda uid: uid in (7, 2147483647))


def errors_of(**args) -> dict:
    with pytest.raises(InvalidInput) as refused:
        parse(**args)
    return refused.value.errors


def test_defaults_are_the_30_days_ending_today():
    assert parse() == OutcomeFilters(date(2026, 10, 26), TODAY)
    assert parse(to="2026-03-31") == OutcomeFilters(date(2026, 3, 2), date(2026, 3, 31))
    assert parse(**{"from": "2026-11-01"}) == OutcomeFilters(date(2026, 11, 1), TODAY)
    # A start ahead of today gets 30 days from it (nothing has happened yet: no data, not an error).
    assert parse(**{"from": "2027-01-01"}) == OutcomeFilters(date(2027, 1, 1), date(2027, 1, 30))
    assert parse(**{"from": "", "to": " "}) == parse()  # empty form fields count as absent


def test_a_full_filter_and_its_round_trip():
    found = parse(**{"from": "2025-11-24", "to": "2026-11-24", "team": "  North  ", "worker": "7"})
    assert found == OutcomeFilters(date(2025, 11, 24), date(2026, 11, 24), team="North", worker_id=7)
    assert found.days == 366
    assert parse(**found.as_args()) == found


@pytest.mark.parametrize("args, messages", [
    ({"from": "2026-02-30"}, {"from": ["Give a date as YYYY-MM-DD."]}),
    ({"from": "26-11-01"}, {"from": ["Give a date as YYYY-MM-DD."]}),
    ({"from": "2026-11-01T10:00"}, {"from": ["Give a date as YYYY-MM-DD."]}),
    ({"to": "١٢٣٤-١١-٠١"}, {"to": ["Give a date as YYYY-MM-DD."]}),           # non-ASCII digits
    ({"from": "1899-12-31"}, {"from": ["Give a date between 1900 and 2999."]}),
    ({"from": "2026-11-02", "to": "2026-11-01"}, {"to": ["The end date must be on or after the start date."]}),
    ({"from": "2025-11-22", "to": "2026-11-23"}, {"to": ["Choose a period of at most 366 days."]}),  # 367
    ({"from": "2024-01-01"}, {"from": ["Choose a period of at most 366 days."]}),
    ({"team": "x" * 81}, {"team": ["Keep the team name to 80 characters at most."]}),
    ({"team": "North\tEast"}, {"team": ["Remove the control characters from the team name."]}),
    ({"worker": "seven"}, {"worker": ["Give a worker's user id (a whole number)."]}),
    ({"worker": "0"}, {"worker": ["Give a worker's user id (a whole number)."]}),
    ({"worker": "2147483648"}, {"worker": ["Give a worker's user id (a whole number)."]}),
    ({"worker": "8"}, {"worker": ["No user has this id."]}),
])
def test_each_bad_field_says_what_is_wrong(args, messages):
    assert errors_of(**args) == messages


def test_every_bad_field_is_reported_at_once():
    assert set(errors_of(**{"from": "soon", "to": "later", "team": "\x01", "worker": "-3"})) == {
        "from", "to", "team", "worker"}


def test_the_longest_period_is_a_leap_year():
    assert parse(**{"from": "2028-01-01", "to": "2028-12-31"}).days == 366


def test_period_bounds_are_local_midnights_across_daylight_saving():
    # 1 Nov 2026 (clocks go back): 25 hours; 8 Mar 2026 (clocks go forward): 23 hours.
    start, end = utc_bounds(OutcomeFilters(date(2026, 11, 1), date(2026, 11, 1)), NY)
    assert (start, end) == (datetime(2026, 11, 1, 4, tzinfo=UTC), datetime(2026, 11, 2, 5, tzinfo=UTC))
    start, end = utc_bounds(OutcomeFilters(date(2026, 3, 8), date(2026, 3, 8)), NY)
    assert end - start == timedelta(hours=23)
    start, end = utc_bounds(OutcomeFilters(date(2026, 1, 1), date(2026, 12, 31)), NY)
    assert end - start == timedelta(days=365)  # the two changes cancel out over a year


def test_buckets_are_clipped_to_the_period():
    assert bucket_starts(date(2026, 11, 4), date(2026, 11, 20), "week") == [
        date(2026, 11, 4), date(2026, 11, 9), date(2026, 11, 16)]
    assert bucket_starts(date(2026, 11, 15), date(2027, 2, 2), "month") == [
        date(2026, 11, 15), date(2026, 12, 1), date(2027, 1, 1), date(2027, 2, 1)]
    assert len(bucket_starts(date(2028, 1, 1), date(2028, 12, 31), "day")) == 366
    with pytest.raises(ValueError):
        bucket_starts(date(2026, 1, 1), date(2026, 1, 2), "hour")
    starts, bounds = bucket_bounds(date(2026, 10, 31), date(2026, 11, 1), "day", NY)
    assert starts == [date(2026, 10, 31), date(2026, 11, 1)]
    assert [b - a for a, b in zip(bounds, bounds[1:])] == [timedelta(hours=24), timedelta(hours=25)]


def test_the_repeat_window_ends_with_the_30th_local_day():
    bounds, limits = repeat_limits(date(2026, 10, 20), date(2026, 10, 21), NY)
    assert bounds == [datetime(2026, 10, 20, tzinfo=NY), datetime(2026, 10, 21, tzinfo=NY),
                      datetime(2026, 10, 22, tzinfo=NY)]
    # An event on 20 Oct (EDT) may be repeated until the end of 19 Nov (EST): 30 days and an hour later.
    assert limits[0] == datetime(2026, 11, 20, tzinfo=NY)
    assert limits[0] - bounds[0] == timedelta(days=31, hours=1)


def test_business_closes_skip_weekends_and_holidays_and_follow_dst():
    calendar = BusinessCalendar()
    start, end = datetime(2026, 11, 25, 5, tzinfo=UTC), datetime(2026, 11, 30, 5, tzinfo=UTC)
    closes = business_closes(calendar, start, end)
    local = [c.astimezone(NY) for c in closes]
    # Tuesday's close is the last at or before the start; Thanksgiving (Thu 26) and the weekend have none;
    # Monday 30's close is the first after the end.
    assert [d.date() for d in local] == [date(2026, 11, 24), date(2026, 11, 25), date(2026, 11, 27),
                                         date(2026, 11, 30)]
    assert {d.hour for d in local} == {17}
    for moment in (datetime(2026, 11, 25, 17, tzinfo=NY), datetime(2026, 11, 26, 10, tzinfo=NY)):
        following = next(c for c in closes if c > moment)
        assert following == calendar.end_of_business_day(moment)  # the same rule as the calendar's
    around_dst = business_closes(calendar, datetime(2026, 10, 30, 4, tzinfo=UTC), datetime(2026, 11, 3, 5, tzinfo=UTC))
    assert [c.astimezone(UTC).hour for c in around_dst] == [21, 21, 22, 22]  # 17:00 EDT, then EST
