"""Workflow 1 screens: the coordinator's today list, event, evidence and release forms; the
attendance supervisor's classification queue and challenge form."""
from datetime import timedelta

from flask import Blueprint, abort, redirect, request, url_for
from flask_login import current_user

from ..clock import utcnow
from ..escalations.queries import case_escalations
from ..governance import access, vocab
from ..governance.escalations import E2_HOLD
from ..cases.queries import notified_absences, upcoming_between
from ..recovery.back_in_care import makeups_of, record_absence_notice
from ..recovery.queries import recovery_case_for
from ..support.queries import flagged_support_requests
from ..timekeeping import end_of_local_day
from ..security import requires
from ..web import form_input, render, run_form
from . import operations as ops
from .models import MissedContact
from .queries import appointment_by_ref, events_with_status as _events, is_held, pending_misses

bp = Blueprint("intake", __name__)
LOOKBACK = timedelta(days=7)


@bp.get("/today")
@requires(*access.RECORD_MISSED_CONTACT)
def today():
    now = utcnow()
    confirmed = _events("confirmed", MissedContact.queued_at)
    notified = notified_absences(now - LOOKBACK)
    return render(
        "intake/today.html",
        upcoming=upcoming_between(now, end_of_local_day(now)),
        notified=notified, makeups=makeups_of(a.id for a in notified),
        support_flagged=flagged_support_requests(now),
        pending=pending_misses(now, since=now - LOOKBACK),
        returned=_events("returned", MissedContact.queued_at),
        confirmed=confirmed,
        held={e.id for e in confirmed if is_held(e)},
        hold_reason=E2_HOLD,
        queued=_events("queued", MissedContact.classification_due_at),
    )


def _submit(operation, template: str, **context):
    """Run one operation from a form: commit and redirect, or re-render the form with the reasons."""
    return run_form(operation, lambda status, **reasons: render(template, status=status, form=request.form,
                                                                **reasons, **context))


@bp.route("/missed-contacts/new", methods=["GET", "POST"])
@requires(*access.RECORD_MISSED_CONTACT)
def new_event():
    ref = request.values.get("appointment_ref", "")
    appointment = appointment_by_ref(ref) if ref else None
    context = {"appointment": appointment, "vocab": vocab}
    if request.method == "GET":
        if appointment is None:
            abort(404, description="Choose an appointment from today's list.")
        return render("intake/event_form.html", errors={}, form={}, **context)
    event, page = _submit(lambda: ops.open_missed_contact(form_input(), current_user), "intake/event_form.html",
                          **context)
    return page or redirect(url_for("intake.event", event_id=event.id, saved="queued"))


@bp.get("/missed-contacts/<int:event_id>")
@requires(*access.READ_MISSED_CONTACTS)
def event(event_id):
    record = ops.get_event(event_id)
    return render("intake/event.html", event=record, escalations=case_escalations(record.case.case_ref),
                  saved=request.args.get("saved"),
                  recovery=recovery_case_for(record.release) if record.release else None, vocab=vocab)


@bp.route("/missed-contacts/<int:event_id>/evidence", methods=["GET", "POST"])
@requires(*access.RECORD_MISSED_CONTACT)
def evidence(event_id):
    record = ops.get_event(event_id)
    context = {"event": record, "vocab": vocab}
    if request.method == "GET":
        return render("intake/evidence_form.html", errors={}, form={}, **context)
    _, page = _submit(lambda: ops.add_evidence(event_id, form_input(), current_user),
                      "intake/evidence_form.html", **context)
    return page or redirect(url_for("intake.event", event_id=event_id, saved="requeued"))


@bp.route("/missed-contacts/<int:event_id>/release", methods=["GET", "POST"])
@requires(*access.RECORD_MISSED_CONTACT)
def release(event_id):
    record = ops.get_event(event_id)
    context = {"event": record, "vocab": vocab, "held": is_held(record), "hold_reason": E2_HOLD}
    if request.method == "GET":
        return render("intake/release_form.html", errors={}, form={}, **context)
    _, page = _submit(lambda: ops.release_code(event_id, form_input(), current_user),
                      "intake/release_form.html", **context)
    return page or redirect(url_for("intake.event", event_id=event_id, saved="released"))


@bp.get("/queue")
@requires(*access.CLASSIFY)
def queue():
    held = [e for e in _events("confirmed", MissedContact.queued_at) if is_held(e)]
    return render("intake/queue.html", queued=_events("queued", MissedContact.classification_due_at),
                  returned=_events("returned", MissedContact.queued_at), held=held)


@bp.route("/missed-contacts/<int:event_id>/classify", methods=["GET", "POST"])
@requires(*access.CLASSIFY)
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
@requires(*access.RECORD_MISSED_CONTACT)
def attendance_code(ref):
    """The screen path for a permanent code: refused with E1 unless a release applied it."""
    appointment = appointment_by_ref(ref)
    if appointment is None:
        abort(404)
    data = {"appointment_ref": ref, **form_input()}
    _, page = run_form(lambda: ops.apply_attendance_code(data, current_user, source="the attendance screen"),
                       lambda status, **reasons: render("intake/code_result.html", status=status,
                                                        appointment=appointment, **reasons))
    return page or render("intake/code_result.html", appointment=appointment, errors={}, refusal=None)


@bp.route("/appointments/<ref>/absence-notice", methods=["GET", "POST"])
@requires(*access.RECORD_MISSED_CONTACT)  # the screen is the coordinator's; integrations use the API
def absence_notice(ref):
    """The coordinator records notice given in advance: a notified absence, and the make-up offered."""
    appointment = appointment_by_ref(ref)
    if appointment is None:
        abort(404)
    context = {"appointment": appointment, "vocab": vocab}
    if request.method == "GET":
        return render("intake/notice_form.html", errors={}, form={}, refusal=None, **context)
    _, page = _submit(lambda: record_absence_notice(ref, form_input(), current_user), "intake/notice_form.html",
                      **context)
    return page or redirect(url_for("intake.today", noticed=ref))
