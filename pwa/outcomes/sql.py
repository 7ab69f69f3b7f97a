"""The SQL pieces the figures share, written once for SQLite and PostgreSQL."""
from collections.abc import Sequence
from datetime import datetime, timezone

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement, FunctionElement

from ..models_base import UTCDateTime


def step(column, bounds: Sequence[datetime], values: Sequence) -> ColumnElement:
    """values[i] where bounds[i] <= column < bounds[i + 1]; NULL outside the bounds (and for NULL).

    A balanced CASE tree: log2(len(bounds)) comparisons a row, where a join against a table of
    ranges would compare every row with every range. The bounds come from pwa.outcomes.timegrid
    (UTC instants of local boundaries); values are datetimes (UTC) or integers.
    """
    if len(values) != len(bounds) - 1 or not values:
        raise ValueError("step needs one value per interval between consecutive bounds")
    timed = isinstance(values[0], datetime)
    return _Step(column, tuple(bounds), tuple(values), UTCDateTime() if timed else sa.Integer())


class _Step(ColumnElement):
    """step()'s CASE tree as one element, written out when the statement is compiled. A year of days
    would otherwise be a thousand bound parameters, each built and hashed on every call; these are the
    app's own instants, written as SQL literals."""

    inherit_cache = False  # the literals belong to one period: nothing to reuse

    def __init__(self, column, bounds: tuple, values: tuple, type_):
        self.column, self.bounds, self.values, self.type = column, bounds, values, type_

    def get_children(self, **kw):
        return [self.column]

    @property
    def _from_objects(self):
        return self.column._from_objects


def _literal(value, dialect: str) -> str:
    if isinstance(value, datetime):
        text = value.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")
        # SQLite compares the stored text (UTCDateTime's format); PostgreSQL a timestamp without time zone.
        return f"TIMESTAMP '{text}'" if dialect == "postgresql" else f"'{text}'"
    return str(int(value))


@compiles(_Step)
def _compile_step(element, compiler, **kw):
    column = compiler.process(element.column, **kw)
    dialect = compiler.dialect.name
    bounds = [_literal(b, dialect) for b in element.bounds]
    values = [_literal(v, dialect) for v in element.values]

    def tree(lo: int, hi: int) -> str:  # covers bounds[lo] <= column < bounds[hi]
        if hi - lo == 1:
            return values[lo]
        mid = (lo + hi) // 2
        return f"CASE WHEN {column} < {bounds[mid]} THEN {tree(lo, mid)} ELSE {tree(mid, hi)} END"

    outside = f"{column} IS NULL OR {column} < {bounds[0]} OR {column} >= {bounds[-1]}"
    return f"CASE WHEN {outside} THEN NULL ELSE {tree(0, len(values))} END"


class minutes_between(FunctionElement):
    """Elapsed minutes from the first time to the second (a float; NULL when either is NULL)."""

    type = sa.Float()
    inherit_cache = True
    name = "minutes_between"


@compiles(minutes_between)
def _minutes_sqlite(element, compiler, **kw):
    start, end = list(element.clauses)
    # julianday() is a float of days, good to about 0.1 ms today: rounding to whole milliseconds makes
    # 60 minutes come out as 60.0 rather than 59.9999998.
    days = f"(julianday({compiler.process(end, **kw)}) - julianday({compiler.process(start, **kw)}))"
    return f"(ROUND({days} * 86400000.0) / 60000.0)"


@compiles(minutes_between, "postgresql")
def _minutes_postgresql(element, compiler, **kw):
    start, end = list(element.clauses)
    return f"(EXTRACT(EPOCH FROM ({compiler.process(end, **kw)} - {compiler.process(start, **kw)})) / 60.0)"


def constant(value):
    """A constant written into the SQL text rather than sent as a parameter: the database must see that a
    query's condition implies a partial index's, and a prepared statement's generic plan cannot see it
    through a parameter. Only for the code's own constants, never for input."""
    if isinstance(value, (tuple, list)):
        return sa.bindparam(None, tuple(value), expanding=True, literal_execute=True)
    return sa.literal(value, literal_execute=True)


def fenced(query: sa.Select) -> sa.Select:
    """The query with OFFSET 0, which both databases keep as a subquery of its own: its columns are
    computed once per row there, instead of being copied as expressions into every place that reads
    them (a business day is a CASE tree; a set lookup, a hash probe)."""
    return query.offset(sa.literal_column("0"))


def medians(rows, dialect: str) -> sa.Select:
    """(grp, median of v) for a selectable with columns `grp` and `v` (rows where v is NULL are left out).

    PostgreSQL has percentile_cont; SQLite gets the middle one or two values by row number."""
    values = sa.select(rows.c.grp, rows.c.v).where(rows.c.v.is_not(None)).subquery("measured")
    if dialect == "postgresql":
        return (sa.select(values.c.grp, sa.func.percentile_cont(0.5).within_group(values.c.v).label("median"))
                .group_by(values.c.grp))
    ranked = sa.select(
        values.c.grp, values.c.v,
        sa.func.row_number().over(partition_by=values.c.grp, order_by=values.c.v).label("rn"),
        sa.func.count().over(partition_by=values.c.grp).label("n"),
    ).subquery("ranked")
    middle = sa.or_(ranked.c.rn == (ranked.c.n + 1) // 2, ranked.c.rn == (ranked.c.n + 2) // 2)
    return sa.select(ranked.c.grp, sa.func.avg(ranked.c.v).label("median")).where(middle).group_by(ranked.c.grp)
