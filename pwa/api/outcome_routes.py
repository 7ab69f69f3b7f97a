"""GET /api/v1/outcomes and its CSV: the outcome figures of SPEC.md ("Outcomes") by period, team and worker."""
from flask import Response, jsonify, request

from ..clock import utcnow
from ..errors import InvalidInput
from ..governance import access
from ..outcomes import export
from ..outcomes.definitions import KEYS
from ..outcomes.figures import breakdown, compute, escalations_by_level, trend
from ..outcomes.filters import filters_from_args
from ..outcomes.schemas import OutcomesOut
from ..outcomes.timegrid import BUCKETS
from ..security import requires
from ..timekeeping import calendar
from .blueprint import bp

# API.md: "managers and up". Read as: the escalation recipients (manager, duty manager, quality lead,
# executive, director, chief operating), the governance lead (threshold governance is theirs), and admin
# and auditor for read-only oversight. Supervisors, coordinators, outreach workers, the panel chair and
# integrations are not "up" from a manager; they see their own work on their own screens.


def _choice(name: str, allowed, errors: dict, default=None):
    value = request.args.get(name, "").strip() or default
    if value is not None and value not in allowed:
        errors[name] = ["Choose one of: " + ", ".join(allowed) + "."]
        return None
    return value


def _read(*choices) -> tuple:
    """The filters and the named choice parameters, with every bad field reported at once."""
    errors, filters = {}, None
    try:
        filters = filters_from_args(request.args)
    except InvalidInput as err:
        errors.update(err.errors)
    values = [_choice(name, allowed, errors, default) for name, allowed, default in choices]
    if errors:
        raise InvalidInput(errors)
    return filters, *values


def _filters_out(filters) -> dict:
    return {"from": filters.start, "to": filters.end, "team": filters.team, "worker": filters.worker_id,
            "timezone": calendar().timezone, "as_of": utcnow().isoformat(timespec="seconds").replace("+00:00", "Z")}


@bp.get("/outcomes")
@requires(*access.READ_OUTCOMES)
def outcomes():
    """The outcome figures for a period of local dates, a team and a worker, each with its definition; the
    escalations by level; and on request a breakdown by team or worker and a trend by day, week or month.
    ---
    get:
      tags: [outcomes]
      parameters:
        - {name: from, in: query, description: "first local date (YYYY-MM-DD); default 29 days before `to`", schema: {type: string, format: date}}
        - {name: to, in: query, description: "last local date, inclusive; default today; at most 366 days from `from`", schema: {type: string, format: date}}
        - {name: team, in: query, description: the team of the person's case, schema: {type: string, maxLength: 80}}
        - {name: worker, in: query, description: "a user id; what it filters is each figure's `worker`", schema: {type: integer}}
        - {name: breakdown, in: query, schema: {type: string, enum: [team, worker]}}
        - {name: bucket, in: query, description: adds the trend in these buckets, schema: {type: string, enum: [day, week, month]}}
      responses:
        200: {content: {application/json: {schema: OutcomesOut}}}
        401: {content: {application/json: {schema: ErrorOut}}}
        403: {content: {application/json: {schema: ErrorOut}}}
        422: {content: {application/json: {schema: ErrorOut}}}
    """
    filters, by, bucket = _read(("breakdown", ("team", "worker"), None), ("bucket", BUCKETS, None))
    body = {"filters": _filters_out(filters),
            "figures": [export.figure_out(k, v) for k, v in compute(filters).items()],
            "escalations_by_level": [export.level_out(row) for row in escalations_by_level(filters)]}
    if by:
        body["breakdown"] = export.breakdown_out(by, breakdown(filters, by))
    if bucket:
        body["trend"] = export.trend_out(bucket, trend(filters, "all", bucket))
    return jsonify(OutcomesOut().dump(body))


@bp.get("/outcomes.csv")
@requires(*access.READ_OUTCOMES)
def outcomes_csv():
    """One outcome table as CSV (a download): `table` = figures (default), trend (in `bucket`s, default day),
    team, worker, escalations, or records (the records behind `figure`, at most 100,000). Tables are long:
    one row per group and figure, with value, numerator, denominator and unit. Cells that a spreadsheet
    would take for a formula start with a quote.
    ---
    get:
      tags: [outcomes]
      parameters:
        - {name: from, in: query, description: "first local date (YYYY-MM-DD); default 29 days before `to`", schema: {type: string, format: date}}
        - {name: to, in: query, description: "last local date, inclusive; default today; at most 366 days from `from`", schema: {type: string, format: date}}
        - {name: team, in: query, description: the team of the person's case, schema: {type: string, maxLength: 80}}
        - {name: worker, in: query, description: "a user id; what it filters is each figure's `worker`", schema: {type: integer}}
        - {name: table, in: query, schema: {type: string, enum: [figures, trend, team, worker, escalations, records], default: figures}}
        - {name: bucket, in: query, schema: {type: string, enum: [day, week, month], default: day}}
        - {name: figure, in: query, description: "for table=records: a figure key", schema: {type: string}}
      responses:
        200: {content: {text/csv: {schema: {type: string}}}}
        401: {content: {application/json: {schema: ErrorOut}}}
        403: {content: {application/json: {schema: ErrorOut}}}
        422: {content: {application/json: {schema: ErrorOut}}}
    """
    filters, name, bucket, figure = _read(("table", export.TABLES, "figures"), ("bucket", BUCKETS, "day"),
                                          ("figure", KEYS, None))
    if name == "records" and figure is None:
        raise InvalidInput({"figure": ["Name the figure whose records to export."]})
    header, rows = export.table(name, filters, bucket=bucket, figure=figure)
    suffix = {"trend": f"-{bucket}", "records": f"-{figure}"}.get(name, "")
    filename = f"continuity-outcomes-{name}{suffix}-{filters.start}-to-{filters.end}.csv"
    return Response(export.csv_text(header, rows), mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename={filename}"})

