"""The outcome figures for a period, team and worker: totals, trends, breakdowns, the escalation table
and the records behind a figure. Every number is aggregated in the database from the sources'
per-record facts (pwa/outcomes/sources.py); the definitions are in pwa/outcomes/definitions.py.
"""
from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from typing import NamedTuple

import sqlalchemy as sa
from flask import url_for

from ..access_log.record import note_reads
from ..accounts.models import User
from ..archive.models import ArchiveEntry
from ..cases.models import Case
from ..clock import as_utc, utcnow
from ..extensions import db
from ..governance.escalations import ESCALATION_LEVELS
from ..governance.vocab import ROLES
from ..timekeeping import calendar, local_zone
from . import runner
from .definitions import BY_KEY, FIGURES, Figure
from .filters import OutcomeFilters, utc_bounds
from .sources import ARCHIVE_ENTITIES, SOURCES, Scope
from .sql import medians
from .timegrid import bucket_bounds, business_closes, repeat_limits

NO_TEAM = "No team recorded"
NO_WORKER = "No worker recorded"
# Escalation levels in the order of ROLES (supervisors, then the recipients by seniority).
LEVELS = tuple(role for role in ROLES if role in set(ESCALATION_LEVELS.values()))
RECORDS_MAX = 100_000


class FigureValue(NamedTuple):
    value: float | int | None      # None: nothing to divide or measure ("no data", never 0 %)
    numerator: int | None          # shares and counts: the records counted
    denominator: int | None        # shares: the base; medians: the records measured; counts: a base if any


class LevelRow(NamedTuple):
    level: str
    raised: int
    acknowledged: int
    median_minutes_to_acknowledge: float | None


# --- scope ------------------------------------------------------------------------------------------

def _scope(filters: OutcomeFilters, grid=None) -> Scope:
    zone = local_zone()
    start, end = utc_bounds(filters, zone)
    bounds, limits = repeat_limits(filters.start, filters.end, zone)
    return Scope(start=start, end=end, now=utcnow(), team=filters.team, closes=business_closes(calendar(), start, end),
                 repeat_bounds=bounds, repeat_limits=limits, grid=grid)


def _by_source(figures: Iterable[Figure]) -> dict[str, list[Figure]]:
    out: dict[str, list[Figure]] = defaultdict(list)
    for figure in figures:
        out[figure.source].append(figure)
    return out


def _selected(key_or_all: str | Iterable[str] | None) -> list[Figure]:
    if key_or_all in (None, "all"):
        return list(FIGURES)
    keys = [key_or_all] if isinstance(key_or_all, str) else list(key_or_all)
    unknown = [k for k in keys if k not in BY_KEY]
    if unknown:
        raise KeyError(f"no such outcome figure: {', '.join(unknown)}")
    return [BY_KEY[k] for k in keys]


# --- aggregation ------------------------------------------------------------------------------------

def _mine(figure: Figure, rows, worker_id: int | None):
    """The records of the chosen worker, in the sense of this figure (every record when none is chosen)."""
    return rows.c[figure.worker_column] == worker_id if worker_id is not None else sa.true()


def _measured(figure: Figure, rows, worker_id: int | None):
    """The records a median is taken over: the figure's base, of the chosen worker."""
    return sa.and_(rows.c[figure.denominator], _mine(figure, rows, worker_id))


def _counts(figure: Figure, rows, worker_id: int | None) -> list:
    """count(*) FILTER columns for the figure's numerator and denominator facts (the worker filter is
    folded in, since each figure has its own worker)."""
    return [sa.func.count().filter(sa.and_(rows.c[fact], _mine(figure, rows, worker_id))).label(f"{figure.key}:{fact}")
            for fact in (figure.numerator, figure.denominator) if fact]


def _value(figure: Figure, row, median: float | None = None) -> FigureValue:
    num = int(row.get(f"{figure.key}:{figure.numerator}") or 0) if figure.numerator else None
    den = int(row.get(f"{figure.key}:{figure.denominator}") or 0) if figure.denominator else None
    if figure.is_median:
        return FigureValue(None if not den or median is None else float(median), None, den)
    if figure.unit == "share":
        return FigureValue(num / den if den else None, num, den)
    return FigureValue(num, num, den)


def _empty(figures: Iterable[Figure]) -> dict[str, FigureValue]:
    return {f.key: _value(f, {}) for f in figures}


