"""GET /healthz for load balancers and monitors, and the stale-sweep banner for supervisors and admins."""
from datetime import datetime

import sqlalchemy as sa
from flask import Blueprint, current_app, jsonify
from flask_login import current_user

from .clock import utcnow
from .extensions import db

bp = Blueprint("health", __name__)
BANNER_ROLES = ("admin", "attendance_supervisor", "service_supervisor")


def last_sweep_at() -> datetime | None:
    from .ops.models import SweepHeartbeat
    from .sweeper import HEARTBEAT

    return db.session.scalar(sa.select(SweepHeartbeat.last_sweep_at).where(SweepHeartbeat.name == HEARTBEAT))


def sweep_age_seconds(last: datetime | None) -> int | None:
    return None if last is None else max(0, int((utcnow() - last).total_seconds()))


@bp.get("/healthz")
def healthz():
    """200 when the database answers and a sweep finished within SWEEP_STALE_SECONDS, else 503."""
    try:
        db.session.execute(sa.text("SELECT 1"))
        last = last_sweep_at()
    except sa.exc.SQLAlchemyError:
        db.session.rollback()
        current_app.logger.warning("healthz: database unreachable")
        body, status = {"database": "unreachable", "last_sweep_at": None, "sweep_age_seconds": None}, 503
    else:
        age = sweep_age_seconds(last)
        fresh = age is not None and age <= current_app.config["SWEEP_STALE_SECONDS"]
        body = {"database": "ok", "last_sweep_at": last.strftime("%Y-%m-%dT%H:%M:%SZ") if last else None,
                "sweep_age_seconds": age}
        status = 200 if fresh else 503
    response = jsonify(body)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response


def init_app(app) -> None:
    app.register_blueprint(bp)

    @app.context_processor
    def _sweep_banner():
        """Supervisors and admins are told when deadlines are not being checked."""
        if not current_user.is_authenticated or not current_user.has_role(*BANNER_ROLES):
            return {}
        age = sweep_age_seconds(last_sweep_at())
        if age is not None and age <= current_app.config["SWEEP_STALE_SECONDS"]:
            return {}
        return {"sweep_stale": {"minutes": None if age is None else age // 60}}
