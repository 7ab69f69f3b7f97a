"""Business calendar used to compute governance deadlines.

Pure module: no Flask, only the standard library plus the ``holidays`` package.

Semantics
---------
* Every datetime argument must be timezone-aware (naive ones raise ``ValueError``);
  every datetime returned is timezone-aware UTC.
* Working hours (``opens``..``closes``) are local wall-clock times in ``timezone``.
  A business day is a weekday in ``workdays`` that is neither a public holiday
  (``holidays.country_holidays``, observed days included) nor in ``closure_days``.
* Business time is real elapsed time inside working hours, so a day that contains a
  DST switch between ``opens`` and ``closes`` is correspondingly shorter or longer.
  An ``opens``/``closes`` wall time that does not exist locally (spring-forward gap)
  resolves with the pre-transition offset, as ``zoneinfo`` does for ``fold=0``.
* The working window is half-open: the opening instant is open, the closing instant
  is not. ``add_business_time`` stops the clock at closing, so a deadline that uses
  up a day exactly lands on that day's closing instant, not the next opening.
* ``add_business_time`` with a zero amount returns ``start`` unchanged (in UTC);
  otherwise a start outside working hours counts from the next opening.
  Negative amounts raise ``ValueError``.
* ``subtract_business_time(end, amount)`` counts back: ``add_business_time`` of its result
  and ``amount`` gives ``end`` again for an ``end`` in working hours or at a closing (for an
  ``end`` at an opening, the closing before it: no business time apart).
* ``add_business_days(start, n)`` adds ``n`` nominal working days of business time
  (``closes - opens`` each): Monday 14:00 + 1 -> Tuesday 14:00.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from types import MappingProxyType
from zoneinfo import ZoneInfo

import holidays

__all__ = ["BusinessCalendar", "calendar_from_config"]

UTC = timezone.utc
LOCAL_CLOSURE = "Local closure"

# Safety valve: a calendar whose closures swallow this many consecutive days is
# treated as misconfigured rather than looping forever.
_MAX_CLOSED_STREAK = 3660


@lru_cache(maxsize=256)
def _public_holidays(country: str, subdivision: str | None, year: int) -> Mapping[date, str]:
    """Public holidays of one year, computed once per (country, subdivision, year)."""
    table = holidays.country_holidays(country, subdiv=subdivision, years=year)
    # Snapshot into a plain read-only mapping: HolidayBase lookups auto-expand to
    # other years and normalise keys, which is slower and mutates shared state.
    return MappingProxyType({day: name for day, name in table.items() if day.year == year})


def _to_utc(at: datetime) -> datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"timezone-aware datetime required, got naive {at!r}")
    return at.astimezone(UTC)


@dataclass(frozen=True)
class BusinessCalendar:
    timezone: str = "America/New_York"
    opens: time = time(9, 0)
    closes: time = time(17, 0)
    workdays: frozenset[int] = frozenset({0, 1, 2, 3, 4})  # Monday=0
    holidays_country: str | None = "US"
    holidays_subdivision: str | None = None
    closure_days: frozenset[date] = frozenset()  # local closure days on top of public holidays

    def __post_init__(self) -> None:
        # Accept any iterable for the set fields but keep the instance hashable.
        object.__setattr__(self, "workdays", frozenset(self.workdays))
        object.__setattr__(self, "closure_days", frozenset(self.closure_days))
        if not self.workdays or not self.workdays <= set(range(7)):
            raise ValueError(f"workdays must be a non-empty subset of 0..6: {set(self.workdays)}")
        if self.opens.tzinfo is not None or self.closes.tzinfo is not None:
            raise ValueError("opens/closes are local wall-clock times and must be naive")
        if not self.opens < self.closes:
            raise ValueError("opens must be before closes (overnight hours are not supported)")
        ZoneInfo(self.timezone)  # fail fast on an unknown zone
        if self.holidays_country is not None:
            # Fail fast on an unknown country/subdivision (raises NotImplementedError).
            _public_holidays(self.holidays_country, self.holidays_subdivision, 2000)

    # -- days -----------------------------------------------------------------

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)  # ZoneInfo caches instances per key

    @property
    def working_day(self) -> timedelta:
        """Nominal length of a working day (wall clock, ignoring DST)."""
        return datetime.combine(date.min, self.closes) - datetime.combine(date.min, self.opens)

    def holiday_name(self, day: date) -> str | None:
        """Name of the public holiday on ``day``, "Local closure", or None."""
        day = self._as_date(day)
        if self.holidays_country is not None:
            table = _public_holidays(self.holidays_country, self.holidays_subdivision, day.year)
            name = table.get(day)
            if name is not None:
                return name
        return LOCAL_CLOSURE if day in self.closure_days else None

    def is_business_day(self, day: date) -> bool:
        day = self._as_date(day)
        return day.weekday() in self.workdays and self.holiday_name(day) is None

    # -- instants -------------------------------------------------------------

    def is_open(self, at: datetime) -> bool:
        """True inside working hours (opening inclusive, closing exclusive) on a business day."""
        at = _to_utc(at)
        window = self._window(at.astimezone(self.zone).date())
        return window is not None and window[0] <= at < window[1]

    def next_opening(self, at: datetime) -> datetime:
        """``at`` itself if open, else the next opening instant."""
        at = _to_utc(at)
        opens, _ = next(self._windows_from(at))
        return max(at, opens)

    def end_of_business_day(self, at: datetime) -> datetime:
        """Closing instant of the business day containing ``at`` (if still before closing),
        otherwise of the next business day."""
        _, closes = next(self._windows_from(_to_utc(at)))
        return closes

    def add_business_time(self, start: datetime, amount: timedelta) -> datetime:
        start = _to_utc(start)
        if amount < timedelta(0):
            raise ValueError(f"amount must not be negative, got {amount}")
        if not amount:
            return start
        remaining = amount
        for opens, closes in self._windows_from(start):
            begin = max(start, opens)
            available = closes - begin
            # "<=" so that using up the window exactly yields closing, not next opening.
            if remaining <= available:
                return begin + remaining
            remaining -= available
        raise AssertionError("unreachable: _windows_from never ends")  # pragma: no cover

    def subtract_business_time(self, end: datetime, amount: timedelta) -> datetime:
        """The instant ``amount`` of business time before ``end``: the inverse of
        ``add_business_time`` for an ``end`` inside working hours or at a closing. Using up a
        window exactly lands on its opening; an ``end`` outside working hours counts back from
        the last closing before it."""
        end = _to_utc(end)
        if amount < timedelta(0):
            raise ValueError(f"amount must not be negative, got {amount}")
        if not amount:
            return end
        remaining = amount
        for opens, closes in self._windows_before(end):
            finish = min(end, closes)
            available = finish - opens
            if remaining <= available:
                return finish - remaining
            remaining -= available
        raise AssertionError("unreachable: _windows_before never ends")  # pragma: no cover

    def previous_closing(self, at: datetime) -> datetime:
        """The last closing instant at or before ``at``."""
        at = _to_utc(at)
        for _, closes in self._windows_before(at):
            if closes <= at:
                return closes
        raise AssertionError("unreachable: _windows_before never ends")  # pragma: no cover

    def add_business_hours(self, start: datetime, hours: float) -> datetime:
        return self.add_business_time(start, timedelta(hours=hours))

    def add_business_days(self, start: datetime, days: int) -> datetime:
        if days < 0:
            raise ValueError(f"days must not be negative, got {days}")
        return self.add_business_time(start, days * self.working_day)

    def business_time_between(self, start: datetime, end: datetime) -> timedelta:
        """Business time elapsed from ``start`` to ``end``; negative if ``end < start``."""
        start, end = _to_utc(start), _to_utc(end)
        if end < start:
            return -self.business_time_between(end, start)
        total = timedelta(0)
        for opens, closes in self._windows_from(start):
            if opens >= end:
                break
            total += min(closes, end) - max(start, opens)
        return total

    # -- internals ------------------------------------------------------------

    @staticmethod
    def _as_date(day: date) -> date:
        # A datetime is a date subclass; silently taking its .date() would ignore
        # its timezone, so make callers say which local day they mean.
        if isinstance(day, datetime):
            raise TypeError("pass a date, not a datetime")
        return day

    def _window(self, day: date) -> tuple[datetime, datetime] | None:
        """UTC (opening, closing) of ``day`` if it is a business day."""
        if not self.is_business_day(day):
            return None
        zone = self.zone
        opens = datetime.combine(day, self.opens, tzinfo=zone).astimezone(UTC)
        closes = datetime.combine(day, self.closes, tzinfo=zone).astimezone(UTC)
        return (opens, closes) if opens < closes else None

    def _windows_from(self, at: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Business windows in order, starting with the first one closing after ``at``.

        Windows lie within their local day, so starting from ``at``'s local date
        cannot skip a relevant window.
        """
        day = at.astimezone(self.zone).date()
        closed_streak = 0
        while True:
            window = self._window(day)
            if window is not None and window[1] > at:
                closed_streak = 0
                yield window
            else:
                closed_streak += 1
                if closed_streak > _MAX_CLOSED_STREAK:
                    raise ValueError(f"no business day in {_MAX_CLOSED_STREAK} days up to {day}")
            day += timedelta(days=1)

    def _windows_before(self, at: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Business windows in reverse order, starting with the last one opening before ``at``."""
        day = at.astimezone(self.zone).date()
        closed_streak = 0
        while True:
            window = self._window(day)
            if window is not None and window[0] < at:
                closed_streak = 0
                yield window
            else:
                closed_streak += 1
                if closed_streak > _MAX_CLOSED_STREAK:
                    raise ValueError(f"no business day in {_MAX_CLOSED_STREAK} days before {day}")
            day -= timedelta(days=1)


# -- configuration ------------------------------------------------------------


def _parse_time(value: str | time) -> time:
    return value if isinstance(value, time) else time.fromisoformat(value.strip())


def _parse_workdays(value: str | Iterable[int]) -> frozenset[int]:
    if isinstance(value, str):
        return frozenset(int(part) for part in value.split(",") if part.strip())
    return frozenset(int(day) for day in value)


def _parse_dates(value: str | Iterable[date | str]) -> frozenset[date]:
    items = value.split(",") if isinstance(value, str) else value
    return frozenset(
        item if isinstance(item, date) else date.fromisoformat(item.strip())
        for item in items
        if isinstance(item, date) or item.strip()
    )


def _optional(value: str | None) -> str | None:
    return (value.strip() or None) if isinstance(value, str) else value


def calendar_from_config(config: Mapping) -> BusinessCalendar:
    """Build a calendar from app config keys, falling back to BusinessCalendar defaults."""
    default = BusinessCalendar()
    return BusinessCalendar(
        timezone=config.get("TIMEZONE") or default.timezone,
        opens=_parse_time(config.get("BUSINESS_OPENS") or default.opens),
        closes=_parse_time(config.get("BUSINESS_CLOSES") or default.closes),
        workdays=_parse_workdays(config.get("BUSINESS_WORKDAYS") or default.workdays),
        # Present-but-empty means "no public holidays", unlike a missing key.
        holidays_country=_optional(config.get("HOLIDAYS_COUNTRY", default.holidays_country)),
        holidays_subdivision=_optional(
            config.get("HOLIDAYS_SUBDIVISION", default.holidays_subdivision)
        ),
        closure_days=_parse_dates(config.get("CLOSURE_DAYS") or ()),
    )
