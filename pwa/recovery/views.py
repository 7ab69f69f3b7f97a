"""Workflow 2 screens: the outreach worker's "My day" and case screen (phone), the service
supervisor's "Close the day" board and disposition form (tablet)."""
import uuid
from datetime import datetime, time, timedelta

import sqlalchemy as sa
from flask import Blueprint, redirect, request, url_for
from flask_login import current_user

from ..clock import utcnow
from ..errors import InvalidInput, WorkflowRefused
from ..extensions import db
from ..governance import vocab
from ..security import requires
from ..timekeeping import local_today, local_zone
from ..web import form_input, render, run_form
from . import operations as ops
from .models import RecoveryAttempt, RecoveryCase, RecoveryDisposition, SyncConflict

bp = Blueprint("recovery", __name__)


RECENTLY_DISPOSITIONED = timedelta(days=7)


@bp.get("/recovery")
@requires("outreach_worker", "service_supervisor")
def recovery_list():
    """My day: the recovery cases assigned to me (all of them for a supervisor) still to work, then the
    ones dispositioned in the past week (a late attempt can still be logged on them); older finished
    cases are left out, or weeks of finished work would bury the day's."""
    since = utcnow() - RECENTLY_DISPOSITIONED

    def listed(case: RecoveryCase) -> bool:
        if case.status in ("instructed", "open"):
            return True
        latest = case.latest_disposition if case.status == "dispositioned" else None
        return latest is not None and (latest.validation_timestamp is None or latest.validation_timestamp >= since)

    return render("recovery/list.html", cases=[c for c in ops.visible_recovery_cases(current_user) if listed(c)])


def _case_context(recovery: RecoveryCase, **extra) -> dict:
    missed = ops.recovery_missed_appointment(recovery)
    return {"r": recovery, "missed": missed, "vocab": vocab, "form": {}, "errors": {}, "refusal": None,
            "rescue_options": vocab.RESCUE_BY_MODALITY[missed.modality],
            "approved_channels": sorted({route.channel for route in recovery.case.approved_routes}),
            "client_id": str(uuid.uuid4()), "saved": request.args.get("saved"), **extra}


def _submit(recovery_id, operation, template: str, **extra):
    """Run one operation from a form: commit and redirect, or re-render the case with the reasons."""

    def rerender(status, errors, refusal):
        context = _case_context(ops.get_recovery_case(recovery_id, current_user), **extra)
        # The same entry id again, so a corrected resend cannot duplicate; a malformed one is replaced.
        keep_id = request.form.get("client_id") and "client_id" not in errors
        context.update(form=request.form, errors=errors, refusal=refusal,
                       client_id=request.form.get("client_id") if keep_id else context["client_id"])
        return render(template, status=status, **context)

    return run_form(operation, rerender)[1]


@bp.get("/recovery/<int:recovery_id>")
@requires("outreach_worker", "service_supervisor")
def case(recovery_id):
    recovery = ops.get_recovery_case(recovery_id, current_user)
    return render("recovery/case.html", **_case_context(recovery))


@bp.post("/recovery/<int:recovery_id>/open")
@requires("outreach_worker")
def open_case(recovery_id):
    page = _submit(recovery_id, lambda: ops.open_recovery_case(recovery_id, form_input(), current_user),
                   "recovery/case.html", form_name="open")
    return page or redirect(url_for("recovery.case", recovery_id=recovery_id, saved="opened"))


@bp.post("/recovery/<int:recovery_id>/attempts")
@requires("outreach_worker")
def attempt(recovery_id):
    page = _submit(recovery_id, lambda: ops.record_attempt(recovery_id, form_input(), current_user),
                   "recovery/case.html", form_name="attempt")
    return page or redirect(url_for("recovery.case", recovery_id=recovery_id, saved="attempt"))


@bp.get("/close-the-day")
@requires("service_supervisor")
def close_the_day():
    """Every recovery case open today, high-risk first; exceptions awaiting approval."""
    start_of_day = datetime.combine(local_today(), time(0), tzinfo=local_zone())
    cases = [c for c in ops.visible_recovery_cases(current_user)
             if c.status in ("instructed", "open") or (c.latest_disposition and
                                                       c.latest_disposition.validation_timestamp >= start_of_day)]
    pending = db.session.scalars(sa.select(RecoveryAttempt).filter_by(exception_status="pending")
                                 .order_by(RecoveryAttempt.attempt_at)).all()
    late = db.session.scalars(sa.select(RecoveryAttempt).filter_by(late=True)
                              .order_by(RecoveryAttempt.received_at.desc()).limit(20)).all()
    late_dispositions = db.session.scalars(sa.select(RecoveryDisposition).filter_by(late=True)
                                           .order_by(RecoveryDisposition.received_at.desc()).limit(20)).all()
    conflicts = db.session.scalars(sa.select(SyncConflict).order_by(SyncConflict.last_received_at.desc())
                                   .limit(20)).all()
    return render("recovery/close_the_day.html", cases=cases, pending=pending, late=late,
                  late_dispositions=late_dispositions, conflicts=conflicts,
                  saved=request.args.get("saved"))


@bp.route("/recovery/<int:recovery_id>/disposition", methods=["GET", "POST"])
@requires("service_supervisor")
def disposition(recovery_id):
    if request.method == "GET":
        recovery = ops.get_recovery_case(recovery_id, current_user)
        return render("recovery/disposition_form.html", **_case_context(recovery))
    page = _submit(recovery_id, lambda: ops.record_disposition(
        recovery_id, form_input("continuity_evidence"), current_user), "recovery/disposition_form.html")
    return page or redirect(url_for("recovery.close_the_day", saved=recovery_id))


@bp.post("/recovery/<int:recovery_id>/attempts/<int:attempt_id>/exception")
@requires("service_supervisor")
def exception(recovery_id, attempt_id):
    try:
        ops.decide_exception(recovery_id, attempt_id, form_input(), current_user)
    except (InvalidInput, WorkflowRefused):
        db.session.rollback()
        return redirect(url_for("recovery.close_the_day", exception="refused"))
    db.session.commit()
    return redirect(url_for("recovery.close_the_day", exception="decided"))
