"""The filters every outcome figure takes: a period of local business-calendar dates, a team and a worker.

Parsing is pure (tests/unit) and reports every bad field at once, as the API's 422 does; whether a
worker id names a user is asked through a callable so the database stays out of it.
"""
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from ..errors import InvalidInput
from ..schema_fields import EARLIEST_YEAR, LATEST_YEAR

# A year, leap years included: the longest period the screens and the API compute at once.
MAX_DAYS = 366
DEFAULT_DAYS = 30
TEAM_MAX = 80      # cases.team is a String(80)
MAX_USER_ID = 2 ** 31 - 1
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class OutcomeFilters:
    start: date                   # first local date of the period
    end: date                     # last local date, inclusive
    team: str | None = None       # the team of the person's case
    worker_id: int | None = None  # a user id; what it filters on is said per figure

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def as_args(self) -> dict[str, str]:
        """The query arguments that give these filters back (links, CSV, the API's echo)."""
        args = {"from": self.start.isoformat(), "to": self.end.isoformat()}
        if self.team is not None:
            args["team"] = self.team
        if self.worker_id is not None:
            args["worker"] = str(self.worker_id)
        return args


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    """The UTC instant a local date begins (zoneinfo resolves a midnight that a DST change skips)."""
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(timezone.utc)


def utc_bounds(filters: OutcomeFilters, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """[start, end) in UTC: local midnight of the first day to local midnight after the last, so a period
    holding a daylight-saving change is an hour shorter or longer than its days times 24 hours."""
    return local_midnight(filters.start, zone), local_midnight(filters.end + timedelta(days=1), zone)


def _date(raw: str | None, name: str, errors: dict) -> date | None:
    if raw is None:  # absent (an empty form field counts as absent)
        return None
    value = None
    if _ISO_DATE.fullmatch(raw):
        try:
            value = date.fromisoformat(raw)
        except ValueError:
            value = None
    if value is None:
        errors[name] = ["Give a date as YYYY-MM-DD."]
    elif not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        errors[name] = [f"Give a date between {EARLIEST_YEAR} and {LATEST_YEAR}."]
        value = None
    return value


def parse_filters(args: Mapping[str, str], *, today: date,
                  user_exists: Callable[[int], bool] = lambda _id: True) -> OutcomeFilters:
    """`from`, `to` (ISO dates, inclusive; by default the 30 days ending today), `team` (text) and
    `worker` (a user id). Raises InvalidInput naming each bad field."""
    errors: dict[str, list[str]] = {}
    raw_from, raw_to = (args.get(name, "").strip() or None for name in ("from", "to"))
    start, end = _date(raw_from, "from", errors), _date(raw_to, "to", errors)
    if "from" not in errors and "to" not in errors:
        if end is None:  # up to today, or 30 days from a start that lies ahead
            end = today if start is None or start <= today else start + timedelta(days=DEFAULT_DAYS - 1)
        start = start or end - timedelta(days=DEFAULT_DAYS - 1)
        blame = "to" if raw_to is not None else "from"
        if end < start:
            errors["to"] = ["The end date must be on or after the start date."]
        elif (end - start).days + 1 > MAX_DAYS:
            errors[blame] = [f"Choose a period of at most {MAX_DAYS} days."]

    team = args.get("team")
    if team is not None:
        team = team.strip()
        if len(team) > TEAM_MAX:
            errors["team"] = [f"Keep the team name to {TEAM_MAX} characters at most."]
        elif _CONTROL.search(team):
            errors["team"] = ["Remove the control characters from the team name."]
        team = team or None

    worker_id = None
    raw_worker = (args.get("worker") or "").strip()
    if raw_worker:
        if not re.fullmatch(r"[0-9]{1,10}", raw_worker) or not 0 < int(raw_worker) <= MAX_USER_ID:
            errors["worker"] = ["Give a worker's user id (a whole number)."]
        elif not user_exists(int(raw_worker)):
            errors["worker"] = ["No user has this id."]
        else:
            worker_id = int(raw_worker)

    if errors:
        raise InvalidInput(errors)
    return OutcomeFilters(start=start, end=end, team=team, worker_id=worker_id)


def filters_from_args(args: Mapping[str, str]) -> OutcomeFilters:
    """parse_filters with today's local date and the users table (needs an app context)."""
    from ..accounts.models import User
    from ..extensions import db
    from ..timekeeping import local_today

    return parse_filters(args, today=local_today(), user_exists=lambda uid: db.session.get(User, uid) is not None)
