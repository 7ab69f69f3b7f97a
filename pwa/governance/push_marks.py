"""When a still-open high-risk recovery case alerts its service supervisors (pure, no Flask)."""
from datetime import datetime, timedelta

from .calendar import BusinessCalendar


def parse_marks(value: str | list | tuple) -> list[float]:
    """"2,0" -> [2.0, 0.0]: business hours before the close of day, latest first in time order."""
    items = value.split(",") if isinstance(value, str) else list(value)
    hours = sorted({float(item) for item in items if str(item).strip() != ""}, reverse=True)
    if any(h < 0 for h in hours):
        raise ValueError(f"push marks must not be negative: {value!r}")
    return hours


def push_marks(calendar: BusinessCalendar, close: datetime, hours_before_close: list[float]) -> list[datetime]:
    """The alert instants of a business day closing at `close`: each mark is that many business hours
    before the close, never before the day's opening. In time order, without duplicates."""
    opening = close - calendar.working_day
    marks = [max(opening, close - timedelta(hours=h)) for h in hours_before_close]
    return sorted(set(marks))


def mark_label(hours_before_close: float) -> str:
    """The mark's name in a dedupe key: "close" or "close-2h"."""
    if not hours_before_close:
        return "close"
    text = f"{hours_before_close:g}"
    return f"close-{text}h"
