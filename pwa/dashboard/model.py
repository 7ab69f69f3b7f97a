"""What the dashboard, the drill-down and the pack show, from pwa.outcomes' numbers: tiles with their
sparkline and change against the previous period, trend charts per group and unit with the table
behind each, breakdown bars and the escalation table. Templates only lay these out."""
from __future__ import annotations

import re
from datetime import date, timedelta

import sqlalchemy as sa
from flask import url_for

from ..accounts.models import User
from ..extensions import db
from ..governance.vocab import labelled
from ..outcomes.definitions import BY_KEY, FIGURES, Figure, grouped
from ..outcomes.filters import OutcomeFilters
from . import charts
from .charts import fmt

# Which way is good, where the seed says so ("faster re-engagement, fewer repeated missed visits",
# "fewer punitive closures"); the other figures are watched, not judged, so their change is neutral.
HIGHER_IS_BETTER = {"opened_within_30_minutes", "classified_within_2_business_hours", "same_day_reengagement",
                    "makeup_attendance_rate", "reengaged_within_7_days", "support_resolved_before_next_session"}
LOWER_IS_BETTER = {"codes_without_evidence", "median_minutes_to_first_attempt", "repeat_missed_within_30_days",
                   "high_risk_unresolved_at_close", "closures", "median_minutes_to_acknowledge",
                   "median_hours_to_reengagement"}
UNIT_TITLES = {"share": "shares", "count": "counts", "minutes": "median minutes", "hours": "median hours",
               "days": "median days"}
# The pack's cover: one figure per practice of the seed, and the escalations.
HEADLINE = ("opened_within_30_minutes", "classified_within_2_business_hours", "same_day_reengagement",
            "repeat_missed_within_30_days", "high_risk_unresolved_at_close", "restrictive_decisions")
BUCKET_WORDS = {"day": "day", "week": "week (from Monday)", "month": "month"}


# --- small helpers ----------------------------------------------------------------------------------

def ratio(figure: Figure, value) -> str:
    """'41 of 48 opened in time', '3 of 7 restrictive', 'median of 12 measured', '5'."""
    on = figure.sides[0]
    if figure.is_median:
        return f"over {value.denominator or 0} record{'s' if value.denominator != 1 else ''}"
    if value.denominator is not None:
        return f"{value.numerator or 0} of {value.denominator}{': ' + on if on else ''}"
    return f"{value.numerator or 0} {on}" if on and figure.unit != "count" else ""


def delta(figure: Figure, now, before, period_days: int) -> dict:
    """The change against the previous period of the same length, and whether it is good news."""
    words = f"vs previous {period_days} day{'s' if period_days != 1 else ''}"
    if now.value is None or before.value is None:
        return {"text": f"no data to compare {words}" if before.value is None else "", "cls": "flat", "arrow": ""}
    diff = now.value - before.value
    if figure.unit == "share":
        amount = f"{abs(diff) * 100:.0f} pt{'s' if round(abs(diff) * 100) != 1 else ''}"
        same = round(abs(diff) * 100) == 0
    else:
        amount = fmt(abs(diff), figure.unit)
        same = abs(diff) < 0.05
    if same:
        return {"text": f"no change {words}", "cls": "flat", "arrow": "="}
    good = (diff > 0 and figure.key in HIGHER_IS_BETTER) or (diff < 0 and figure.key in LOWER_IS_BETTER)
    bad = (diff < 0 and figure.key in HIGHER_IS_BETTER) or (diff > 0 and figure.key in LOWER_IS_BETTER)
    return {"text": f"{'up' if diff > 0 else 'down'} {amount} {words}", "arrow": "▲" if diff > 0 else "▼",
            "cls": "good" if good else "bad" if bad else "flat"}


def bucket_label(day: date, bucket: str, long: bool = False) -> str:
    if bucket == "month":
        return f"{day:%B %Y}" if long else f"{day:%b}"
    if bucket == "week":
        return f"Week from {day:%a %d %b %Y}" if long else f"{day:%d %b}"
    return f"{day:%a %d %b %Y}" if long else f"{day:%d %b}"


def bucket_ranges(starts: list[date], last: date) -> list[tuple[date, date]]:
    ends = [s - timedelta(days=1) for s in starts[1:]] + [last]
    return list(zip(starts, ends))


def drill_url(key: str, filters: OutcomeFilters, **override) -> str:
    args = {**filters.as_args(), **{k: v for k, v in override.items() if v is not None}}
    return url_for("dashboard.figure", key=key, **args)


