"""Every escalation (E1–E9 of SPEC.md) and every deadline breach, each defined once: when it is raised
(a pure check), by when the step was due, who receives it (its level: the role that acknowledges it),
its title, and the reason text people read on the screens, in the API, the archive and push alerts.

The operations, the sweep and the templates ask this module; `RULES` lists them for the docs' table
(docs/architecture.md) and for the CHECK constraint on escalations.rule. No Flask, no database.
"""
from dataclasses import dataclass
from datetime import datetime
from typing import Callable

from . import deadlines
from .vocab import RESTRICTIVE_DECISIONS


@dataclass(frozen=True)
class Rule:
    code: str
    title: str
    level: str                    # the role that receives and acknowledges it
    step: str                     # the workflow step it watches
    raised_when: Callable         # the pure check (the condition)
    due: Callable | None = None   # the deadline it enforces, if it is a deadline rule


def labelled(value: str) -> str:
    return value.replace("_", " ")


def overdue(due_at: datetime | None, now: datetime) -> bool:
    """A step is breached once its deadline has passed with the step not done."""
    return due_at is not None and due_at < now


# --- E1: a permanent code before release ------------------------------------------------------

def needs_e1(*, released_code: str | None) -> bool:
    """E1: a permanent code entered (screen, API or schedule feed) for an appointment with no release."""
    return released_code is None


def e1_reason(*, code: str, appointment_ref: str, source: str, event_status: str | None) -> str:
    state = "no event record exists" if event_status is None else f"the event is {event_status}"
    return (f"Permanent code {code[:40]} for appointment {appointment_ref} entered from {source} "
            f"before release ({state}); it was refused.")


# --- E2: person refusal with unresolved dependencies: the release is held -----------------------

def needs_e2(*, final_classification: str, outcome: str, unresolved_dependency_count: int) -> bool:
    """E2: confirmed as person refusal while dependencies remain unresolved."""
    return outcome == "confirm" and final_classification == "person_refusal" and unresolved_dependency_count > 0


def e2_reason(*, unresolved_dependency_count: int) -> str:
    return (f"Confirmed as person refusal with {unresolved_dependency_count} unresolved dependencies; "
            "the code is held until a manager acknowledges.")


def release_is_held(*, open_e2: bool) -> bool:
    """An open (unacknowledged) E2 on the event's latest classification holds its release."""
    return open_e2


# Why a held code cannot be released: the release refusal, the release form and the today list show it.
E2_HOLD = ("A manager must acknowledge the E2 escalation (person refusal with unresolved dependencies) "
           "before the code can be released.")


# --- E3: a code finalised with no follow-up route -----------------------------------------------

def needs_e3(*, follow_up_route: str) -> bool:
    """E3: a code finalised with no linked follow-up route."""
    return follow_up_route == "none"


def e3_reason(*, permanent_code: str) -> str:
    return f"Code {permanent_code} finalised with no linked follow-up route."


# --- E4: high-priority recovery not started -------------------------------------------------------

def is_tier_one(*, high_risk: bool, priority_tier: str | None) -> bool:
    """A high-risk case, or one opened at priority tier 1: E4's cases."""
    return high_risk or priority_tier == "1"


def needs_e4_not_opened(*, high_risk: bool, priority_tier: str | None, status: str, open_due_at: datetime,
                        now: datetime) -> bool:
    """E4: a tier-1 or high-risk case not opened by its 2a deadline (the others are BREACH_2A)."""
    return is_tier_one(high_risk=high_risk, priority_tier=priority_tier) and needs_breach_2a(
        status=status, open_due_at=open_due_at, now=now)


def needs_e4_no_attempt(*, high_risk: bool, priority_tier: str | None, status: str, opened_at: datetime | None,
                        has_attempt: bool, now: datetime) -> bool:
    """E4: an opened tier-1 or high-risk case with no attempt logged within 1 hour of opening."""
    return (is_tier_one(high_risk=high_risk, priority_tier=priority_tier) and status == "open"
            and opened_at is not None and not has_attempt and overdue(deadlines.first_attempt_due(opened_at), now))


def recovery_not_opened_reason(*, due: str) -> str:
    """E4's and BREACH_2A's reason."""
    return f"Recovery case not opened; it was due by {due}."


E4_NO_ATTEMPT = "Recovery case opened more than an hour ago with no attempt logged."


# --- E5: active risk and no rescue offered --------------------------------------------------------

def needs_e5(*, barrier_signal: str, rescue_option: str) -> bool:
    """E5: active risk signalled and no rescue offered."""
    return barrier_signal == "active_risk" and rescue_option == "none_offered"


E5_REASON = "Active risk signalled on a recovery attempt and no rescue option was offered."


# --- E6: a high-risk case unresolved at the close of the business day ------------------------------

def needs_e6(*, high_risk: bool, restored: bool) -> bool:
    """E6: a high-risk case with no disposition restoring continuity at the close of the business day."""
    return high_risk and not restored


def e6_reason(*, close: str) -> str:
    return f"High-risk recovery case still unresolved at the close of business ({close})."


# --- E7, E9: a restriction before review or before communication (the freeze) ---------------------

def freeze_rule(*, review_status: str | None, has_communication: bool) -> str | None:
    """The rule that freezes restrictions on a case: E7 while no review is complete (none, or 3a/3b
    pending), E9 while the decision is not communicated (3c); None once both are done."""
    if review_status is None or review_status in ("awaiting_review", "awaiting_determination"):
        return "E7"
    if review_status == "awaiting_communication" or not has_communication:
        return "E9"
    return None


def needs_e7(*, review_status: str | None, has_communication: bool) -> bool:
    """E7: a restriction attempted while no threshold review is complete."""
    return freeze_rule(review_status=review_status, has_communication=has_communication) == "E7"