class _Plan:
    """The queries for figures of one source, grouped by `by` (None: one group, 0; "team": the team of the
    person's case; else a column of the source, such as the bucket or a worker), and how their rows
    become {group: {key: FigureValue}}. On PostgreSQL the medians come from the same pass
    (percentile_cont); SQLite ranks them in a query of their own."""

    def __init__(self, figures: list[Figure], rows, worker_id: int | None, by: str | None = None):
        self.figures = figures
        source = rows
        if by == "team":
            source = rows.outerjoin(Case.__table__, Case.__table__.c.id == rows.c.case_id)
            group = Case.__table__.c.team
        else:
            group = rows.c[by] if by else None
        label = (group if group is not None else sa.literal_column("0")).label("grp")
        self.medians = [f for f in figures if f.is_median]
        self.postgres = db.session.get_bind().dialect.name == "postgresql"
        columns = [col for figure in figures for col in _counts(figure, rows, worker_id)]
        if self.postgres:
            columns += [sa.func.percentile_cont(0.5).within_group(rows.c[f.measure])
                        .filter(_measured(f, rows, worker_id)).label(f"{f.key}:median") for f in self.medians]
        query = sa.select(label, *columns).select_from(source)
        self.queries = [query.group_by(group) if group is not None else query]
        if not self.postgres:
            for figure in self.medians:
                measured = sa.select(label, rows.c[figure.measure].label("v")).select_from(source).where(
                    _measured(figure, rows, worker_id))
                self.queries.append(medians(measured.subquery("measure"), "sqlite"))

    def values(self, results: list) -> dict:
        found = {row["grp"]: row for row in results[0]}
        if self.postgres:
            med = {f.key: {grp: row[f"{f.key}:median"] for grp, row in found.items()} for f in self.medians}
        else:
            med = {f.key: {row["grp"]: row["median"] for row in rows} for f, rows in zip(self.medians, results[1:])}
        return {grp: {f.key: _value(f, row, med.get(f.key, {}).get(grp)) for f in self.figures}
                for grp, row in found.items()}


def _run(plans: list[_Plan]) -> list[dict]:
    """Each plan's values, its queries run together (pwa.outcomes.runner)."""
    results = runner.run([query for plan in plans for query in plan.queries])
    out, at = [], 0
    for plan in plans:
        out.append(plan.values(results[at:at + len(plan.queries)]))
        at += len(plan.queries)
    return out


def compute(filters: OutcomeFilters, key_or_all: str | Iterable[str] | None = "all") -> dict[str, FigureValue]:
    """Every figure (or the ones named) for the filters, in FIGURES order."""
    figures = _selected(key_or_all)
    scope = _scope(filters)
    plans = [_Plan(mine, SOURCES[source](scope).subquery(source), filters.worker_id)
             for source, mine in _by_source(figures).items()]
    out = {}
    for plan, values in zip(plans, _run(plans)):
        out.update(values.get(0, _empty(plan.figures)))
    return {f.key: out[f.key] for f in figures}


def trend(filters: OutcomeFilters, key_or_all: str | Iterable[str] | None = "all",
          bucket: str = "day") -> list[tuple[date, dict[str, FigureValue]]]:
    """The figures per local day, week (from Monday) or month of the period, oldest first; the first and
    last buckets are clipped to the period and every bucket is present (empty ones show no data)."""
    figures = _selected(key_or_all)
    starts, grid = bucket_bounds(filters.start, filters.end, bucket, local_zone())
    scope = _scope(filters, grid)
    plans = [_Plan(mine, SOURCES[source](scope).subquery(source), filters.worker_id, "bucket")
             for source, mine in _by_source(figures).items()]
    per_bucket: dict[int, dict[str, FigureValue]] = defaultdict(dict)
    for values in _run(plans):
        for index, found in values.items():
            if index is not None:
                per_bucket[int(index)].update(found)
    empty = _empty(figures)
    return [(day, {f.key: per_bucket[i].get(f.key, empty[f.key]) for f in figures})
            for i, day in enumerate(starts)]


def breakdown(filters: OutcomeFilters, by: str = "team",
              key_or_all: str | Iterable[str] | None = "all") -> list[tuple[str, dict[str, FigureValue]]]:
    """The figures per team of the person's case, or per worker (whose work each figure reflects: see each
    figure's `worker`), sorted by name with the unrecorded group last."""
    if by not in ("team", "worker"):
        raise ValueError("breakdown is by 'team' or 'worker'")
    figures = _selected(key_or_all)
    scope = _scope(filters)
    plans = []
    for source, mine in _by_source(figures).items():
        rows = SOURCES[source](scope).subquery(source)
        if by == "team":
            plans.append(_Plan(mine, rows, filters.worker_id, "team"))
            continue
        for column in dict.fromkeys(f.worker_column for f in mine):
            plans.append(_Plan([f for f in mine if f.worker_column == column], rows, filters.worker_id, column))
    groups: dict[object, dict[str, FigureValue]] = defaultdict(dict)
    for values in _run(plans):
        for grp, found in values.items():
            groups[grp].update(found)
    # With a worker chosen, other workers' groups count nothing: leave out groups with nothing in them.
    groups = {g: v for g, v in groups.items() if any(x.numerator or x.denominator for x in v.values())}
    labels = _team_labels(groups) if by == "team" else _worker_labels(groups)
    empty = _empty(figures)
    ordered = sorted(groups, key=lambda g: (g is None, labels[g].casefold()))
    return [(labels[g], {f.key: groups[g].get(f.key, empty[f.key]) for f in figures}) for g in ordered]


def _team_labels(groups) -> dict:
    return {g: NO_TEAM if g is None else str(g) for g in groups}


