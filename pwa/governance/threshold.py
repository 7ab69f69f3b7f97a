"""Workflow 3 guards (threshold policy, detection, 3a–3c and the restriction freeze): pure functions
returning field errors (422) or refusals (409), in words a person reads. No Flask, no database."""
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from .escalations import E8_HOLD, freeze_rule
from .vocab import BARRIER_CLASSIFICATIONS, RESTRICTIVE_DECISIONS, THRESHOLD_LEVELS

FieldErrors = dict[str, list[str]]

MIN_SPECIFIC = 20  # characters: a pathway, an appeal route or a rationale is a sentence, not a word
# Text that answers nothing: "n/a", "none", "tbc", "see notes", "as discussed", "standard letter"...
PLACEHOLDER = re.compile(
    r"^\W*(n\s*/?\s*a|none|nil|no|null|tbc|tbd|to\s+be\s+(confirmed|decided|arranged)|see\s+(notes?|file|above|letter)"
    r"|as\s+(discussed|usual|per\s+policy)|standard(\s+(letter|process|route|appeal))?|various|other|unknown"
    r"|x+|-+|\.+|\?+|pending|later|same\s+as\s+before|usual\s+(process|route))\W*$", re.IGNORECASE)
# An appeal route is explicit when it says how or where to appeal: a channel, a place, a person or a time limit.
APPEAL_SPECIFIC = re.compile(
    r"(\d|@|phone|call|ring|write|letter|email|e-mail|post|portal|form|online|in person|office|panel|review|"
    r"ombuds|advocate|complaint|grievance|within|days?|weeks?|by\s+\w+)", re.IGNORECASE)


def _add(errors: FieldErrors, field: str, message: str) -> None:
    errors.setdefault(field, []).append(message)


def labelled(value: str) -> str:
    return value.replace("_", " ")


# --- policy ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class PolicyValues:
    warning_count: int
    step_up_count: int
    closure_count: int
    window_days: int
    count_service_side_failures: bool

    def threshold(self, level: str) -> int:
        return {"warning": self.warning_count, "step_up_review": self.step_up_count,
                "closure_consideration": self.closure_count}[level]


DEFAULT_POLICY = PolicyValues(warning_count=3, step_up_count=4, closure_count=5, window_days=60,
                              count_service_side_failures=False)


def policy_field_errors(*, warning_count: int, step_up_count: int, closure_count: int) -> FieldErrors:
    """The levels must rise: warning < step-up review < closure consideration."""
    errors: FieldErrors = {}
    if step_up_count <= warning_count:
        _add(errors, "step_up_count", f"Must be more than the warning count ({warning_count}); you gave {step_up_count}.")
    if closure_count <= step_up_count:
        _add(errors, "closure_count",
             f"Must be more than the step-up review count ({step_up_count}); you gave {closure_count}.")
    return errors


# --- detection ------------------------------------------------------------------------------

def level_rank(level: str | None) -> int:
    """0 for no level, 1 warning, 2 step-up review, 3 closure consideration."""
    return 0 if level is None else THRESHOLD_LEVELS.index(level) + 1


def level_reached(count: int, policy: PolicyValues) -> str | None:
    """The highest level whose count the case has reached, or None."""
    reached = None
    for level in THRESHOLD_LEVELS:
        if count >= policy.threshold(level):
            reached = level
    return reached


def window_bounds(as_of: datetime, window_days: int) -> tuple[datetime, datetime]:
    """The rolling window ending at `as_of`: an event counts when start < its time <= end."""
    return as_of - timedelta(days=window_days), as_of


def in_window(at: datetime, start: datetime, end: datetime) -> bool:
    return start < at <= end


def is_counted(final_classification: str, count_service_side_failures: bool) -> bool:
    """A released code counts towards the threshold unless it is a service-side failure (by default)."""
    return count_service_side_failures or final_classification != "service_side_failure"


def counted_events(events, *, start: datetime, end: datetime, count_service_side_failures: bool) -> list:
    """The events (objects with `scheduled_at` and `final_classification`) counted towards the threshold."""
    return [e for e in events if in_window(e.scheduled_at, start, end)
            and is_counted(e.final_classification, count_service_side_failures)]


def needs_review(*, level: str | None, recent_levels: list[str]) -> bool:
    """A new review when the case reaches a level higher than any review of it in the window."""
    return level is not None and level_rank(level) > max((level_rank(x) for x in recent_levels), default=0)


