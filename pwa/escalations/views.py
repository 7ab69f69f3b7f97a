"""The escalation inbox of each recipient role, and acknowledgement with a note."""
from flask import Blueprint, redirect, request, url_for
from flask_login import current_user

from ..governance import access
from ..security import requires
from ..web import render, run_form
from .operations import acknowledge_escalation
from .queries import visible_escalations

bp = Blueprint("escalations", __name__)


@bp.get("/escalations")
@requires(*access.READ_ESCALATIONS)
def inbox():
    return render("escalations/inbox.html", open_items=visible_escalations(current_user, "open"),
                  done=visible_escalations(current_user, "acknowledged")[:50], errors={}, failed_id=None)


@bp.post("/escalations/<int:escalation_id>/acknowledge")
@requires(*access.READ_ESCALATIONS)
def acknowledge(escalation_id):
    def rerender(status, errors, refusal):
        return render("escalations/inbox.html", status=status, open_items=visible_escalations(current_user, "open"),
                      done=visible_escalations(current_user, "acknowledged")[:50],
                      errors={"note": refusal.reasons} if refusal else errors, failed_id=escalation_id)

    _, page = run_form(lambda: acknowledge_escalation(escalation_id, user=current_user, note=request.form.get("note")),
                       rerender)
    return page or redirect(url_for("escalations.inbox", acknowledged=escalation_id))
