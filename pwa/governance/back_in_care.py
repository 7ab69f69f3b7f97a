"""Section 4 guards (back in care, seed 002): make-up appointments, re-engagement, repeat misses,
closure, notice of absence and support requests. Pure functions returning field errors (422),
refusals (409) or decisions; no Flask, no database."""
from datetime import date, datetime, timedelta

from .recovery import GENERIC_RESCUE, MIN_DETAIL
from .vocab import SLOT_OPTIONS

FieldErrors = dict[str, list[str]]


def _add(errors: FieldErrors, field: str, message: str) -> None:
    errors.setdefault(field, []).append(message)


# --- make-up appointments ------------------------------------------------------------------------

def makeup_field_errors(*, rescue_option: str, outcome: str, offer_accepted: str | None,
                        makeup_at: datetime | None, missed_at: datetime, now: datetime) -> FieldErrors:
    """An attempt whose slot offer was accepted books the make-up: it needs the slot's time, after the
    miss and in the future; only a person reached can accept, and only a slot can be booked."""
    errors: FieldErrors = {}
    if offer_accepted == "yes":
        if rescue_option not in SLOT_OPTIONS:
            _add(errors, "offer_accepted", "Only a rebook, make-up session or alternate slot books an appointment.")
        if outcome != "reached":
            _add(errors, "offer_accepted", "Only a person reached can accept the offer.")
        if makeup_at is None:
            _add(errors, "makeup_at", "Give the accepted slot's date and time.")
    elif makeup_at is not None:
        _add(errors, "makeup_at", "A make-up time is booked only when the offer was accepted (offer_accepted yes).")
    if makeup_at is not None and makeup_at <= now:
        _add(errors, "makeup_at", "The make-up appointment must be in the future.")
    elif makeup_at is not None and makeup_at <= missed_at:
        _add(errors, "makeup_at", "The make-up appointment must come after the missed one.")
    return errors


def books_makeup(*, offer_accepted: str | None, late: bool) -> bool:
    """A late attempt (the case was already dispositioned or closed) books nothing: it is the record."""
    return offer_accepted == "yes" and not late


# --- re-engagement and repeat misses -----------------------------------------------------------

def reengages(*, recovery_status: str, missed_at: datetime, attended_at: datetime) -> bool:
    """An attended appointment after the miss (the make-up, or the next regular session) closes the
    recovery case as reengaged: recovery ends when the person is back in a session."""
    return recovery_status != "closed" and attended_at > missed_at


def is_repeat_miss(*, makeup_for_event_id: int | None) -> bool:
    """A missed make-up is a repeat of the miss it was to make up for."""
    return makeup_for_event_id is not None


def raised_priority(*, high_risk: bool, repeat_of: int | None) -> bool:
    """A repeat miss is raised in priority: tier 1, the high-risk deadlines, first on every screen."""
    return high_risk or repeat_of is not None


# --- closure --------------------------------------------------------------------------------------

def closure_refusals(*, status: str) -> list[str]:
    if status == "closed":
        return ["This recovery case is already closed."]
    return []


def closure_field_errors(*, closure_reason: str, evidence: str, attended_after_miss: bool,
                         continued_outreach_review_date: date | None, attempts_since_instruction: int,
                         today: date) -> FieldErrors:
    """`reengaged` needs an attended appointment after the miss; `unreachable_after_outreach` needs the
    continued-outreach instruction carried out (attempts logged after it) to its review date; every
    closure needs specific evidence."""
    errors: FieldErrors = {}
    text = (evidence or "").strip()
    if len(text) < MIN_DETAIL:
        _add(errors, "evidence", "Say what proves this closure (at least 10 characters).")
    elif GENERIC_RESCUE.search(text):
        _add(errors, "evidence", "A generic callback is not evidence: say what happened.")
    if closure_reason == "reengaged" and not attended_after_miss:
        _add(errors, "closure_reason", "The person has attended no session since the miss: not re-engaged yet.")
    if closure_reason == "unreachable_after_outreach":
        if continued_outreach_review_date is None:
            _add(errors, "closure_reason", "Unreachable needs a continued-outreach instruction carried out first.")
        else:
            if today < continued_outreach_review_date:
                _add(errors, "closure_reason", "The continued outreach runs to its review date "
                                               f"({continued_outreach_review_date.isoformat()}): close after it.")
            if attempts_since_instruction == 0:
                _add(errors, "closure_reason", "No attempt was logged since the continued-outreach instruction.")
    return errors