def csv_url(filters: OutcomeFilters, table: str, **extra) -> str | None:
    """The outcomes CSV export of the API (GET /api/v1/outcomes.csv, the same roles as these screens) for
    the same filters: `table` figures, trend, team, worker, escalations or records."""
    from flask import current_app

    if "api.outcomes_csv" not in current_app.view_functions:
        return None
    return url_for("api.outcomes_csv", **filters.as_args(), table=table, **extra)


def worker_ids(labels) -> dict[str, int]:
    """Breakdown rows are labelled "Display Name (username)": the user id behind each, for drill-down."""
    names = {m.group(1): label for label in labels if (m := re.search(r"\(([^()]+)\)$", label))}
    if not names:
        return {}
    found = dict(db.session.execute(sa.select(User.username, User.id).where(User.username.in_(names))).all())
    return {names[u]: uid for u, uid in found.items()}


# --- charts with the table behind them ------------------------------------------------------------------

def trend_charts(filters: OutcomeFilters, bucket: str, trend, width: int = 480) -> list[dict]:
    """One chart per group and unit: lines for shares and medians, columns for counts. Each with its
    legend and the table behind it (every cell links to the records of that bucket)."""
    starts = [day for day, _values in trend]
    ranges = bucket_ranges(starts, filters.end)
    short = [bucket_label(d, bucket) for d in starts]
    out = []
    for group, figures in grouped():
        units = list(dict.fromkeys(f.unit for f in figures))
        for unit in units:
            mine = [f for f in figures if f.unit == unit]
            series = [(f.label, [values[f.key].value for _d, values in trend]) for f in mine]
            # One series: the chart is named after its figure (there is no legend to say it).
            title = f"{mine[0].label}, by {bucket}" if len(mine) == 1 else f"{group}: {UNIT_TITLES[unit]} by {bucket}"
            draw = charts.column_chart if unit == "count" else charts.line_chart
            svg = draw(short, series, unit, title, width=width)
            rows = []
            for (first, last), (_day, values) in zip(ranges, trend):
                cells = []
                for f in mine:
                    v = values[f.key]
                    cells.append({"text": fmt(v.value, unit), "ratio": _cell_ratio(f, v),
                                  "url": drill_url(f.key, filters, **{"from": first.isoformat(), "to": last.isoformat()})})
                rows.append({"label": bucket_label(first, bucket, long=True), "cells": cells})
            out.append({"id": f"trend-{_slug(group)}-{unit}", "title": title, "group": group, "unit": unit,
                        "svg": svg, "legend": [(k, f.label) for k, f in enumerate(mine)] if len(mine) > 1 else [],
                        "columns": [f.label for f in mine], "rows": rows})
    return out


def _cell_ratio(figure: Figure, value) -> str:
    if figure.is_median:
        return f"n={value.denominator or 0}"
    if figure.unit == "share":
        return f"{value.numerator or 0}/{value.denominator or 0}"
    return f"of {value.denominator}" if value.denominator is not None else ""


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def breakdown_chart(figure: Figure, filters: OutcomeFilters, rows, by: str, width: int = 480) -> dict:
    # Only the groups with records behind this figure (the breakdown spans every figure's workers).
    values = [(label, figures[figure.key]) for label, figures in rows
              if figures[figure.key].denominator or figures[figure.key].numerator]
    ids = worker_ids([label for label, _v in values]) if by == "worker" else {}
    title = f"{figure.label} by {'team' if by == 'team' else 'worker'}"
    svg = charts.bar_chart([(label, v.value) for label, v in values], figure.unit, title, width=width,
                           label_width=150 if by == "worker" else 110)
    table = []
    for label, v in values:
        if by == "team":
            url = drill_url(figure.key, filters, team=label) if label != "No team recorded" else None
        else:
            url = drill_url(figure.key, filters, worker=str(ids[label])) if label in ids else None
        table.append({"label": label, "text": fmt(v.value, figure.unit), "ratio": ratio(figure, v), "url": url})
    return {"id": f"by-{by}", "title": title, "svg": svg, "rows": table, "empty": not values,
            "worker_means": figure.worker}


