"""The one source of "now" (UTC, aware), so tests can travel in time with time-machine and the
demo loader can write a day's history as it would have happened."""
from contextlib import contextmanager
from datetime import UTC, datetime

_override: datetime | None = None


def utcnow() -> datetime:
    return _override if _override is not None else datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """An aware datetime in UTC; naive values are taken to be UTC already (database reads)."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


@contextmanager
def acting_at(moment: datetime):
    """Run operations as if it were `moment` (demo history only; never in a request)."""
    global _override
    previous, _override = _override, as_utc(moment)
    try:
        yield
    finally:
        _override = previous
