"""The app's business calendar and local dates, from configuration."""
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app

from .clock import utcnow
from .governance.calendar import BusinessCalendar, calendar_from_config


def calendar() -> BusinessCalendar:
    ext = current_app.extensions
    if "continuity.calendar" not in ext:
        ext["continuity.calendar"] = calendar_from_config(current_app.config)
    return ext["continuity.calendar"]


def local_zone() -> ZoneInfo:
    return ZoneInfo(calendar().timezone)


def local_today(now: datetime | None = None) -> date:
    return (now or utcnow()).astimezone(local_zone()).date()


def local_time(value: datetime | None) -> datetime | None:
    return None if value is None else value.astimezone(local_zone())


def end_of_local_day(now: datetime | None = None) -> datetime:
    """Midnight at the end of today, in the business time zone."""
    day = local_today(now)
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=local_zone())
