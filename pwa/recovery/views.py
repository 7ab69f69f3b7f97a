"""Recovery cases instructed by workflow 1, listed for their outreach worker and supervisors."""
import sqlalchemy as sa
from flask import Blueprint
from flask_login import current_user

from ..extensions import db
from ..security import requires
from ..web import render
from .models import RecoveryCase

bp = Blueprint("recovery", __name__)


def visible_recovery_cases(user, status: str | None = None):
    """Supervisors see every case; an outreach worker only the cases assigned to them."""
    query = sa.select(RecoveryCase)
    if not user.has_role("service_supervisor"):
        query = query.where(RecoveryCase.assigned_worker_id == user.id)
    if status:
        query = query.where(RecoveryCase.status == status)
    return db.session.scalars(query.order_by(RecoveryCase.high_risk.desc(), RecoveryCase.open_due_at)).all()


@bp.get("/recovery")
@requires("outreach_worker", "service_supervisor")
def recovery_list():
    return render("recovery/list.html", cases=visible_recovery_cases(current_user))
