"""Workflow 1 screens: the coordinator's today list, event, evidence and release forms; the
attendance supervisor's classification queue and challenge form."""
from datetime import timedelta

import sqlalchemy as sa
from flask import Blueprint, abort, redirect, request, url_for
from flask_login import current_user

from ..cases.models import Appointment
from ..cases.operations import pending_misses
from ..clock import utcnow
from ..errors import InvalidInput, WorkflowRefused
from ..escalations.models import Escalation
from ..extensions import db
from ..governance import vocab
from ..security import requires
from ..web import form_input, render, run_form
from . import operations as ops
from .models import MissedContact

bp = Blueprint("intake", __name__)
LOOKBACK = timedelta(days=7)


def _events(status: str, order):
    return db.session.scalars(sa.select(MissedContact).filter_by(status=status).order_by(order)).all()


@bp.get("/today")
@requires("coordinator")
def today():
    now = utcnow()
    return render(
        "intake/today.html",
        pending=pending_misses(now, since=now - LOOKBACK),
        returned=_events("returned", MissedContact.queued_at),
        confirmed=_events("confirmed", MissedContact.queued_at),
        queued=_events("queued", MissedContact.classification_due_at),
    )


def _submit(operation, template: str, **context):
    """Run one operation from a form: commit and redirect, or re-render the form with the reasons."""
    return run_form(operation, lambda status, **reasons: render(template, status=status, form=request.form,
                                                                **reasons, **context))


@bp.route("/missed-contacts/new", methods=["GET", "POST"])
@requires("coordinator")
def new_event():
    ref = request.values.get("appointment_ref", "")
    appointment = db.session.scalar(sa.select(Appointment).filter_by(appointment_ref=ref)) if ref else None
    context = {"appointment": appointment, "vocab": vocab}
    if request.method == "GET":
        if appointment is None:
            abort(404, description="Choose an appointment from today's list.")
        return render("intake/event_form.html", errors={}, form={}, **context)
    event, page = _submit(lambda: ops.open_missed_contact(form_input(), current_user), "intake/event_form.html",
                          **context)
    return page or redirect(url_for("intake.event", event_id=event.id, saved="queued"))


@bp.get("/missed-contacts/<int:event_id>")
@requires("coordinator", "attendance_supervisor")
def event(event_id):
    record = ops.get_event(event_id)
    escalations = db.session.scalars(sa.select(Escalation).where(
        Escalation.case_ref == record.case.case_ref).order_by(Escalation.raised_at)).all()
    return render("intake/event.html", event=record, escalations=escalations, saved=request.args.get("saved"),
                  recovery=ops.recovery_case_for(record.release) if record.release else None,
                  open_e2=ops.open_e2_for(record), vocab=vocab)


@bp.route("/missed-contacts/<int:event_id>/evidence", methods=["GET", "POST"])
@requires("coordinator")
def evidence(event_id):
    record = ops.get_event(event_id)
    context = {"event": record, "vocab": vocab}
    if request.method == "GET":
        return render("intake/evidence_form.html", errors={}, form={}, **context)
    _, page = _submit(lambda: ops.add_evidence(event_id, form_input(), current_user),
                      "intake/evidence_form.html", **context)
    return page or redirect(url_for("intake.event", event_id=event_id, saved="requeued"))


@bp.route("/missed-contacts/<int:event_id>/release", methods=["GET", "POST"])
@requires("coordinator")
def release(event_id):
    record = ops.get_event(event_id)
    context = {"event": record, "vocab": vocab, "open_e2": ops.open_e2_for(record)}
    if request.method == "GET":
        return render("intake/release_form.html", errors={}, form={}, **context)
    _, page = _submit(lambda: ops.release_code(event_id, form_input(), current_user),
                      "intake/release_form.html", **context)
    return page or redirect(url_for("intake.event", event_id=event_id, saved="released"))


@bp.get("/queue")
@requires("attendance_supervisor")
def queue():
    held = [e for e in _events("confirmed", MissedContact.queued_at) if ops.open_e2_for(e)]
    return render("intake/queue.html", queued=_events("queued", MissedContact.classification_due_at),
                  returned=_events("returned", MissedContact.queued_at), held=held)


@bp.route("/missed-contacts/<int:event_id>/classify", methods=["GET", "POST"])
@requires("attendance_supervisor")
def classify(event_id):
    record = ops.get_event(event_id)
    context = {"event": record, "vocab": vocab}
    if request.method == "GET":
        return render("intake/classify_form.html", errors={}, form={}, **context)
    _, page = _submit(lambda: ops.classify_missed_contact(event_id, form_input("contributing_factors"),
                                                          current_user),
                      "intake/classify_form.html", **context)
    return page or redirect(url_for("intake.queue", saved=event_id))


@bp.route("/appointments/<ref>/attendance-code", methods=["POST"])
@requires("coordinator")
def attendance_code(ref):
    """The screen path for a permanent code: refused with E1 unless a release applied it."""
    appointment = db.session.scalar(sa.select(Appointment).filter_by(appointment_ref=ref))
    if appointment is None:
        abort(404)
    data = {"appointment_ref": ref, **form_input()}
    try:
        ops.apply_attendance_code(data, current_user, source="the attendance screen")
    except InvalidInput as err:
        db.session.rollback()
        return render("intake/code_result.html", status=422, appointment=appointment, errors=err.errors,
                      refusal=None)
    except WorkflowRefused as err:
        db.session.commit() if err.keeps_records else db.session.rollback()
        return render("intake/code_result.html", status=409, appointment=appointment, errors={}, refusal=err)
    db.session.commit()
    return render("intake/code_result.html", appointment=appointment, errors={}, refusal=None)
