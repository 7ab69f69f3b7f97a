"""The device clock, measured against the server's: offset = received_at - sent_at.

A device that has been offline for hours still knows its own clock; what it does not know is how
far that clock is from the server's. The offset measured when the batch arrives corrects every
time the device recorded, and an offset beyond the tolerance is flagged for supervisors.
(The offset also holds the network transit time, well under the tolerance.)"""
from dataclasses import dataclass
from datetime import datetime, timedelta

DEFAULT_TOLERANCE_SECONDS = 120


@dataclass(frozen=True)
class ClockReading:
    received_at: datetime  # server clock, when the batch arrived
    sent_at: datetime      # device clock, when the device sent it
    tolerance: timedelta = timedelta(seconds=DEFAULT_TOLERANCE_SECONDS)

    @property
    def offset(self) -> timedelta:
        return self.received_at - self.sent_at

    @property
    def offset_seconds(self) -> float:
        return self.offset.total_seconds()

    @property
    def flagged(self) -> bool:
        return abs(self.offset) > self.tolerance

    def corrected(self, device_time: datetime) -> datetime:
        """A time read on the device's clock, on the server's clock."""
        return device_time + self.offset


def is_flagged(offset_seconds: float, tolerance_seconds: float = DEFAULT_TOLERANCE_SECONDS) -> bool:
    return abs(offset_seconds) > tolerance_seconds
