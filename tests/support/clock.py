"""Time in the tests: the business time zone and instants written in it (or in UTC)."""
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

NY = ZoneInfo("America/New_York")
UTC = timezone.utc


def ny(year: int, month: int, day: int, hour: int = 0, minute: int = 0, *rest: int) -> datetime:
    """A wall-clock time in New York (the business time zone)."""
    return datetime(year, month, day, hour, minute, *rest, tzinfo=NY)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)
