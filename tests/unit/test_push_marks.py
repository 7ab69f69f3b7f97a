"""pwa.governance.push_marks: when a still-open high-risk recovery case alerts its service supervisors."""
from datetime import time

import pytest

from pwa.governance.calendar import BusinessCalendar
from pwa.governance.push_marks import mark_label, parse_marks, push_marks
from tests.support.clock import ny

CAL = BusinessCalendar()


@pytest.mark.parametrize(("value", "expected"), [
    ("2,0", [2.0, 0.0]), ("0,2", [2.0, 0.0]), ("0", [0.0]), ("1.5, 0", [1.5, 0.0]), ("2,2,0", [2.0, 0.0]),
    ("", []), ([3, 0], [3.0, 0.0]),
])
def test_marks_are_parsed_from_configuration(value, expected):
    assert parse_marks(value) == expected


@pytest.mark.parametrize("value", ["-1,0", "soon"])
def test_bad_marks_are_refused(value):
    with pytest.raises(ValueError):
        parse_marks(value)


def test_the_default_marks_are_two_business_hours_before_close_and_the_close():
    close = CAL.end_of_business_day(ny(2026, 11, 17, 10, 0))
    assert push_marks(CAL, close, parse_marks("2,0")) == [ny(2026, 11, 17, 15, 0), ny(2026, 11, 17, 17, 0)]


def test_a_friday_case_instructed_after_close_is_marked_on_monday():
    close = CAL.end_of_business_day(ny(2026, 11, 20, 17, 30))
    assert push_marks(CAL, close, [2.0]) == [ny(2026, 11, 23, 15, 0)]


def test_a_mark_never_falls_before_the_days_opening():
    short = BusinessCalendar(opens=time(9, 0), closes=time(10, 30))
    close = short.end_of_business_day(ny(2026, 11, 17, 9, 0))
    assert push_marks(short, close, [2.0, 0.0]) == [ny(2026, 11, 17, 9, 0), ny(2026, 11, 17, 10, 30)]
    assert push_marks(short, close, [5.0, 3.0]) == [ny(2026, 11, 17, 9, 0)]  # the same instant once


def test_marks_hold_across_the_clock_change():
    # Sunday 1 Nov 2026 the clocks went back; Monday's close is still 17:00 local.
    close = CAL.end_of_business_day(ny(2026, 11, 2, 9, 0))
    assert push_marks(CAL, close, [2.0, 0.0]) == [ny(2026, 11, 2, 15, 0), ny(2026, 11, 2, 17, 0)]


@pytest.mark.parametrize(("hours", "label"), [(0, "close"), (0.0, "close"), (2, "close-2h"), (1.5, "close-1.5h")])
def test_mark_labels_name_the_mark_in_dedupe_keys(hours, label):
    assert mark_label(hours) == label