def completion_rate(completed: int, total: int) -> int | None:
    """Prior recovery completion rate, a whole percentage rounded half up; None when no recovery was instructed."""
    if total == 0:
        return None
    return (200 * completed + total) // (2 * total)


# --- 3a -------------------------------------------------------------------------------------

def _rate(value: int | None) -> str:
    return "none (no recovery case was instructed)" if value is None else f"{value}%"


def review_field_errors(*, entered: dict, computed: dict, next_checkpoint_date: date, today: date) -> FieldErrors:
    """Each entered figure must equal the figure computed from the archive; the message says both."""
    errors: FieldErrors = {}
    for field, describe in (("threshold_event_count", str), ("prior_recovery_completion_rate", _rate),
                            ("service_side_disruption_count", str)):
        if entered[field] != computed[field]:
            _add(errors, field, f"Does not match the archive: you entered {describe(entered[field])}, "
                                f"the records give {describe(computed[field])}.")
    if next_checkpoint_date < today:
        _add(errors, "next_checkpoint_date", "The next checkpoint cannot be in the past.")
    return errors


def review_refusals(*, status: str) -> list[str]:
    if status == "superseded":
        return ["This review was superseded by a review at a higher level: complete that one."]
    if status != "awaiting_review":
        return [f"This threshold review has already been completed (it is {labelled(status)})."]
    return []


# --- 3b -------------------------------------------------------------------------------------

def barrier_share(classifications: list[str]) -> tuple[int, int]:
    """(events classified access barrier or service-side failure, counted events)."""
    return sum(1 for c in classifications if c in BARRIER_CLASSIFICATIONS), len(classifications)


def mostly_barriers(classifications: list[str]) -> bool:
    barriers, total = barrier_share(classifications)
    return total > 0 and barriers * 2 > total


def determination_field_errors(*, panel_decision: str, barrier_remediation_status: str,
                               proportionality_result: str, proportionality_rationale: str,
                               counted_classifications: list[str], latest_unresolved_barriers: int | None,
                               latest_disposition_ref: str | None = None) -> FieldErrors:
    errors: FieldErrors = {}
    restrictive = panel_decision in RESTRICTIVE_DECISIONS
    if restrictive and proportionality_result != "affirmative":
        _add(errors, "proportionality_result",
             f"A {labelled(panel_decision)} decision needs an affirmative proportionality result; "
             "otherwise return the case to enhanced recovery support or continue.")
    if proportionality_result == "affirmative":
        barriers, total = barrier_share(counted_classifications)
        if mostly_barriers(counted_classifications):
            _add(errors, "proportionality_result",
                 f"Cannot be affirmative: {barriers} of the {total} counted events were access barriers or "
                 "service-side failures; a restriction would punish barriers.")
        if barrier_remediation_status in ("not_started", "in_progress"):
            _add(errors, "proportionality_result",
                 f"Cannot be affirmative while barrier remediation is {labelled(barrier_remediation_status)}.")
    unresolved = latest_unresolved_barriers or 0
    where = f" ({latest_disposition_ref})" if latest_disposition_ref else ""
    if barrier_remediation_status == "completed" and unresolved > 0:
        _add(errors, "barrier_remediation_status",
             f"Cannot be completed: the latest recovery disposition{where} records {unresolved} unresolved "
             f"barrier{'s' if unresolved != 1 else ''}.")
    if barrier_remediation_status == "not_applicable":
        barriers, _total = barrier_share(counted_classifications)
        if unresolved > 0:
            _add(errors, "barrier_remediation_status",
                 f"Cannot be not applicable: the latest recovery disposition{where} records {unresolved} "
                 "unresolved barriers.")
        elif "access_barrier" in counted_classifications:
            _add(errors, "barrier_remediation_status",
                 "Cannot be not applicable: counted events were classified as access barriers.")
    if len(proportionality_rationale.strip()) < MIN_SPECIFIC or PLACEHOLDER.match(proportionality_rationale):
        _add(errors, "proportionality_rationale",
             "Explain the proportionality result against the threshold record (at least a sentence).")
    return errors


def determination_refusals(*, status: str, actor_did_review: bool) -> list[str]:
    reasons = []
    if status == "awaiting_review":
        reasons.append("The threshold review must be completed before the panel determines.")
    elif status == "superseded":
        reasons.append("This review was superseded by a review at a higher level.")
    elif status != "awaiting_determination":
        reasons.append(f"The panel has already determined this review (it is {labelled(status)}).")
    if actor_did_review:
        reasons.append("The governance lead who completed the review cannot chair its panel determination.")
    return reasons