def escalation_chart(levels, filters: OutcomeFilters, width: int = 480) -> dict:
    rows = [{"level": labelled(r.level), "raised": r.raised, "acknowledged": r.acknowledged,
             "open": r.raised - r.acknowledged, "median": fmt(r.median_minutes_to_acknowledge, "minutes")}
            for r in levels]
    shown = [r for r in levels if r.raised] or list(levels)
    svg = charts.bar_chart([(labelled(r.level), r.raised) for r in shown], "count",
                           "Escalations raised by level", width=width, label_width=170)
    return {"id": "escalations-by-level", "title": "Escalations raised by level", "svg": svg, "rows": rows,
            "url": drill_url("escalations_raised", filters), "total": sum(r.raised for r in levels),
            "acknowledged": sum(r.acknowledged for r in levels)}


def tiles(filters: OutcomeFilters, values, previous, trend) -> list[tuple[str, list[dict]]]:
    out = []
    for group, figures in grouped():
        items = []
        for f in figures:
            v = values[f.key]
            history = [vals[f.key].value for _d, vals in trend]
            items.append({
                "key": f.key, "label": f.label, "definition": f.definition, "unit": f.unit, "worker": f.worker,
                "value": fmt(v.value, f.unit), "has_value": v.value is not None, "ratio": ratio(f, v),
                "previous": fmt(previous[f.key].value, f.unit), "delta": delta(f, v, previous[f.key], filters.days),
                "spark": charts.sparkline(history, f.unit, f"{f.label}, trend over the period"),
                "url": drill_url(f.key, filters)})
        out.append((group, items))
    return out


# --- the three screens -------------------------------------------------------------------------------------

def dashboard_model(filters: OutcomeFilters, bucket: str, data: dict, show: str) -> dict:
    figure = BY_KEY[show]
    return {"tiles": tiles(filters, data["values"], data["previous"], data["trend"]),
            "trends": trend_charts(filters, bucket, data["trend"]),
            "by_team": breakdown_chart(figure, filters, data["by_team"], "team"),
            "by_worker": breakdown_chart(figure, filters, data["by_worker"], "worker"),
            "escalations": escalation_chart(data["levels"], filters),
            "show": figure,
            "bucket_words": BUCKET_WORDS[bucket], "csv": csv_url(filters, "figures"),
            "trend_csv": csv_url(filters, "trend", bucket=bucket), "team_csv": csv_url(filters, "team"),
            "worker_csv": csv_url(filters, "worker"), "escalations_csv": csv_url(filters, "escalations")}


def figure_model(figure: Figure, filters: OutcomeFilters, value, rows, page: int, more: bool, *, can_open,
                 can_archive: bool) -> dict:
    total = value.denominator if figure.denominator else value.numerator
    records = []
    for r in rows:
        records.append({**r, "open_url": r["url"] if can_open(r["url"]) else None,
                        "archive": r.get("archive_url") if can_archive else None,
                        "on": r["side"] == figure.sides[0],
                        "value_text": fmt(r["value"], figure.unit) if r.get("value") is not None else ""})
    args = filters.as_args()
    return {"value": fmt(value.value, figure.unit), "ratio": ratio(figure, value), "total": total or 0,
            "records": records, "page": page,
            "next": url_for("dashboard.figure", key=figure.key, **args, page=page + 1) if more else None,
            "prev": url_for("dashboard.figure", key=figure.key, **args, page=page - 1) if page > 1 else None,
            "first_index": (page - 1) * 50 + 1, "csv": csv_url(filters, "records", figure=figure.key),
            "back": url_for("dashboard.outcomes", **args)}


def pack_model(period, filters: OutcomeFilters, bucket: str, data: dict) -> dict:
    values, previous = data["values"], data["previous"]
    rows = []
    for group, figures in grouped():
        for f in figures:
            v = values[f.key]
            rows.append({"group": group, "key": f.key, "label": f.label, "definition": f.definition,
                         "value": fmt(v.value, f.unit), "ratio": ratio(f, v),
                         "previous": fmt(previous[f.key].value, f.unit),
                         "delta": delta(f, v, previous[f.key], filters.days)})
    teams = [label for label, _v in data["by_team"]]
    team_rows = [{"label": f.label, "cells": [fmt(vals[f.key].value, f.unit) + (
        f" ({_cell_ratio(f, vals[f.key])})" if f.unit == "share" else "") for _t, vals in data["by_team"]]}
        for f in FIGURES]
    headline = [r for key in HEADLINE for r in rows if r["key"] == key]
    return {"figures": rows, "headline": headline, "trends": trend_charts(filters, bucket, data["trend"], width=520),
            "teams": teams, "team_rows": team_rows, "escalations": escalation_chart(data["levels"], filters, width=520),
            "bucket_words": BUCKET_WORDS[bucket]}
