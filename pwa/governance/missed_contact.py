"""Workflow 1 guards (steps 1a–1c and permanent codes): pure functions returning the reasons a step is refused, in words a person reads.

Field errors (dict field -> [messages]) become 422s and inline form errors; refusals (list of
reasons) become 409s. Both reach the form, the API and the archive unchanged.
"""
from datetime import date, datetime

from .escalations import E2_HOLD, release_is_held
from .vocab import PERMANENT_CODES, SERVICE_SIDE_FACTORS

FieldErrors = dict[str, list[str]]


def _add(errors: FieldErrors, field: str, message: str) -> None:
    errors.setdefault(field, []).append(message)


def _local(value: datetime, tz) -> str:
    return value.astimezone(tz).strftime("%Y-%m-%d %H:%M %Z")


def _minute(value: datetime) -> datetime:
    return value.replace(second=0, microsecond=0)


# --- 1a -------------------------------------------------------------------------------------

def event_field_errors(*, scheduled_at: datetime, live_scheduled_at: datetime, next_checkpoint_date: date,
                       today: date, now: datetime, tz) -> FieldErrors:
    errors: FieldErrors = {}
    # Matched to the minute, as a schedule shows it and as a person can enter it.
    if _minute(scheduled_at) != _minute(live_scheduled_at):
        _add(errors, "scheduled_at",
             f"Does not match the live schedule: you entered {_local(scheduled_at, tz)}, "
             f"the schedule says {_local(live_scheduled_at, tz)}.")
    elif scheduled_at > now:
        _add(errors, "scheduled_at", "This appointment has not happened yet.")
    if next_checkpoint_date < today:
        _add(errors, "next_checkpoint_date", "The next checkpoint cannot be in the past.")
    return errors


def event_open_refusals(*, has_event: bool, cancelled: bool, case_matches: bool,
                        notified_absence: bool = False) -> list[str]:
    reasons = []
    if not case_matches:
        reasons.append("This appointment belongs to a different case.")
    if cancelled:
        reasons.append("This appointment was cancelled; a cancelled appointment is not a missed contact.")
    if notified_absence:
        reasons.append("The person gave notice of this absence in advance: a notified absence is not a missed "
                       "contact (section 4).")
    if has_event:
        reasons.append("A missed-contact event already exists for this appointment.")
    return reasons


# --- 1b -------------------------------------------------------------------------------------

def classification_field_errors(*, final_classification: str, outcome: str, service_failure_contribution: str,
                                contributing_factors: list[str], service_disruption_known: str) -> FieldErrors:
    errors: FieldErrors = {}
    if final_classification == "undetermined" and outcome != "return_for_evidence":
        _add(errors, "outcome", "An undetermined classification can only be returned for evidence.")
    service_side = sorted(set(contributing_factors) & set(SERVICE_SIDE_FACTORS))
    if service_failure_contribution == "none":
        if service_disruption_known == "yes":
            _add(errors, "service_failure_contribution",
                 "Cannot be none: the event records a known service-side disruption.")
        if service_side:
            _add(errors, "service_failure_contribution",
                 "Cannot be none when a " + ", ".join(f.replace("_", "-") for f in service_side)
                 + " factor is given: answer whether the service contributed.")
    return errors


def classification_refusals(*, status: str, actor_opened_event: bool) -> list[str]:
    reasons = []
    if status != "queued":
        reasons.append(f"Only a queued event can be classified; this one is {status}.")
    if actor_opened_event:
        reasons.append("The coordinator who opened the event cannot challenge its classification.")
    return reasons


# --- evidence loop --------------------------------------------------------------------------

def evidence_refusals(*, status: str) -> list[str]:
    if status != "returned":
        return [f"Evidence is added to an event returned for evidence; this one is {status}."]
    return []


# --- 1c -------------------------------------------------------------------------------------

def release_refusals(*, status: str, open_e2: bool) -> list[str]:
    reasons = []
    if status == "released":
        reasons.append("This event has already been released.")
    elif status != "confirmed":
        reasons.append(f"A code can only be released after a confirmed classification; this event is {status}.")
    if release_is_held(open_e2=open_e2):
        reasons.append(E2_HOLD)
    return reasons


def release_field_errors(*, final_classification: str, permanent_code: str, follow_up_required: str,
                         follow_up_route: str, review_date: date, today: date) -> FieldErrors:
    errors: FieldErrors = {}
    expected = PERMANENT_CODES.get(final_classification)
    if permanent_code != expected:
        _add(errors, "permanent_code",
             f"Must match the confirmed classification ({final_classification.replace('_', ' ')}): {expected}.")
    if follow_up_required == "yes" and follow_up_route == "none":
        _add(errors, "follow_up_route", "Follow-up is required: choose outreach or clinical.")
    if follow_up_required == "no" and follow_up_route != "none":
        _add(errors, "follow_up_route", "No follow-up is required, so the route must be none.")
    if review_date < today:
        _add(errors, "review_date", "The review date cannot be in the past.")
    return errors


# --- permanent codes from any path ---------------------------------------------------------

def attendance_code_refusals(*, released_code: str | None, code: str) -> list[str]:
    """E1 when no released code exists; a code that differs from the released one is refused too."""
    if released_code is None:
        return ["No permanent code can be applied before the missed-contact event is recorded, "
                "classified and released."]
    if released_code != code:
        return [f"The released code for this appointment is {released_code}, not {code}."]
    return []