def _worker_labels(groups) -> dict:
    ids = [g for g in groups if g is not None]
    users = {u.id: u for u in db.session.scalars(sa.select(User).where(User.id.in_(ids)))} if ids else {}
    labels = {None: NO_WORKER}
    for uid in ids:
        user = users.get(uid)
        labels[uid] = f"{user.display_name} ({user.username})" if user else f"User {uid}"
    return labels


def escalations_by_level(filters: OutcomeFilters) -> list[LevelRow]:
    """Escalations raised in the period per level (the role they are addressed to): how many, how many
    acknowledged, and the median minutes to acknowledgement. Every level is listed, busiest or not."""
    raised, ack = BY_KEY["escalations_raised"], BY_KEY["median_minutes_to_acknowledge"]
    rows = SOURCES["escalations"](_scope(filters)).subquery("escalations")
    (per_level,) = _run([_Plan([raised, ack], rows, filters.worker_id, "level")])
    out = []
    for level in LEVELS:
        values = per_level.get(level)
        if values is None:
            out.append(LevelRow(level, 0, 0, None))
            continue
        out.append(LevelRow(level, values[raised.key].numerator, values[ack.key].denominator, values[ack.key].value))
    return out


# --- the records behind a figure ------------------------------------------------------------------------

def records(key: str, filters: OutcomeFilters, limit: int | None = 50, offset: int = 0) -> list[dict]:
    """The records a figure is taken over, oldest first: each with the side it counts on (e.g. met or
    missed), the measured value for a median, its screen and its first archive entry. At most
    RECORDS_MAX at a time (limit None: that many)."""
    figure = BY_KEY[key]
    limit = RECORDS_MAX if limit is None else max(0, min(int(limit), RECORDS_MAX))
    offset = max(0, int(offset))
    rows = SOURCES[figure.source](_scope(filters)).subquery(figure.source)
    base = figure.denominator or figure.numerator
    query = sa.select(rows.c.id, rows.c.kind, rows.c.link_id, rows.c.at, Case.case_ref, Case.team,
                      rows.c[figure.worker_column].label("worker_id"),
                      (rows.c[figure.numerator] if figure.numerator else sa.true()).label("counted"),
                      (rows.c[figure.measure] if figure.measure else sa.null()).label("value"),
                      ).select_from(rows.outerjoin(Case, Case.id == rows.c.case_id)).where(rows.c[base])
    if filters.worker_id is not None:
        query = query.where(rows.c[figure.worker_column] == filters.worker_id)
    (found,) = runner.run([query.order_by(rows.c.at, rows.c.id).limit(limit).offset(offset)])
    note_reads(r["case_ref"] for r in found)  # the records behind a figure name people: an access record
    seqs = _archive_seqs(found)
    on, off = figure.sides
    return [{"id": r["id"], "kind": r["kind"], "case_ref": r["case_ref"], "team": r["team"],
             "worker_id": r["worker_id"], "at": as_utc(r["at"]) if r["at"] else None,
             "side": on if r["counted"] else off,
             "value": None if r["value"] is None else round(float(r["value"]), 1),
             "url": record_url(r["kind"], r["link_id"]),
             "archive_url": url_for("archive.entry", seq=seqs[r["kind"], r["id"]], _external=False)
             if (r["kind"], r["id"]) in seqs else None}
            for r in found]


def record_url(kind: str, link_id: int) -> str:
    """The in-app path of a record's screen (the roles that may open it are the screen's)."""
    if kind == "missed_contact":
        return url_for("intake.event", event_id=link_id, _external=False)
    if kind == "recovery_case":
        return url_for("recovery.case", recovery_id=link_id, _external=False)
    if kind == "escalation":
        return url_for("escalations.inbox", _anchor=f"escalation-{link_id}", _external=False)
    if kind in ("makeup", "notice"):  # an appointment: its booking or notice is in the archive
        return url_for("archive.folder", folder="recovery-action" if kind == "makeup" else "attendance-status",
                       _external=False)
    if kind == "support_request":
        return url_for("support.support_list", _anchor=f"support-{link_id}", _external=False)
    # Threshold reviews, and their determinations, communications and restrictions: the review's page.
    return url_for("review.review_page", review_id=link_id, _external=False)


def _archive_seqs(found) -> dict[tuple[str, int], int]:
    """The first archive entry of each record (readable by every role that reads the outcomes)."""
    ids: dict[str, list[int]] = defaultdict(list)
    for r in found:
        if r["kind"] in ARCHIVE_ENTITIES:
            ids[r["kind"]].append(r["id"])
    out = {}
    for kind, kind_ids in ids.items():
        query = (sa.select(ArchiveEntry.entity_id, sa.func.min(ArchiveEntry.seq))
                 .where(ArchiveEntry.entity == ARCHIVE_ENTITIES[kind], ArchiveEntry.entity_id.in_(kind_ids))
                 .group_by(ArchiveEntry.entity_id))
        out.update({(kind, entity_id): seq for entity_id, seq in db.session.execute(query)})
    return out
