"""The escalation inbox of each recipient role, and acknowledgement with a note."""
import sqlalchemy as sa
from flask import Blueprint, redirect, request, url_for
from flask_login import current_user

from ..errors import InvalidInput, WorkflowRefused
from ..extensions import db
from ..security import requires
from ..web import INBOX_ROLES, render
from .models import Escalation
from .operations import acknowledge_escalation

bp = Blueprint("escalations", __name__)


def visible_escalations(user, status: str | None = None, level: str | None = None):
    """Recipients see their levels' escalations; admins and auditors see all."""
    query = sa.select(Escalation)
    if not user.has_role("admin", "auditor"):
        query = query.where(Escalation.level.in_(user.roles))
    if status == "open":
        query = query.where(Escalation.acknowledged_at.is_(None))
    elif status == "acknowledged":
        query = query.where(Escalation.acknowledged_at.is_not(None))
    if level:
        query = query.where(Escalation.level == level)
    return db.session.scalars(query.order_by(Escalation.raised_at.desc()).limit(500)).all()


@bp.get("/escalations")
@requires(*INBOX_ROLES)
def inbox():
    return render("escalations/inbox.html", open_items=visible_escalations(current_user, "open"),
                  done=visible_escalations(current_user, "acknowledged")[:50], errors={}, failed_id=None)


@bp.post("/escalations/<int:escalation_id>/acknowledge")
@requires(*INBOX_ROLES)
def acknowledge(escalation_id):
    try:
        acknowledge_escalation(escalation_id, user=current_user, note=request.form.get("note"))
    except (InvalidInput, WorkflowRefused) as err:
        db.session.rollback()
        errors = err.errors if isinstance(err, InvalidInput) else {"note": err.reasons}
        return render("escalations/inbox.html", status=err.status,
                      open_items=visible_escalations(current_user, "open"),
                      done=visible_escalations(current_user, "acknowledged")[:50], errors=errors,
                      failed_id=escalation_id)
    db.session.commit()
    return redirect(url_for("escalations.inbox", acknowledged=escalation_id))
