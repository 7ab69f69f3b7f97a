"""The outcome tables as the API and CSV give them: figures with their definitions, trend, team and
worker breakdowns, escalations by level and the records behind a figure.

CSV tables are long (one row per group and figure) so every value keeps its numerator, denominator
and unit. Cells a spreadsheet would read as a formula (= + - @, tab, carriage return) get a leading
quote: team names and labels are typed by people.
"""
from ..csv_cells import csv_text, safe_cell  # noqa: F401  (the one formula-safe writer, re-exported)
from .definitions import BY_KEY, FIGURES
from .figures import FigureValue, LevelRow, breakdown, compute, escalations_by_level, records, trend
from .filters import OutcomeFilters

TABLES = ("figures", "trend", "team", "worker", "escalations", "records")


def rounded(key: str, value):
    """A share to 4 decimals (0.8333), a time to 1 decimal; counts stay whole; None stays None."""
    if value is None:
        return None
    unit = BY_KEY[key].unit
    if unit == "share":
        return round(float(value), 4)
    if unit == "count":
        return int(value)
    return round(float(value), 1)


def value_out(key: str, found: FigureValue) -> dict:
    return {"key": key, "value": rounded(key, found.value), "numerator": found.numerator,
            "denominator": found.denominator}


def figure_out(key: str, found: FigureValue) -> dict:
    figure = BY_KEY[key]
    return {**value_out(key, found), "label": figure.label, "group": figure.group, "unit": figure.unit,
            "definition": figure.definition, "worker": figure.worker}


def level_out(row: LevelRow) -> dict:
    median = row.median_minutes_to_acknowledge
    return {"level": row.level, "raised": row.raised, "acknowledged": row.acknowledged,
            "median_minutes_to_acknowledge": None if median is None else round(median, 1)}


def breakdown_out(by: str, groups) -> dict:
    return {"by": by, "groups": [{"label": label, "figures": [value_out(k, v) for k, v in values.items()]}
                                 for label, values in groups]}


def trend_out(bucket: str, buckets) -> dict:
    return {"bucket": bucket, "buckets": [{"start": start, "figures": [value_out(k, v) for k, v in values.items()]}
                                          for start, values in buckets]}


# --- CSV ---------------------------------------------------------------------------------------------------

def _long(group_name: str, groups) -> tuple[list[str], list[list]]:
    header = [group_name, "key", "label", "unit", "value", "numerator", "denominator"]
    rows = [[group, key, BY_KEY[key].label, BY_KEY[key].unit, rounded(key, v.value), v.numerator, v.denominator]
            for group, values in groups for key, v in values.items()]
    return header, rows


def table(name: str, filters: OutcomeFilters, bucket: str = "day",
          figure: str | None = None) -> tuple[list[str], list[list]]:
    """(header, rows) of one outcome table."""
    if name == "figures":
        header = ["group", "key", "label", "unit", "value", "numerator", "denominator", "definition", "worker"]
        values = compute(filters)
        return header, [[f.group, f.key, f.label, f.unit, rounded(f.key, values[f.key].value),
                         values[f.key].numerator, values[f.key].denominator, f.definition, f.worker] for f in FIGURES]
    if name == "trend":
        return _long("bucket_start", [(start.isoformat(), values) for start, values in trend(filters, "all", bucket)])
    if name in ("team", "worker"):
        return _long(name, breakdown(filters, name))
    if name == "escalations":
        header = ["level", "raised", "acknowledged", "median_minutes_to_acknowledge"]
        return header, [list(level_out(row).values()) for row in escalations_by_level(filters)]
    if name == "records":
        header = ["figure", "id", "kind", "case_ref", "team", "worker_id", "at", "side", "value", "url", "archive_url"]
        found = records(figure, filters, limit=None)
        return header, [[figure, r["id"], r["kind"], r["case_ref"], r["team"], r["worker_id"],
                         r["at"].isoformat().replace("+00:00", "Z") if r["at"] else None, r["side"], r["value"],
                         r["url"], r["archive_url"]] for r in found]
    raise ValueError(f"no such outcome table: {name}")
