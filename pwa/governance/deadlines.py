"""When each step falls due, and whether it was done in time."""
from datetime import datetime, timedelta

from .calendar import BusinessCalendar


def event_open_due(detected_at: datetime, minutes: int) -> datetime:
    """1a: within 30 minutes (wall clock) of the detected miss."""
    return detected_at + timedelta(minutes=minutes)


def classification_due(queued_at: datetime, calendar: BusinessCalendar, business_hours: float) -> datetime:
    """1b: within 2 business hours of queue receipt."""
    return calendar.add_business_hours(queued_at, business_hours)


def recovery_open_due(instructed_at: datetime, high_risk: bool, calendar: BusinessCalendar,
                      business_hours: float, high_risk_minutes: int) -> datetime:
    """2a: within 1 business hour, or 15 minutes (wall clock) when the case is high-risk."""
    if high_risk:
        return instructed_at + timedelta(minutes=high_risk_minutes)
    return calendar.add_business_hours(instructed_at, business_hours)


def control_status(done_at: datetime, due_at: datetime | None) -> str:
    return "met" if due_at is None or done_at <= due_at else "breached"


def disposition_due(instructed_at: datetime, high_risk: bool, calendar: BusinessCalendar,
                    high_risk_business_hours: float) -> datetime:
    """2c: by the end of the same business day, or sooner for high-risk cases: within 2 business
    hours, and never later than that day's close."""
    end_of_day = calendar.end_of_business_day(instructed_at)
    if high_risk:
        return min(calendar.add_business_hours(instructed_at, high_risk_business_hours), end_of_day)
    return end_of_day


FIRST_ATTEMPT_WITHIN = timedelta(hours=1)


def first_attempt_due(opened_at: datetime) -> datetime:
    """E4: an opened tier-1 or high-risk case needs an attempt within 1 hour (wall clock) of opening."""
    return opened_at + FIRST_ATTEMPT_WITHIN


def threshold_review_due(initiated_at: datetime, calendar: BusinessCalendar, business_days: int = 1) -> datetime:
    """3a: the review is opened within 1 business day of the case reaching a level."""
    return calendar.add_business_days(initiated_at, business_days)


def determination_due(initiated_at: datetime, calendar: BusinessCalendar, business_days: int = 1) -> datetime:
    """3b: the panel determines within 1 business day of review initiation."""
    return calendar.add_business_days(initiated_at, business_days)
