"""The demo's clock: every time of the demo's live work is derived on the business calendar from one
instant, so `flask demo` holds on any date and at any hour (weekends, holidays, both DST nights)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from .governance.calendar import BusinessCalendar


@dataclass(frozen=True)
class DemoClock:
    cal: BusinessCalendar
    # The live work's "now": the real one in working hours, else the last closing before it, so on a
    # closed day or at night the live work sits on the last business day, still open.
    end: datetime

    @classmethod
    def at(cls, cal: BusinessCalendar, now: datetime) -> DemoClock:
        now = now.replace(second=0, microsecond=0)
        return cls(cal, now if cal.is_open(now) else cal.previous_closing(now))

    @property
    def day(self) -> date:
        """The live business day (local)."""
        return self.end.astimezone(self.cal.zone).date()

    def ago(self, hours: float) -> datetime:
        """`hours` of business time before the live "now"."""
        return self.cal.subtract_business_time(self.end, timedelta(hours=hours))

    def ahead(self, hours: float) -> datetime:
        """`hours` of business time after the live "now": always still to come."""
        return self.cal.add_business_time(self.end, timedelta(hours=hours))

    def days_back(self, days: int, hour: int = 10) -> datetime:
        """`hour`:00 local on the last business day at least `days` calendar days before the live day
        (for history weeks back, where the calendar-day distance is what a threshold window counts)."""
        day = self.day - timedelta(days=days)
        while not self.cal.is_business_day(day):
            day -= timedelta(days=1)
        return datetime.combine(day, time(hour), self.cal.zone)
