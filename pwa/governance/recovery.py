"""Workflow 2 guards (steps 2a–2c): pure functions returning field errors (422) or refusals (409)."""
import re
from datetime import date, datetime, timedelta

from .vocab import RESCUE_BY_MODALITY, SLOT_OPTIONS

FieldErrors = dict[str, list[str]]

# "Call us back" and its cousins, anywhere in the text: a rescue that leaves the person to do
# the work is not a rescue, whatever else the detail says.
GENERIC_RESCUE = re.compile(
    r"\b((call|ring|phone|contact|reach)\s+(us|the\s+(office|service|team|clinic))(\s+back)?"
    r"|get\s+in\s+touch(\s+with\s+(us|the\s+\w+))?|reach\s+out\s+to\s+us|give\s+us\s+a\s+(ring|call)"
    r"|call\s*back|callback|ring\s+back)\b", re.IGNORECASE)
# A named slot has a day (date, weekday, today/tomorrow) and a clock time.
# Weekdays must be whole words ("Monthly", "friendly" name no day); a dotted date needs its year
# ("14.30" is a time, not a day).
HAS_DAY = re.compile(r"\b(\d{4}-\d{2}-\d{2}|\d{1,2}/\d{1,2}|\d{1,2}\.\d{1,2}\.\d{2,4}"
                     r"|\d{1,2}\s+(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)\w*"
                     r"|(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)\w*\s+\d{1,2}"
                     r"|(mon|tues?|weds?|thu|thurs?|fri|sat|sun)(day|nesday|rsday|urday)?\b|today|tomorrow)", re.IGNORECASE)
# "14:00", "9.30", "10h30", also with am/pm ("2:30pm"); "3pm".
HAS_TIME = re.compile(r"\b([01]?\d|2[0-3])[:.h][0-5]\d(?!\.?\d)|\b(1[0-2]|[1-9])\s*(am|pm)\b", re.IGNORECASE)
MIN_DETAIL = 10


def _add(errors: FieldErrors, field: str, message: str) -> None:
    errors.setdefault(field, []).append(message)


# --- 2a -------------------------------------------------------------------------------------

def open_field_errors(*, high_risk: bool, tier: str, route_ok: bool, next_checkpoint_date: date,
                      today: date) -> FieldErrors:
    errors: FieldErrors = {}
    if high_risk and tier != "1":
        _add(errors, "recovery_priority_tier", "This case is high-risk: the priority tier must be 1.")
    if not route_ok:
        _add(errors, "approved_contact_route", "Choose one of the person's approved contact routes on record.")
    if next_checkpoint_date < today:
        _add(errors, "next_checkpoint_date", "The next checkpoint cannot be in the past.")
    return errors


def open_refusals(*, status: str, is_assigned_worker: bool) -> list[str]:
    reasons = []
    if status != "instructed":
        reasons.append(f"Only an instructed recovery case can be opened; this one is {status}.")
    if not is_assigned_worker:
        reasons.append("Only the outreach worker assigned to this case can open it.")
    return reasons


# --- 2b -------------------------------------------------------------------------------------

def rescue_detail_errors(option: str, detail: str | None, modality: str) -> list[str]:
    """The rescue offered must fit the missed service and be specific; a slot must be named."""
    detail = (detail or "").strip()
    messages = []
    if option not in RESCUE_BY_MODALITY.get(modality, ()):
        messages.append(f"{option.replace('_', ' ').capitalize()} does not fit a missed "
                        f"{modality.replace('_', ' ')} appointment.")
    if option == "none_offered":
        return messages
    if len(detail) < MIN_DETAIL:
        messages.append("Say specifically what was offered for the missed service.")
    elif GENERIC_RESCUE.search(detail):
        messages.append("A generic callback is not a rescue: say what was offered for the missed service.")
    elif option in SLOT_OPTIONS and not (HAS_DAY.search(detail) and HAS_TIME.search(detail)):
        messages.append("Name the new slot: the day and the time offered.")
    return messages