# --- 3c -------------------------------------------------------------------------------------

def specific_text_errors(text: str | None, what: str) -> list[str]:
    value = (text or "").strip()
    if not value:
        return [f"Give the {what}."]
    if PLACEHOLDER.match(value) or len(value) < MIN_SPECIFIC:
        return [f"Say specifically what the {what} is: a placeholder or a single word is not one."]
    return []


def communication_field_errors(*, panel_decision: str, decision_explained: str, route_ok: bool | None,
                               alternative_pathway_offered: str | None, appeal_route_provided: str,
                               objection_raised: str, objection_detail: str | None, review_date: date,
                               today: date) -> FieldErrors:
    """route_ok: whether the chosen contact route is an approved route of the person (None: none chosen)."""
    errors: FieldErrors = {}
    if decision_explained == "approved_safe_message" and not route_ok:
        _add(errors, "contact_route", "A safe message goes by one of the person's approved contact routes: choose it.")
    elif route_ok is False:
        _add(errors, "contact_route", "Choose one of the person's approved contact routes on record.")
    continuity_possible = panel_decision != "closure"
    if continuity_possible or (alternative_pathway_offered or "").strip():
        for message in specific_text_errors(alternative_pathway_offered, "alternative pathway offered"):
            _add(errors, "alternative_pathway_offered",
                 message + (" Continuity remains possible after this decision." if continuity_possible
                            and not (alternative_pathway_offered or "").strip() else ""))
    messages = specific_text_errors(appeal_route_provided, "appeal or review route")
    if not messages and not APPEAL_SPECIFIC.search(appeal_route_provided):
        messages = ["Make the appeal route explicit: how, where or by when the person can appeal."]
    for message in messages:
        _add(errors, "appeal_route_provided", message)
    if objection_raised == "yes" and not (objection_detail or "").strip():
        _add(errors, "objection_detail", "Record the objection or concern so the weekly governance review can act on it.")
    if review_date < today:
        _add(errors, "review_date", "The review date cannot be in the past.")
    return errors


def communication_refusals(*, status: str) -> list[str]:
    if status in ("awaiting_review", "awaiting_determination"):
        return ["The decision is communicated after the review and the panel determination."]
    if status == "superseded":
        return ["This review was superseded by a review at a higher level."]
    if status != "awaiting_communication":
        return ["The decision has already been communicated."]
    return []


# --- the freeze: restrictions ---------------------------------------------------------------

def restriction_refusals(*, kind: str, review_status: str | None, panel_decision: str | None,
                         proportionality_result: str | None, has_communication: bool, open_e8: bool,
                         already_implemented: bool) -> tuple[str, list[str]] | None:
    """(rule, reasons) when a restriction of `kind` is refused, else None.

    review_status: the status of the case's latest (not superseded) threshold review, None when it has none.
    E7: no complete review (none at all, or 3a/3b pending). E9: decided but no communication evidence.
    Otherwise refused (no escalation) when the panel did not authorise this kind affirmatively."""
    what = labelled(kind)
    frozen_by = freeze_rule(review_status=review_status, has_communication=has_communication)
    if frozen_by == "E7" and review_status is None:
        return "E7", [f"No threshold review has been completed for this case: a {what} cannot be implemented "
                      "without a review, an affirmative panel determination and a recorded communication."]
    if frozen_by == "E7":
        step = "the governance lead's review" if review_status == "awaiting_review" else "the panel determination"
        return "E7", [f"Restrictions are frozen: the threshold review is not complete ({step} is pending)."]
    if frozen_by == "E9":
        return "E9", [f"No person-facing communication of the decision is recorded: a {what} cannot be "
                      "implemented before the decision is explained with an appeal route."]
    reasons = []
    if panel_decision != kind:
        reasons.append(f"The panel decided {labelled(panel_decision or 'nothing')}, which does not authorise a {what}.")
    if proportionality_result != "affirmative":
        reasons.append("The panel's proportionality result is not affirmative.")
    if open_e8:
        reasons.append(E8_HOLD)
    if already_implemented:
        reasons.append(f"This {what} has already been implemented under this review.")
    return ("restriction_not_authorised", reasons) if reasons else None
