"""The device clock offset (sync.clock): received_at - sent_at corrects device times; beyond the
tolerance it is flagged. No Flask, no database."""
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, strategies as st

from sync.clock import ClockReading, is_flagged

SERVER = datetime(2026, 11, 17, 15, 0, tzinfo=UTC)


@pytest.mark.parametrize(("device_ahead", "flagged"), [
    (timedelta(0), False), (timedelta(seconds=120), False), (timedelta(seconds=-120), False),
    (timedelta(seconds=121), True), (timedelta(seconds=-121), True), (timedelta(hours=3), True),
    (timedelta(hours=-3), True),
])
def test_an_offset_beyond_two_minutes_is_flagged(device_ahead, flagged):
    reading = ClockReading(received_at=SERVER, sent_at=SERVER + device_ahead)
    assert reading.offset == -device_ahead
    assert reading.flagged is flagged
    assert is_flagged(reading.offset_seconds) is flagged


def test_the_tolerance_is_configurable():
    reading = ClockReading(received_at=SERVER, sent_at=SERVER - timedelta(seconds=30), tolerance=timedelta(seconds=10))
    assert reading.flagged and reading.offset_seconds == 30.0
    assert not is_flagged(30.0, tolerance_seconds=60)


def test_a_device_three_hours_slow_has_its_times_moved_forward():
    # The device thinks it is 12:00 UTC when the server receives at 15:00: what it recorded at
    # 11:40 on its clock happened at 14:40 on the server's.
    reading = ClockReading(received_at=SERVER, sent_at=SERVER - timedelta(hours=3))
    assert reading.corrected(datetime(2026, 11, 17, 11, 40, tzinfo=UTC)) == datetime(2026, 11, 17, 14, 40, tzinfo=UTC)


@given(skew=st.integers(min_value=-10 ** 8, max_value=10 ** 8), before=st.integers(min_value=0, max_value=10 ** 6))
def test_a_corrected_time_keeps_its_distance_to_the_send(skew, before):
    """Whatever the skew, an entry recorded `before` seconds before the device sent the batch is
    placed `before` seconds before the server received it."""
    sent_at = SERVER + timedelta(seconds=skew)
    reading = ClockReading(received_at=SERVER, sent_at=sent_at)
    assert reading.corrected(sent_at - timedelta(seconds=before)) == SERVER - timedelta(seconds=before)