def attempt_field_errors(*, attempt_at: datetime, opened_at: datetime, now: datetime, channel: str,
                         approved_channels: set[str], emergency_exception_reason: str | None,
                         rescue_option: str, rescue_detail: str | None, modality: str,
                         future_tolerance: timedelta = timedelta(minutes=2)) -> FieldErrors:
    errors: FieldErrors = {}
    # Forms give minutes: an attempt in the minute the case was opened is not before it.
    if attempt_at < opened_at.replace(second=0, microsecond=0):
        _add(errors, "attempt_at", "The attempt cannot be before the recovery case was opened.")
    if attempt_at > now + future_tolerance:
        _add(errors, "attempt_at", "The attempt cannot be in the future.")
    if channel not in approved_channels and not (emergency_exception_reason or "").strip():
        _add(errors, "channel", "This channel is not one of the person's approved routes: give an emergency "
                                "exception reason, which a supervisor must approve.")
    for message in rescue_detail_errors(rescue_option, rescue_detail, modality):
        _add(errors, "rescue_detail" if "fit" not in message else "rescue_option", message)
    return errors


def attempt_refusals(*, status: str, is_assigned_worker: bool) -> list[str]:
    reasons = []
    if status == "instructed":
        reasons.append("Open the recovery case before logging attempts.")
    if not is_assigned_worker:
        reasons.append("Only the outreach worker assigned to this case can log attempts.")
    return reasons


def attempt_is_late(status: str) -> bool:
    """An attempt that reaches a case already dispositioned or closed (typically from a device's
    outbox) is kept, marked late, for the supervisor: the contact effort happened."""
    return status in ("dispositioned", "closed")


def is_emergency_exception(channel: str, approved_channels: set[str]) -> bool:
    return channel not in approved_channels


# --- 2c -------------------------------------------------------------------------------------

def disposition_field_errors(*, continuity_restored: str, evidence_attempt_ids: list[int],
                             case_attempt_ids: set[int], rebooked: bool, replacement_route_ok: bool,
                             replacement_route_failed: bool, locked_instruction: str,
                             instruction_detail: str | None, owner_ok: bool, rebook_at: datetime | None,
                             review_date: date, today: date, now: datetime) -> FieldErrors:
    errors: FieldErrors = {}
    if continuity_restored in ("yes", "partial") and not (evidence_attempt_ids or rebooked):
        _add(errors, "continuity_evidence",
             "Restored or partly restored continuity needs evidence: choose the attempts or the rebooked "
             "appointment that prove it.")
    unknown = sorted(set(evidence_attempt_ids) - case_attempt_ids)
    if unknown:
        _add(errors, "continuity_evidence", "These are not attempts of this case: " + ", ".join(map(str, unknown)) + ".")
    if not replacement_route_ok:
        _add(errors, "replacement_contact_route", "Choose one of the person's contact routes on record.")
    elif replacement_route_failed:
        _add(errors, "replacement_contact_route",
             "This route failed in this case's attempts (wrong route): choose a viable one.")
    if locked_instruction == "continued_outreach" and not owner_ok:
        _add(errors, "instruction_detail", "Name the outreach worker who owns the continued outreach.")
    if locked_instruction == "rebook":
        if rebook_at is None:
            _add(errors, "rebook_at", "A rebook instruction needs the proposed new appointment time.")
        elif rebook_at <= now:
            _add(errors, "rebook_at", "The new appointment must be in the future.")
    if review_date < today:
        _add(errors, "review_date", "The review date cannot be in the past.")
    if instruction_detail is not None and len(instruction_detail) > 4000:
        _add(errors, "instruction_detail", "Keep this under 4000 characters.")
    return errors


def disposition_refusals(*, status: str) -> list[str]:
    if status == "instructed":
        return ["The recovery case has not been opened yet: there is nothing to dispose of."]
    return []


def disposition_is_late(status: str) -> bool:
    """A disposition that reaches a closed case is kept, marked late, and acts on nothing: a closed case
    is not reopened, reassigned or rebooked by an entry that was on its way when it closed. (On a
    dispositioned case a disposition is not late: it supersedes the latest one, as on a tablet online.)"""
    return status == "closed"