def needs_e9(*, review_status: str | None, has_communication: bool) -> bool:
    """E9: a restriction attempted after the determination but with no communication evidence (3c)."""
    return freeze_rule(review_status=review_status, has_communication=has_communication) == "E9"


def restriction_refused_reason(*, kind: str, source: str, first_reason: str) -> str:
    """E7's and E9's reason: the attempt and the freeze's first reason."""
    return f"A {labelled(kind)} ({source}) was attempted and refused: " + first_reason


# --- E8: a restrictive decision with unresolved dependencies ---------------------------------------

def needs_e8(*, panel_decision: str, unresolved_dependency_count: int) -> bool:
    """E8: a restrictive decision while dependencies remain unresolved."""
    return panel_decision in RESTRICTIVE_DECISIONS and unresolved_dependency_count > 0


def e8_reason(*, panel_decision: str, unresolved_dependency_count: int) -> str:
    return (f"Panel decided {labelled(panel_decision)} with {unresolved_dependency_count} unresolved "
            "dependencies; it cannot be implemented until an executive acknowledges.")


# An open E8 holds the restriction: the restriction refusal gives this reason.
E8_HOLD = ("An executive must acknowledge the E8 escalation (restriction proposed with unresolved "
           "dependencies) before it is implemented.")


# --- deadline breaches ------------------------------------------------------------------------------

def needs_breach_1a(*, due_at: datetime, now: datetime) -> bool:
    """BREACH_1A: a detected miss with no event record 30 minutes after detection."""
    return overdue(due_at, now)


def breach_1a_reason(*, appointment_ref: str, due: str) -> str:
    return f"No missed-contact event for appointment {appointment_ref}; it was due by {due}."


def needs_breach_1b(*, status: str, classification_due_at: datetime, now: datetime) -> bool:
    """BREACH_1B: a queued event not classified within 2 business hours of (re-)queueing."""
    return status == "queued" and overdue(classification_due_at, now)


def breach_1b_reason(*, due: str) -> str:
    return f"Classification challenge was due by {due}."


def needs_breach_2a(*, status: str, open_due_at: datetime, now: datetime) -> bool:
    """BREACH_2A: a recovery case not opened by its deadline (E4 instead for a tier-1 or high-risk case)."""
    return status == "instructed" and overdue(open_due_at, now)


def needs_breach_2c(*, status: str, disposition_due_at: datetime | None, has_disposition: bool,
                    now: datetime) -> bool:
    """BREACH_2C: no disposition by the end of the business day (2 business hours when high-risk)."""
    return status in ("instructed", "open") and not has_disposition and overdue(disposition_due_at, now)


def breach_2c_reason(*, due: str) -> str:
    return f"No recovery disposition; it was due by {due}."


def needs_breach_3a(*, status: str, review_due_at: datetime, now: datetime) -> bool:
    """BREACH_3A: a threshold review not completed within 1 business day of the case reaching its level."""
    return status == "awaiting_review" and overdue(review_due_at, now)


def breach_3a_reason(*, level: str, due: str) -> str:
    return f"Threshold review ({labelled(level)}) was due by {due}; restrictions stay frozen."


def needs_breach_3b(*, status: str, determination_due_at: datetime, now: datetime) -> bool:
    """BREACH_3B: no panel determination within 1 business day of review initiation."""
    return status in ("awaiting_review", "awaiting_determination") and overdue(determination_due_at, now)


def breach_3b_reason(*, due: str) -> str:
    return f"Panel determination was due by {due}."


# --- the registry -----------------------------------------------------------------------------------

RULES: dict[str, Rule] = {rule.code: rule for rule in (
    Rule("E1", "Permanent code attempted before release", "attendance_supervisor", "1c", needs_e1),
    Rule("E2", "Person refusal confirmed with unresolved dependencies", "manager", "1b", needs_e2),
    Rule("E3", "Code finalised with no follow-up route", "quality_lead", "1c", needs_e3),
    Rule("E4", "High-priority recovery not started", "service_supervisor", "2a",
         needs_e4_no_attempt, deadlines.first_attempt_due),
    Rule("E5", "Active risk with no rescue offered", "duty_manager", "2b", needs_e5),
    Rule("E6", "High-risk case unresolved at close of day", "executive", "2c", needs_e6),
    Rule("E7", "Restriction attempted before review", "director", "3", needs_e7),
    Rule("E8", "Restriction proposed with unresolved dependencies", "executive", "3b", needs_e8),
    Rule("E9", "Restriction without communication evidence", "chief_operating", "3c", needs_e9),
    Rule("BREACH_1A", "Missed-contact event not opened within 30 minutes", "attendance_supervisor", "1a",
         needs_breach_1a, deadlines.event_open_due),
    Rule("BREACH_1B", "Classification challenge past its deadline", "manager", "1b",
         needs_breach_1b, deadlines.classification_due),
    Rule("BREACH_2A", "Recovery case not opened in time", "service_supervisor", "2a",
         needs_breach_2a, deadlines.recovery_open_due),
    Rule("BREACH_2C", "Recovery disposition past its deadline", "manager", "2c",
         needs_breach_2c, deadlines.disposition_due),
    Rule("BREACH_3A", "Threshold review past its deadline", "director", "3a",
         needs_breach_3a, deadlines.threshold_review_due),
    Rule("BREACH_3B", "Panel determination past its deadline", "executive", "3b",
         needs_breach_3b, deadlines.determination_due),
)}

# The recipient role (level) and the title of each rule, as the models, screens and alerts read them.
ESCALATION_LEVELS = {code: rule.level for code, rule in RULES.items()}
ESCALATION_TITLES = {code: rule.title for code, rule in RULES.items()}
