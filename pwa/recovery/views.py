"""Workflow 2 screens: the outreach worker's "My day" and case screen (phone), the service
supervisor's "Close the day" board and disposition form (tablet)."""
import uuid

from flask import Blueprint, redirect, request, url_for
from flask_login import current_user

from ..clock import utcnow
from ..errors import InvalidInput
from ..governance import access, vocab
from ..security import requires
from ..support.queries import support_for_recovery_case
from ..web import form_input, render, run_form
from . import back_in_care, listing, operations as ops
from .models import RecoveryCase
from .queries import RECENTLY_DISPOSITIONED, close_the_day_board, last_channel_used, visible_recovery_cases

bp = Blueprint("recovery", __name__)


@bp.get("/recovery")
@requires(*access.READ_RECOVERY)
def recovery_list():
    """My day: the recovery cases assigned to me (all of them for a supervisor) still to work, then the
    ones dispositioned in the past week (a late attempt can still be logged on them); older finished
    cases are left out, or weeks of finished work would bury the day's."""
    cases, attempt_counts = listing.my_day(current_user, utcnow() - RECENTLY_DISPOSITIONED)
    return render("recovery/list.html", cases=cases, attempt_counts=attempt_counts)


def _case_context(recovery: RecoveryCase, **extra) -> dict:
    missed = ops.recovery_missed_appointment(recovery)
    return {"r": recovery, "missed": missed, "vocab": vocab, "support_requests": support_for_recovery_case(recovery.id), "form": {}, "errors": {}, "refusal": None,
            "rescue_options": vocab.RESCUE_BY_MODALITY[missed.modality],
            "approved_channels": sorted({route.channel for route in recovery.case.approved_routes}),
            "client_id": str(uuid.uuid4()), "saved": request.args.get("saved"),
            **listing.timeline(recovery, _page()), "remembered_channel": remembered_channel(recovery), **extra}


def remembered_channel(recovery: RecoveryCase) -> str | None:
    """The channel the attempt form starts on: the one this worker used last, when this person may be reached
    by it; otherwise the person's preferred approved route."""
    approved = recovery.case.approved_routes
    channels = {route.channel for route in approved}
    last = last_channel_used(current_user) if current_user.is_authenticated else None
    if last in channels:
        return last
    preferred = sorted(approved, key=lambda route: not route.preferred)
    return preferred[0].channel if preferred else None


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
@requires(*access.READ_RECOVERY)
def case(recovery_id):
    recovery = ops.get_recovery_case(recovery_id, current_user)
    return render("recovery/case.html", **_case_context(recovery))


def _page() -> int:
    value = request.args.get("attempts_page", "1")
    return int(value) if value.isdigit() and len(value) < 7 else 1


@bp.post("/recovery/<int:recovery_id>/open")
@requires(*access.OPEN_RECOVERY)
def open_case(recovery_id):
    page = _submit(recovery_id, lambda: ops.open_recovery_case(recovery_id, form_input(), current_user),
                   "recovery/case.html", form_name="open")
    return page or redirect(url_for("recovery.case", recovery_id=recovery_id, saved="opened"))


@bp.post("/recovery/<int:recovery_id>/attempts")
@requires(*access.LOG_ATTEMPT)
def attempt(recovery_id):
    page = _submit(recovery_id, lambda: ops.record_attempt(recovery_id, form_input(), current_user),
                   "recovery/case.html", form_name="attempt")
    return page or redirect(url_for("recovery.case", recovery_id=recovery_id, saved="attempt"))


@bp.get("/close-the-day")
@requires(*access.CLOSE_THE_DAY)
def close_the_day():
    """Every recovery case open today, high-risk first; exceptions awaiting approval."""
    return render("recovery/close_the_day.html", **close_the_day_board(visible_recovery_cases(current_user)),
                  saved=request.args.get("saved"))


@bp.route("/recovery/<int:recovery_id>/disposition", methods=["GET", "POST"])
@requires(*access.RECORD_DISPOSITION)
def disposition(recovery_id):
    if request.method == "GET":
        recovery = ops.get_recovery_case(recovery_id, current_user)
        return render("recovery/disposition_form.html", **_case_context(recovery))
    data = form_input("continuity_evidence")
    data.pop("confirm_lock", None)  # the screen's confirmation, not part of the disposition
    page = _submit(recovery_id, lambda: _locked_on_purpose(lambda: ops.record_disposition(
        recovery_id, data, current_user)), "recovery/disposition_form.html")
    return page or redirect(url_for("recovery.close_the_day", saved=recovery_id))


CONFIRM_LOCK = "Tick this to confirm: the instruction cannot be changed once it is locked."


def _locked_on_purpose(operation):
    """The screen's disposition is irreversible, so the supervisor ticks a confirmation first. Unticked, the
    answers are still checked (every problem shows at once) and nothing is saved: the transaction rolls back."""
    if request.form.get("confirm_lock") == "yes":
        return operation()
    try:
        operation()
    except InvalidInput as err:
        raise InvalidInput({**err.errors, "confirm_lock": [CONFIRM_LOCK]}) from None
    raise InvalidInput({"confirm_lock": [CONFIRM_LOCK]})


@bp.post("/recovery/<int:recovery_id>/attempts/<int:attempt_id>/exception")
@requires(*access.DECIDE_EXCEPTION)
def exception(recovery_id, attempt_id):
    _, refused = run_form(lambda: ops.decide_exception(recovery_id, attempt_id, form_input(), current_user),
                          lambda status, errors, refusal: "refused")
    return redirect(url_for("recovery.close_the_day", exception=refused or "decided"))


@bp.route("/recovery/<int:recovery_id>/close", methods=["GET", "POST"])
@requires(*access.CLOSE_RECOVERY)
def close_case(recovery_id):
    """The supervisor's closure (tablet): a reason and its evidence."""
    recovery = ops.get_recovery_case(recovery_id, current_user)
    context = {"r": recovery, "missed": ops.recovery_missed_appointment(recovery), "vocab": vocab,
               "attended": back_in_care.attended_after(recovery)}
    if request.method == "GET":
        return render("recovery/close_form.html", form={}, errors={}, refusal=None, **context)
    _, page = run_form(lambda: back_in_care.close_recovery_case(
        ops.get_recovery_case(recovery_id, current_user), form_input(), current_user),
        lambda status, errors, refusal: render("recovery/close_form.html", status=status, form=request.form,
                                               errors=errors, refusal=refusal, **context))
    return page or redirect(url_for("recovery.close_the_day", closed=recovery_id))
