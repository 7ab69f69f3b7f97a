"""Detecting a missed contact from the live schedule and attendance signals (seed 002)."""
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class DetectedMiss:
    event_type: str
    detected_at: datetime


def detect_miss(*, modality: str, scheduled_at: datetime, duration_minutes: int, now: datetime,
                grace: timedelta, attendance_share: float, arrived_at: datetime | None = None,
                joined_at: datetime | None = None, left_at: datetime | None = None) -> DetectedMiss | None:
    """The miss this appointment shows at `now`, if any.

    A virtual session with no join by the start plus grace is `virtual_no_join`; one left before
    `attendance_share` of its length is `left_early` (detected when the leave is known). Any other
    modality with no arrival by the start plus grace is `missed_appointment`.
    """
    due = scheduled_at + grace
    if modality == "virtual":
        if joined_at is None:
            return DetectedMiss("virtual_no_join", due) if now >= due else None
        if left_at is not None:
            attended = left_at - max(joined_at, scheduled_at)
            if attended < timedelta(minutes=duration_minutes * attendance_share):
                return DetectedMiss("left_early", max(left_at, due))
        return None
    if arrived_at is None and joined_at is None and now >= due:
        return DetectedMiss("missed_appointment", due)
    return None
