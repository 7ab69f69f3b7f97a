"""Tests for pwa.governance.calendar: example tables plus hypothesis properties."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pwa.governance.calendar import BusinessCalendar, calendar_from_config
from tests.support.clock import NY, UTC, ny, utc

LONDON = ZoneInfo("Europe/London")

NEW_YORK_CAL = BusinessCalendar()
LONDON_CAL = BusinessCalendar("Europe/London", holidays_country="GB", holidays_subdivision="ENG")


def london(*args: int) -> datetime:
    return datetime(*args, tzinfo=LONDON)


# -- examples: add_business_time ----------------------------------------------

# 2025-06-13 is a Friday; 2025-07-04 a Friday; Thanksgiving 2025 is Thu 11-27.
ADD_HOURS_NY = [
    pytest.param(ny(2025, 6, 13, 16, 30), 2, ny(2025, 6, 16, 10, 30), id="friday-to-monday"),
    pytest.param(ny(2025, 6, 14, 10, 0), 2, ny(2025, 6, 16, 11, 0), id="start-on-saturday"),
    pytest.param(ny(2025, 6, 17, 7, 0), 2, ny(2025, 6, 17, 11, 0), id="start-before-opening"),
    pytest.param(ny(2025, 6, 17, 18, 0), 2, ny(2025, 6, 18, 11, 0), id="start-after-closing"),
    pytest.param(ny(2025, 6, 17, 17, 0), 1, ny(2025, 6, 18, 10, 0), id="start-exactly-at-closing"),
    pytest.param(ny(2025, 6, 17, 9, 0), 1, ny(2025, 6, 17, 10, 0), id="start-exactly-at-opening"),
    pytest.param(ny(2025, 6, 17, 15, 0), 2, ny(2025, 6, 17, 17, 0), id="land-exactly-on-closing"),
    pytest.param(ny(2025, 6, 17, 9, 0), 8, ny(2025, 6, 17, 17, 0), id="whole-day-ends-at-closing"),
    pytest.param(ny(2025, 6, 17, 9, 0), 8.5, ny(2025, 6, 18, 9, 30), id="spill-into-next-day"),
    pytest.param(ny(2025, 7, 3, 16, 30), 2, ny(2025, 7, 7, 10, 30), id="july-4th"),
    pytest.param(ny(2025, 11, 26, 16, 0), 2, ny(2025, 11, 28, 10, 0), id="thanksgiving"),
    pytest.param(ny(2027, 12, 30, 16, 0), 2, ny(2028, 1, 3, 10, 0), id="new-year-observed"),
    # DST: spring forward Sun 2025-03-09, fall back Sun 2025-11-02.
    pytest.param(ny(2025, 3, 7, 16, 0), 2, utc(2025, 3, 10, 14, 0), id="spring-forward-weekend"),
    pytest.param(ny(2025, 10, 31, 16, 0), 2, utc(2025, 11, 3, 15, 0), id="fall-back-weekend"),
]


@pytest.mark.parametrize(("start", "hours", "expected"), ADD_HOURS_NY)
def test_add_business_hours_new_york(start: datetime, hours: float, expected: datetime) -> None:
    result = NEW_YORK_CAL.add_business_hours(start, hours)
    assert result == expected
    assert result.tzinfo is UTC


def test_spring_forward_monday_is_10_local_14_utc() -> None:
    result = NEW_YORK_CAL.add_business_hours(ny(2025, 3, 7, 16, 0), 2)
    assert result == utc(2025, 3, 10, 14, 0)  # not 15:00Z: Monday is already EDT
    assert result.astimezone(NY).time() == time(10, 0)


@pytest.mark.parametrize(
    ("start", "hours", "expected"),
    [
        # Good Friday 2025-04-18 and Easter Monday 2025-04-21 are English bank holidays.
        pytest.param(london(2025, 4, 17, 16, 0), 2, utc(2025, 4, 22, 9, 0), id="easter"),
        # UK clocks go forward Sun 2025-03-30 and back Sun 2025-10-26.
        pytest.param(london(2025, 3, 28, 16, 0), 2, utc(2025, 3, 31, 9, 0), id="bst-starts"),
        pytest.param(london(2025, 10, 24, 16, 0), 2, utc(2025, 10, 27, 10, 0), id="bst-ends"),
        # Thanksgiving is not a holiday in England.
        pytest.param(london(2025, 11, 26, 16, 0), 2, utc(2025, 11, 27, 10, 0), id="no-us-holidays"),
    ],
)
def test_add_business_hours_london(start: datetime, hours: float, expected: datetime) -> None:
    assert LONDON_CAL.add_business_hours(start, hours) == expected


def test_local_closure_day_is_skipped() -> None:
    cal = BusinessCalendar(closure_days=frozenset({date(2025, 8, 13)}))
    assert cal.add_business_hours(ny(2025, 8, 12, 16, 0), 2) == ny(2025, 8, 14, 10, 0)
    assert cal.holiday_name(date(2025, 8, 13)) == "Local closure"
    assert not cal.is_business_day(date(2025, 8, 13))


def test_zero_amount_returns_start_unchanged_even_when_closed() -> None:
    saturday = ny(2025, 6, 14, 10, 0)
    result = NEW_YORK_CAL.add_business_time(saturday, timedelta(0))
    assert result == saturday and result.tzinfo is UTC


def test_business_hour_is_real_elapsed_time_when_dst_falls_inside_hours() -> None:
    # Working hours 00:00-06:00 every day: the DST switch at 02:00 is inside them.
    cal = BusinessCalendar(
        opens=time(0), closes=time(6), workdays=frozenset(range(7)), holidays_country=None
    )
    spring, autumn = ny(2025, 3, 9, 0, 0), ny(2025, 11, 2, 0, 0)
    assert cal.business_time_between(spring, ny(2025, 3, 10, 0, 0)) == timedelta(hours=5)
    assert cal.business_time_between(autumn, ny(2025, 11, 3, 0, 0)) == timedelta(hours=7)
    assert cal.add_business_hours(spring, 5) == ny(2025, 3, 9, 6, 0)  # exactly closing
    assert cal.add_business_hours(spring, 6) == ny(2025, 3, 10, 1, 0)
    assert cal.add_business_hours(autumn, 3) == utc(2025, 11, 2, 7, 0)  # 02:00 EST


# -- examples: add_business_days ----------------------------------------------


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        pytest.param(ny(2025, 6, 16, 14, 0), 1, ny(2025, 6, 17, 14, 0), id="monday-to-tuesday"),
        pytest.param(ny(2025, 6, 13, 16, 0), 1, ny(2025, 6, 16, 16, 0), id="friday-to-monday"),
        pytest.param(ny(2025, 6, 16, 14, 0), 5, ny(2025, 6, 24, 14, 0), id="week-with-juneteenth"),
        pytest.param(ny(2025, 6, 14, 12, 0), 1, ny(2025, 6, 16, 17, 0), id="from-saturday"),
        pytest.param(ny(2025, 3, 7, 14, 0), 1, ny(2025, 3, 10, 14, 0), id="across-spring-forward"),
        pytest.param(ny(2025, 6, 16, 14, 0), 0, ny(2025, 6, 16, 14, 0), id="zero-days"),
    ],
)
def test_add_business_days(start: datetime, days: int, expected: datetime) -> None:
    assert NEW_YORK_CAL.add_business_days(start, days) == expected


# -- examples: end_of_business_day, next_opening, is_open ---------------------


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        pytest.param(ny(2025, 7, 4, 12, 0), ny(2025, 7, 7, 17, 0), id="on-a-holiday"),
        pytest.param(ny(2025, 6, 17, 17, 0), ny(2025, 6, 18, 17, 0), id="exactly-at-closing"),
        pytest.param(ny(2025, 6, 17, 16, 59), ny(2025, 6, 17, 17, 0), id="one-minute-before"),
        pytest.param(ny(2025, 6, 17, 6, 0), ny(2025, 6, 17, 17, 0), id="before-opening"),
        pytest.param(ny(2025, 6, 14, 9, 0), ny(2025, 6, 16, 17, 0), id="on-saturday"),
    ],
)
def test_end_of_business_day(at: datetime, expected: datetime) -> None:
    assert NEW_YORK_CAL.end_of_business_day(at) == expected


@pytest.mark.parametrize(
    ("at", "is_open", "next_opening"),
    [
        pytest.param(ny(2025, 6, 17, 9, 0), True, ny(2025, 6, 17, 9, 0), id="opening-inclusive"),
        pytest.param(ny(2025, 6, 17, 16, 59), True, ny(2025, 6, 17, 16, 59), id="before-closing"),
        pytest.param(ny(2025, 6, 17, 17, 0), False, ny(2025, 6, 18, 9, 0), id="closing-exclusive"),
        pytest.param(ny(2025, 6, 14, 12, 0), False, ny(2025, 6, 16, 9, 0), id="saturday"),
        pytest.param(ny(2025, 12, 24, 18, 0), False, ny(2025, 12, 26, 9, 0), id="christmas-eve"),
    ],
)
def test_is_open_and_next_opening(at: datetime, is_open: bool, next_opening: datetime) -> None:
    assert NEW_YORK_CAL.is_open(at) is is_open
    assert NEW_YORK_CAL.next_opening(at) == next_opening


def test_holiday_names() -> None:
    assert NEW_YORK_CAL.holiday_name(date(2025, 7, 4)) == "Independence Day"
    assert NEW_YORK_CAL.holiday_name(date(2025, 11, 27)) == "Thanksgiving Day"
    assert NEW_YORK_CAL.holiday_name(date(2025, 6, 17)) is None
    assert NEW_YORK_CAL.is_business_day(date(2025, 6, 17))
    assert not NEW_YORK_CAL.is_business_day(date(2025, 6, 14))  # Saturday
    assert BusinessCalendar(holidays_country=None).is_business_day(date(2025, 7, 4))


# -- examples: business_time_between ------------------------------------------


def test_business_time_between_over_weekend_and_reversed() -> None:
    friday, monday = ny(2025, 6, 13, 16, 0), ny(2025, 6, 16, 10, 0)
    assert NEW_YORK_CAL.business_time_between(friday, monday) == timedelta(hours=2)
    assert NEW_YORK_CAL.business_time_between(monday, friday) == -timedelta(hours=2)
    assert NEW_YORK_CAL.business_time_between(friday, friday) == timedelta(0)


def test_business_time_between_over_dst_weekend() -> None:
    between = NEW_YORK_CAL.business_time_between
    assert between(ny(2025, 3, 7, 16, 0), ny(2025, 3, 10, 10, 0)) == timedelta(hours=2)
    assert between(ny(2025, 10, 31, 16, 0), ny(2025, 11, 3, 10, 0)) == timedelta(hours=2)


# -- validation and configuration ---------------------------------------------


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.add_business_hours(datetime(2025, 6, 17, 10, 0), 1),
        lambda c: c.is_open(datetime(2025, 6, 17, 10, 0)),
        lambda c: c.next_opening(datetime(2025, 6, 17, 10, 0)),
        lambda c: c.end_of_business_day(datetime(2025, 6, 17, 10, 0)),
        lambda c: c.business_time_between(datetime(2025, 6, 17), ny(2025, 6, 18)),
        lambda c: c.add_business_time(ny(2025, 6, 17, 10, 0), timedelta(seconds=-1)),
        lambda c: c.add_business_days(ny(2025, 6, 17, 10, 0), -1),
    ],
    ids=[
        "naive-add", "naive-is-open", "naive-next-opening", "naive-eod", "naive-between",
        "negative-amount", "negative-days",
    ],
)
def test_invalid_arguments_raise_value_error(call) -> None:
    with pytest.raises(ValueError):
        call(NEW_YORK_CAL)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"opens": time(17), "closes": time(9)},
        {"workdays": frozenset()},
        {"workdays": frozenset({7})},
    ],
)
def test_invalid_calendar_raises(kwargs) -> None:
    with pytest.raises(ValueError):
        BusinessCalendar(**kwargs)


def test_calendar_from_config_defaults() -> None:
    assert calendar_from_config({}) == BusinessCalendar()


def test_calendar_from_config_values() -> None:
    cal = calendar_from_config(
        {
            "TIMEZONE": "Europe/London",
            "BUSINESS_OPENS": "08:30",
            "BUSINESS_CLOSES": "17:30",
            "BUSINESS_WORKDAYS": "0, 1,2,3",
            "HOLIDAYS_COUNTRY": "GB",
            "HOLIDAYS_SUBDIVISION": "ENG",
            "CLOSURE_DAYS": "2025-12-29, 2025-12-30",
        }
    )
    assert cal == BusinessCalendar(
        timezone="Europe/London",
        opens=time(8, 30),
        closes=time(17, 30),
        workdays=frozenset({0, 1, 2, 3}),
        holidays_country="GB",
        holidays_subdivision="ENG",
        closure_days=frozenset({date(2025, 12, 29), date(2025, 12, 30)}),
    )


def test_calendar_from_config_empty_strings_and_date_lists() -> None:
    cal = calendar_from_config(
        {"HOLIDAYS_COUNTRY": "US", "HOLIDAYS_SUBDIVISION": "", "CLOSURE_DAYS": [date(2025, 8, 13)]}
    )
    assert cal.holidays_subdivision is None
    assert cal.closure_days == frozenset({date(2025, 8, 13)})
    assert calendar_from_config({"HOLIDAYS_COUNTRY": ""}).holidays_country is None


# -- properties ----------------------------------------------------------------

CALENDARS = {
    "new_york": NEW_YORK_CAL,
    "london": LONDON_CAL,
    "tokyo": BusinessCalendar(
        "Asia/Tokyo", opens=time(10), closes=time(18, 30), holidays_country="JP"
    ),
    "sydney": BusinessCalendar(
        "Australia/Sydney", opens=time(8, 30), holidays_country="AU", holidays_subdivision="NSW"
    ),
    "jerusalem": BusinessCalendar(  # Sunday-Thursday working week
        "Asia/Jerusalem", workdays=frozenset({6, 0, 1, 2, 3}), holidays_country="IL"
    ),
    "ny_with_shutdowns": BusinessCalendar(
        closure_days=frozenset(date(2026, 12, 1) + timedelta(days=n) for n in range(31))
        | {date(2025, 8, 13), date(2027, 3, 15)}
    ),
    # Hours straddle the 02:00 DST switch: exercises non-existent and ambiguous wall times.
    "ny_night_shift": BusinessCalendar(
        opens=time(1, 30), closes=time(3, 0), workdays=frozenset(range(7)), holidays_country=None
    ),
}

calendars = st.sampled_from(list(CALENDARS.values()))
instants = st.builds(
    lambda dt, zone: dt.astimezone(zone),
    st.datetimes(
        min_value=datetime(2024, 1, 1),
        max_value=datetime(2028, 12, 31, 23, 59),
        timezones=st.just(UTC),
    ),
    st.sampled_from([UTC, NY, LONDON, ZoneInfo("Asia/Kolkata"), ZoneInfo("Pacific/Auckland")]),
)
amounts = st.one_of(
    st.integers(0, 60).map(lambda h: timedelta(hours=h)),  # whole hours often hit closing exactly
    st.timedeltas(min_value=timedelta(0), max_value=timedelta(hours=120)),
)

PROPERTY = settings(max_examples=60, deadline=None)


@st.composite
def open_instants(draw, cal: BusinessCalendar) -> datetime:
    """An instant inside working hours on a business day."""
    opening = cal.next_opening(draw(instants))
    window = cal.end_of_business_day(opening) - opening
    micros = draw(st.integers(0, window // timedelta(microseconds=1) - 1))
    return opening + timedelta(microseconds=micros)


@lru_cache(maxsize=None)
def _oracle_holidays(country: str | None, subdivision: str | None, year: int) -> frozenset[date]:
    if country is None:
        return frozenset()
    return frozenset(holidays.country_holidays(country, subdiv=subdivision, years=year))


def assert_valid_deadline(cal: BusinessCalendar, result: datetime) -> None:
    """Inside working hours on a business day, or exactly at a closing instant."""
    assert result.tzinfo is UTC
    zone = ZoneInfo(cal.timezone)
    local = result.astimezone(zone)
    day = local.date()
    # Independent check against the holidays package and the raw configuration.
    assert day.weekday() in cal.workdays
    assert day not in _oracle_holidays(cal.holidays_country, cal.holidays_subdivision, day.year)
    assert day not in cal.closure_days
    assert cal.is_open(result) or local.time() == cal.closes
    midnight, late = datetime.combine(day, time(0), zone), datetime.combine(day, time(23, 59), zone)
    # Wall-clock bounds are only unambiguous on days without a DST switch.
    if midnight.utcoffset() == late.utcoffset():
        assert cal.opens <= local.time() <= cal.closes


@PROPERTY
@given(cal=calendars, start=instants, amount=amounts)
def test_add_business_time_lands_in_working_hours(
    cal: BusinessCalendar, start: datetime, amount: timedelta
) -> None:
    result = cal.add_business_time(start, amount)
    assert result >= start
    if amount:
        assert_valid_deadline(cal, result)


@PROPERTY
@given(cal=calendars, start=instants, days=st.integers(0, 15))
def test_add_business_days_never_lands_on_closed_day(
    cal: BusinessCalendar, start: datetime, days: int
) -> None:
    if days:
        assert_valid_deadline(cal, cal.add_business_days(start, days))


@PROPERTY
@given(cal=calendars, start=instants, a=amounts, b=amounts)
def test_add_business_time_is_monotonic(
    cal: BusinessCalendar, start: datetime, a: timedelta, b: timedelta
) -> None:
    small, large = sorted((a, b))
    early, late = cal.add_business_time(start, small), cal.add_business_time(start, large)
    assert early <= late
    if small and small < large:
        assert early < late


@PROPERTY
@given(data=st.data(), cal=calendars, amount=amounts)
def test_business_time_between_inverts_add(
    data: st.DataObject, cal: BusinessCalendar, amount: timedelta
) -> None:
    start = data.draw(open_instants(cal))
    assert cal.is_open(start)
    end = cal.add_business_time(start, amount)
    assert cal.business_time_between(start, end) == amount
    assert cal.business_time_between(end, start) == -amount


@PROPERTY
@given(data=st.data(), cal=calendars, a=st.integers(0, 10), b=st.integers(0, 10))
def test_add_business_days_is_additive(
    data: st.DataObject, cal: BusinessCalendar, a: int, b: int
) -> None:
    start = data.draw(open_instants(cal))
    add = cal.add_business_days
    assert add(start, a + b) == add(add(start, a), b)


@PROPERTY
@given(cal=calendars, at=instants)
def test_next_opening_and_end_of_day_are_consistent(cal: BusinessCalendar, at: datetime) -> None:
    opening, closing = cal.next_opening(at), cal.end_of_business_day(at)
    assert at <= opening < closing
    assert cal.is_open(opening)
    assert not cal.is_open(closing)
    assert cal.business_time_between(at, opening) == timedelta(0)
    assert_valid_deadline(cal, closing)
    assert cal.is_open(at) == (opening == at)


# -- counting back: subtract_business_time, previous_closing -------------------

SUBTRACT_HOURS_NY = [
    pytest.param(ny(2025, 6, 16, 10, 30), 2, ny(2025, 6, 13, 16, 30), id="monday-back-to-friday"),
    pytest.param(ny(2025, 6, 15, 12, 0), 1, ny(2025, 6, 13, 16, 0), id="sunday-counts-from-friday-close"),
    pytest.param(ny(2025, 7, 7, 9, 30), 1, ny(2025, 7, 3, 16, 30), id="over-independence-day"),
    pytest.param(ny(2025, 11, 28, 10, 0), 8, ny(2025, 11, 26, 10, 0), id="over-thanksgiving"),
    pytest.param(ny(2025, 6, 13, 13, 0), 4, ny(2025, 6, 13, 9, 0), id="a-window-used-up-lands-on-opening"),
    pytest.param(ny(2025, 3, 10, 10, 0), 2, ny(2025, 3, 7, 16, 0), id="over-spring-forward"),
    pytest.param(ny(2025, 11, 3, 10, 0), 2, ny(2025, 10, 31, 16, 0), id="over-fall-back"),
]


@pytest.mark.parametrize(("end", "hours", "expected"), SUBTRACT_HOURS_NY)
def test_counting_business_hours_back(end: datetime, hours: float, expected: datetime) -> None:
    assert NEW_YORK_CAL.subtract_business_time(end, timedelta(hours=hours)) == expected.astimezone(UTC)


@pytest.mark.parametrize(("at", "expected"), [
    pytest.param(ny(2025, 6, 13, 17, 0), ny(2025, 6, 13, 17, 0), id="at-closing"),
    pytest.param(ny(2025, 6, 13, 16, 59), ny(2025, 6, 12, 17, 0), id="open-means-yesterday"),
    pytest.param(ny(2025, 6, 15, 3, 0), ny(2025, 6, 13, 17, 0), id="weekend"),
    pytest.param(ny(2025, 12, 25, 23, 59), ny(2025, 12, 24, 17, 0), id="christmas-night"),
    pytest.param(ny(2026, 1, 1, 0, 30), ny(2025, 12, 31, 17, 0), id="new-year"),
])
def test_previous_closing(at: datetime, expected: datetime) -> None:
    assert NEW_YORK_CAL.previous_closing(at) == expected.astimezone(UTC)


def test_counting_back_a_negative_amount_raises() -> None:
    with pytest.raises(ValueError):
        NEW_YORK_CAL.subtract_business_time(ny(2025, 6, 13, 12, 0), timedelta(hours=-1))


@PROPERTY
@given(data=st.data(), cal=calendars, amount=amounts)
def test_subtract_business_time_inverts_add(
    data: st.DataObject, cal: BusinessCalendar, amount: timedelta
) -> None:
    end = data.draw(open_instants(cal))
    start = cal.subtract_business_time(end, amount)
    assert start <= end
    assert cal.is_open(start)
    assert cal.business_time_between(start, end) == amount
    # Adding it again returns to `end`, or to the closing just before it when `end` is an opening.
    assert cal.business_time_between(cal.add_business_time(start, amount), end) == timedelta(0)


@PROPERTY
@given(cal=calendars, at=instants)
def test_previous_closing_is_the_last_one(cal: BusinessCalendar, at: datetime) -> None:
    closing = cal.previous_closing(at)
    assert closing <= at
    assert_valid_deadline(cal, closing)
    # It is the last one: the next closing after it is still ahead of `at`.
    assert cal.end_of_business_day(closing) > at
