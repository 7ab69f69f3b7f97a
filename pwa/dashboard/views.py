"""The outcomes dashboard (managers and executives), the records behind each figure, and the
governance review pack (printable HTML and PDF). The numbers come from pwa.outcomes; this module
only chooses what to show and draws it (pwa/dashboard/charts.py, server-rendered SVG)."""
from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, Response, abort, current_app, render_template, request, url_for
from flask_login import current_user
from werkzeug.exceptions import HTTPException

from ..archive.queries import whole_number_arg
from ..clock import utcnow
from ..errors import InvalidInput
from ..governance import access
from ..outcomes import figures as outcome_figures
from ..outcomes.definitions import BY_KEY, FIGURES
from ..outcomes.filters import MAX_DAYS, OutcomeFilters, filters_from_args
from ..security import requires
from ..transaction import transaction
from ..timekeeping import calendar, local_today
from ..web import render
from . import pack as pack_data
from .model import dashboard_model, figure_model, pack_model
from .queries import filter_choices

bp = Blueprint("dashboard", __name__)

PER_PAGE = 50
BUCKETS = ("day", "week", "month")


# --- filters -----------------------------------------------------------------------------------------

def _bucket(filters: OutcomeFilters, raw: str | None, errors: dict) -> str:
    if raw:
        if raw in BUCKETS:
            return raw
        errors["bucket"] = ["Choose day, week or month."]
    days = filters.days
    return "day" if days <= 14 else "week" if days <= 120 else "month"


def read_filters() -> tuple[OutcomeFilters, str, dict]:
    """The filters of the query string, or the default (30 days to today) with the field errors."""
    errors: dict = {}
    try:
        filters = filters_from_args(request.args)
    except InvalidInput as err:
        errors.update(err.errors)
        today = local_today()
        filters = OutcomeFilters(start=today - timedelta(days=29), end=today)
    bucket = _bucket(filters, request.args.get("bucket"), errors)
    return filters, bucket, errors


def presets(filters: OutcomeFilters) -> list[dict]:
    """Quick periods (team and worker kept): last 7 and 30 days, this month, last month, last 13 weeks."""
    today = local_today()
    month_start = today.replace(day=1)
    last_month_end = month_start - timedelta(days=1)
    choices = [("Last 7 days", today - timedelta(days=6), today),
               ("Last 30 days", today - timedelta(days=29), today),
               ("This month", month_start, today),
               ("Last month", last_month_end.replace(day=1), last_month_end),
               ("Last 13 weeks", today - timedelta(days=90), today)]
    out = []
    for label, start, end in choices:
        args = {**filters.as_args(), "from": start.isoformat(), "to": end.isoformat()}
        out.append({"label": label, "url": url_for("dashboard.outcomes", **args),
                    "current": (start, end) == (filters.start, filters.end)})
    return out


def can_open(url: str | None) -> bool:
    """Whether the signed-in user's roles may open an in-app address (its view's `allowed_roles`)."""
    if not url:
        return False
    try:
        endpoint, _args = current_app.url_map.bind("").match(url.split("#")[0].split("?")[0])
    except HTTPException:
        return False
    roles = getattr(current_app.view_functions.get(endpoint), "allowed_roles", None)
    return roles is None or not roles or current_user.has_role(*roles)


def _previous(filters: OutcomeFilters) -> OutcomeFilters:
    """The period of the same length just before (for "vs previous")."""
    length = timedelta(days=filters.days)
    return OutcomeFilters(start=filters.start - length, end=filters.start - timedelta(days=1), team=filters.team,
                          worker_id=filters.worker_id)


# --- screens -------------------------------------------------------------------------------------------

@bp.get("/outcomes")
@requires(*access.READ_OUTCOMES)
def outcomes():
    filters, bucket, errors = read_filters()
    show = request.args.get("show")
    if show not in BY_KEY:
        show = FIGURES[0].key
    data = {
        "values": outcome_figures.compute(filters),
        "previous": outcome_figures.compute(_previous(filters)),
        "trend": outcome_figures.trend(filters, "all", bucket),
        "by_team": outcome_figures.breakdown(filters, "team"),
        "by_worker": outcome_figures.breakdown(filters, "worker"),
        "levels": outcome_figures.escalations_by_level(filters),
    }
    model = dashboard_model(filters, bucket, data, show)
    return render("dashboard/outcomes.html", status=422 if errors else 200, m=model, filters=filters,
                  bucket=bucket, errors=errors, presets=presets(filters), choices=filter_choices(),
                  packs=pack_data.default_periods(), show=show, max_days=MAX_DAYS)


@bp.get("/outcomes/<key>")
@requires(*access.READ_OUTCOMES)
def figure(key):
    if key not in BY_KEY:
        abort(404, description="No such outcome figure.")
    filters, bucket, errors = read_filters()
    page = whole_number_arg(request.args.get("page", "1"), 99_999) or 1
    rows = outcome_figures.records(key, filters, limit=PER_PAGE + 1, offset=(page - 1) * PER_PAGE)
    more, rows = len(rows) > PER_PAGE, rows[:PER_PAGE]
    value = outcome_figures.compute(filters, key)[key]
    model = figure_model(BY_KEY[key], filters, value, rows, page, more, can_open=can_open,
                         can_archive=access.can_read_archive(current_user))
    return render("dashboard/figure.html", status=422 if errors else 200, m=model, f=BY_KEY[key],
                  filters=filters, bucket=bucket, errors=errors, choices=filter_choices(),
                  presets=presets(filters))


def _pack_context():
    try:
        period = pack_data.parse_period(request.args)
        errors = {}
    except InvalidInput as err:
        errors = err.errors
        period = pack_data.default_periods()["last_week"]
    filters = OutcomeFilters(start=period.first, end=period.last)
    bucket = "day" if period.kind == "week" else "week"
    data = {
        "values": outcome_figures.compute(filters),
        "previous": outcome_figures.compute(_previous(filters)),
        "trend": outcome_figures.trend(filters, "all", bucket),
        "by_team": outcome_figures.breakdown(filters, "team"),
        "levels": outcome_figures.escalations_by_level(filters),
    }
    model = pack_model(period, filters, bucket, data)
    with transaction():  # the checkpoint the pack prints
        chain = pack_data.chain_state() if not errors else {"ok": True, "checked": 0}
    return {"p": period, "m": model, "filters": filters, "errors": errors,
            "breaches": pack_data.breaches(period), "escalations": pack_data.escalations(period),
            "sample": pack_data.sampled_entries(period), "chain": chain,
            "generated_at": utcnow(), "generated_by": current_user, "packs": pack_data.default_periods(),
            "service": current_app.config.get("SERVICE_NAME", "Continuity"), "zone": calendar().timezone}


@bp.get("/outcomes/pack")
@requires(*access.READ_OUTCOMES)
def pack():
    context = _pack_context()
    return render("dashboard/pack.html", status=422 if context["errors"] else 200, **context)


@bp.get("/outcomes/pack.pdf")
@requires(*access.READ_OUTCOMES)
def pack_pdf():
    context = _pack_context()
    if context["errors"]:
        return render("dashboard/pack.html", status=422, **context)
    html = render_template("dashboard/pack.html", pdf=True, **context)
    body = pack_data.render_pdf(html, base_url=request.host_url)
    period = context["p"]
    name = f"continuity-governance-pack-{period.slug}.pdf"
    return Response(body, mimetype="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})

