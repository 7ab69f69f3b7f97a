"""Each outcome figure is defined once and its facts exist in its source; the SQL helpers the figures
share (a step function of time, medians, elapsed minutes) give the same answers as Python does."""
import statistics
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from pwa.models_base import UTCDateTime
from pwa.outcomes.definitions import BY_KEY, FIGURES, GROUPS, UNITS, grouped
from pwa.outcomes.sources import SOURCES, Scope
from pwa.outcomes.sql import medians, minutes_between, step
from tests.support.clock import UTC

T0 = datetime(2026, 11, 1, tzinfo=UTC)


def scope(grid=None) -> Scope:
    days = [T0 + timedelta(days=n) for n in range(4)]
    return Scope(start=T0, end=T0 + timedelta(days=3), now=T0 + timedelta(days=10), team="North",
                 closes=[T0 - timedelta(hours=7)] + [d + timedelta(hours=22) for d in days],
                 repeat_bounds=days, repeat_limits=[d + timedelta(days=31) for d in days[:-1]], grid=grid)


def test_keys_units_and_groups():
    assert len(BY_KEY) == len(FIGURES) == 20
    assert all(f.unit in UNITS and f.group in GROUPS for f in FIGURES)
    assert [g for g, figures in grouped()] == list(GROUPS) and all(figures for _g, figures in grouped())
    for figure in FIGURES:
        assert figure.definition.endswith(".") and len(figure.definition) > 80, figure.key
        assert figure.worker, figure.key
        if figure.unit == "share":
            assert figure.numerator and figure.denominator, figure.key
        if figure.is_median:
            assert figure.denominator and not figure.numerator, figure.key
        if figure.unit == "count":
            assert figure.numerator, figure.key


@pytest.mark.parametrize("grid", [None, [T0, T0 + timedelta(days=1), T0 + timedelta(days=3)]])
def test_every_fact_a_figure_names_is_a_column_of_its_source(grid):
    for name, build in SOURCES.items():
        columns = set(build(scope(grid)).selected_columns.keys())
        assert {"id", "kind", "link_id", "case_id", "at"} <= columns, name
        assert ("bucket" in columns) == (grid is not None), name
        for figure in (f for f in FIGURES if f.source == name):
            named = {figure.worker_column, figure.numerator, figure.denominator, figure.measure} - {None}
            assert named <= columns, (figure.key, named - columns)


@pytest.fixture
def sqlite():
    engine = sa.create_engine("sqlite://")
    meta = sa.MetaData()
    table = sa.Table("t", meta, sa.Column("id", sa.Integer, primary_key=True), sa.Column("at", UTCDateTime()),
                     sa.Column("until", UTCDateTime()), sa.Column("grp", sa.Integer), sa.Column("v", sa.Float))
    meta.create_all(engine)
    with engine.begin() as conn:
        yield conn, table


def test_step_maps_each_time_to_its_interval(sqlite):
    conn, table = sqlite
    bounds = [T0 + timedelta(hours=h) for h in (0, 5, 9, 24, 48)]
    times = [T0 - timedelta(seconds=1), T0, T0 + timedelta(hours=5) - timedelta(microseconds=1),
             T0 + timedelta(hours=5), T0 + timedelta(hours=30), T0 + timedelta(hours=48), None]
    conn.execute(table.insert(), [{"id": n, "at": at} for n, at in enumerate(times)])
    by_index = dict(conn.execute(sa.select(table.c.id, step(table.c.at, bounds, range(4)))).all())
    assert [by_index[n] for n in range(len(times))] == [None, 0, 0, 1, 3, None, None]
    closes = bounds[1:]
    by_close = dict(conn.execute(sa.select(table.c.id, step(table.c.at, bounds, closes))).all())
    assert by_close[4] == T0 + timedelta(hours=48)  # typed: an aware UTC datetime comes back
    with pytest.raises(ValueError):
        step(table.c.at, bounds, range(3))


def test_medians_and_minutes_match_python(sqlite):
    conn, table = sqlite
    rows = [(1, [10, 20, 40, 60]), (2, [5]), (3, [7, 1, 3])]
    conn.execute(table.insert(), [{"grp": grp, "v": v} for grp, values in rows for v in values]
                 + [{"grp": 2, "v": None}])
    found = dict(conn.execute(medians(sa.select(table.c.grp, table.c.v).subquery(), "sqlite")).all())
    assert found == {grp: statistics.median(values) for grp, values in rows}
    conn.execute(table.insert(), [{"id": 100, "at": T0, "until": T0 + timedelta(minutes=60, seconds=30)}])
    assert conn.execute(sa.select(minutes_between(table.c.at, table.c.until)).where(table.c.id == 100)).scalar() == 60.5
