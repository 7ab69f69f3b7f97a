"""Local-time boundaries as UTC instants, computed in Python with the business calendar.

The database stores UTC and SQLite knows no time zones, so anything that depends on the local day
(a trend bucket, the close of business on the day of a miss, "30 days after") is decided here: a
sorted list of UTC instants, each starting a stretch of time that maps to one value. SQL then only
compares stored UTC times with those instants (pwa.outcomes.sql.step), which is exact across
daylight-saving changes and the same on SQLite and PostgreSQL.
"""
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from ..governance.calendar import BusinessCalendar
from .filters import local_midnight

BUCKETS = ("day", "week", "month")
# "Within 30 days after" an event: up to the end of the 30th local calendar day after it.
REPEAT_DAYS = 30


def bucket_starts(first: date, last: date, bucket: str) -> list[date]:
    """The first local date of each bucket that meets [first, last]; the first bucket starts at `first`
    even mid-week or mid-month (a period's edges clip its buckets)."""
    if bucket not in BUCKETS:
        raise ValueError(f"bucket must be one of {BUCKETS}")
    starts = [first]
    day = first
    while True:
        if bucket == "day":
            day = day + timedelta(days=1)
        elif bucket == "week":  # weeks start on Monday
            day = day + timedelta(days=7 - day.weekday())
        else:
            day = date(day.year + day.month // 12, day.month % 12 + 1, 1)
        if day > last:
            return starts
        starts.append(day)


def bucket_bounds(first: date, last: date, bucket: str, zone: ZoneInfo) -> tuple[list[date], list[datetime]]:
    """Each bucket's first date, and the UTC instants bounding the buckets (one more than buckets)."""
    starts = bucket_starts(first, last, bucket)
    bounds = [local_midnight(day, zone) for day in starts]
    bounds.append(local_midnight(last + timedelta(days=1), zone))
    return starts, bounds


def repeat_limits(first: date, last: date, zone: ZoneInfo) -> tuple[list[datetime], list[datetime]]:
    """For an event on local date d in [first, last]: the instant its 30-day repeat window ends,
    local midnight at the start of d + 31. Returns (day bounds, one limit per day)."""
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    bounds = [local_midnight(day, zone) for day in days] + [local_midnight(last + timedelta(days=1), zone)]
    limits = [local_midnight(day + timedelta(days=REPEAT_DAYS + 1), zone) for day in days]
    return bounds, limits


def business_closes(calendar: BusinessCalendar, start: datetime, end: datetime) -> list[datetime]:
    """Consecutive closing instants of business days, from the last one at or before `start` to the first
    one after `end`. A time t with closes[i] <= t < closes[i + 1] belongs to the business day that closes
    at closes[i + 1]: calendar.end_of_business_day(t), the close of the same business day, or of the next
    one when t is after closing, on a weekend or on a holiday."""
    probe = start - timedelta(days=7)
    while calendar.end_of_business_day(probe) > start:
        probe -= timedelta(days=7)
    closes = [calendar.end_of_business_day(probe)]
    while closes[-1] <= end:
        following = calendar.end_of_business_day(closes[-1])  # at a closing instant: the next day's close
        if following <= closes[-1]:  # pragma: no cover - the calendar always moves forward
            raise AssertionError("business closes must increase")
        if following <= start:
            closes = [following]
        else:
            closes.append(following)
    return closes
