"""Column types and helpers shared by the models of every area."""
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator):
    """Stores naive UTC (SQLite has no time zones), always returns aware UTC."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect):
        return None if value is None else value.replace(tzinfo=UTC)


def enum_check(column: str, values, name: str | None = None, nullable: bool = False) -> sa.CheckConstraint:
    """Enumerations are strings with a CHECK constraint (readable in SQL, portable)."""
    quoted = ", ".join("'" + v + "'" for v in values)
    clause = f"{column} IN ({quoted})"
    if nullable:
        clause = f"{column} IS NULL OR " + clause
    return sa.CheckConstraint(clause, name=name or f"{column}_values")


class StepRecord:
    """Columns every step record shares (SPEC: Records every step shares)."""

    reviewer_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    validation_timestamp: Mapped[datetime] = mapped_column(UTCDateTime())
    control_status: Mapped[str] = mapped_column(sa.String(10))
    escalation_status: Mapped[str] = mapped_column(sa.String(60), default="none")