# --- notice of absence ---------------------------------------------------------------------------

def notice_field_errors(*, notified_at: datetime, scheduled_at: datetime, now: datetime,
                        reason: str, makeup_at: datetime | None,
                        future_tolerance: timedelta = timedelta(minutes=2)) -> FieldErrors:
    errors: FieldErrors = {}
    if notified_at >= scheduled_at:
        _add(errors, "notified_at", "Notice counts only when given before the appointment's start.")
    if notified_at > now + future_tolerance:
        _add(errors, "notified_at", "The notice cannot be in the future.")
    if len((reason or "").strip()) < 3:
        _add(errors, "reason", "Say why the person cannot attend.")
    if makeup_at is not None and makeup_at <= now:
        _add(errors, "makeup_at", "The make-up appointment must be in the future.")
    return errors


def notice_refusals(*, cancelled: bool, already_notified: bool, attended: bool, has_event: bool) -> list[str]:
    reasons = []
    if cancelled:
        reasons.append("This appointment was cancelled.")
    if already_notified:
        reasons.append("Notice of this absence was already recorded.")
    if attended:
        reasons.append("The person attended this appointment.")
    if has_event:
        reasons.append("A missed-contact event is already open for this appointment.")
    return reasons


def arrival_field_errors(*, arrived_at: datetime, scheduled_at: datetime, now: datetime,
                         future_tolerance: timedelta = timedelta(minutes=2)) -> FieldErrors:
    errors: FieldErrors = {}
    if arrived_at > now + future_tolerance:
        _add(errors, "arrived_at", "The arrival cannot be in the future.")
    if arrived_at < scheduled_at - timedelta(hours=12):
        _add(errors, "arrived_at", "This arrival is long before the appointment: check the date.")
    return errors


def arrival_refusals(*, cancelled: bool, notified: bool, modality: str) -> list[str]:
    reasons = []
    if cancelled:
        reasons.append("This appointment was cancelled.")
    if notified:
        reasons.append("The person gave notice of this absence.")
    if modality == "virtual":
        reasons.append("A virtual session's attendance comes from the session platform (attendance signal).")
    return reasons


# --- expectations at intake ---------------------------------------------------------------------

def expectations_field_errors(*, explained_on: date | None, text: str | None, today: date) -> FieldErrors:
    """The expectations explained at intake come as a pair: the words shown and the day they were explained."""
    errors: FieldErrors = {}
    has_text = bool((text or "").strip())
    if explained_on is not None and not has_text:
        _add(errors, "expectations_text", "Give the attendance expectations as they were explained.")
    if has_text and explained_on is None:
        _add(errors, "expectations_explained_on", "Give the date they were explained.")
    if explained_on is not None and explained_on > today:
        _add(errors, "expectations_explained_on", "This date is in the future.")
    return errors


# --- support requests ----------------------------------------------------------------------------

def opens_support_request(*, barrier_signal: str | None = None, contributing_factors=()) -> bool:
    """A technology barrier, named by an attempt or by a classification, opens a support request."""
    return barrier_signal == "technology" or "technology" in contributing_factors


def support_due(*, next_virtual_session_at: datetime | None, fallback: datetime) -> datetime:
    """Due before the person's next virtual session; with none booked, by the fallback (1 business day)."""
    return next_virtual_session_at if next_virtual_session_at is not None else fallback


def resolve_refusals(*, status: str) -> list[str]:
    if status != "open":
        return [f"This support request is already {status.replace('_', ' ')}."]
    return []


def support_flagged(*, status: str, due_at: datetime, now: datetime) -> bool:
    """Flagged on the coordinator's Today: unresolved when the next session comes."""
    return status != "resolved" and due_at <= now
