"""Who may do what, and to which record: each action's roles said once, beside the `can_*` guards.

Screens and the API put the roles on their routes (`@requires(*LOG_ATTEMPT)`), sync asks the same
`can_*` guard for each entry, and the operations ask the record guards. Users are anything with
`has_role(*roles)`, `id` and `roles`; no Flask, no database.
"""

# --- workflow 1: missed contacts ----------------------------------------------------------------
RECORD_MISSED_CONTACT = ("coordinator",)            # 1a, evidence, 1c release, a code on the screen
CLASSIFY = ("attendance_supervisor",)               # 1b
READ_MISSED_CONTACTS = ("coordinator", "attendance_supervisor")
FEED_SCHEDULE = ("admin", "integration")            # cases and appointments
SEND_ATTENDANCE_SIGNAL = ("integration",)
FHIR_WRITE = ("integration",)                     # POST /fhir: the schedule, arrivals, notices
FHIR_READ = ("integration", "auditor")            # GET /fhir/<resource>: the governed record out
APPLY_ATTENDANCE_CODE = ("integration", "coordinator")

# --- workflow 2: recovery -----------------------------------------------------------------------
READ_RECOVERY = ("outreach_worker", "service_supervisor")   # also who syncs a device's outbox
OPEN_RECOVERY = ("outreach_worker",)                         # 2a
LOG_ATTEMPT = ("outreach_worker",)                           # 2b
RECORD_DISPOSITION = ("service_supervisor",)                 # 2c
DECIDE_EXCEPTION = ("service_supervisor",)
SEE_EVERY_RECOVERY_CASE = ("service_supervisor",)
CLOSE_THE_DAY = ("service_supervisor",)                      # the supervisor's board
# What a device is told when its entry's kind is not the signed-in user's to send.
LOG_ATTEMPT_REFUSAL = "Only an outreach worker can log recovery attempts."
RECORD_DISPOSITION_REFUSAL = "Only a service supervisor can record dispositions."

# --- section 4: back in care -------------------------------------------------------------------
CLOSE_RECOVERY = ("service_supervisor",)
READ_SCHEDULE = ("coordinator", "attendance_supervisor", "service_supervisor", "integration")
RECORD_ARRIVAL = ("integration", "coordinator")
NOTIFY_ABSENCE = ("integration", "coordinator")
HANDLE_SUPPORT = ("tech_support", "service_supervisor", "attendance_supervisor")

# --- workflow 3: threshold governance -----------------------------------------------------------
READ_REVIEWS = ("governance_lead", "panel_chair", "coordinator")
REVIEW = ("governance_lead",)                       # 3a
DETERMINE = ("panel_chair",)                        # 3b
COMMUNICATE = ("coordinator",)                      # 3c
RESTRICT = ("governance_lead",)                     # a restriction from the case screen
REQUEST_RESTRICTION = ("integration", "governance_lead")  # from the API (a policy engine, another system)
READ_POLICY = ("admin", "governance_lead")
CHANGE_POLICY = ("admin",)
READ_WEEKLY = ("governance_lead", "quality_lead", "executive", "director", "chief_operating", "admin", "auditor")

# --- escalations, archive, outcomes ------------------------------------------------------------
READ_ESCALATIONS = ("attendance_supervisor", "service_supervisor", "manager", "duty_manager", "quality_lead",
                    "executive", "director", "chief_operating", "admin", "auditor")
SEE_EVERY_ESCALATION = ("admin", "auditor")
READ_ARCHIVE = ("attendance_supervisor", "service_supervisor", "governance_lead", "panel_chair", "manager",
                "duty_manager", "quality_lead", "executive", "director", "chief_operating", "admin", "auditor")
READ_OUTCOMES = ("manager", "duty_manager", "quality_lead", "executive", "director", "chief_operating",
                 "governance_lead", "admin", "auditor")


# --- the guards ---------------------------------------------------------------------------------

def can_log_attempt(user) -> bool:
    return user.has_role(*LOG_ATTEMPT)


def can_record_disposition(user) -> bool:
    return user.has_role(*RECORD_DISPOSITION)


def can_see_recovery_case(user, recovery) -> bool:
    """A recovery case is its assigned outreach worker's, and every service supervisor's."""
    return user.has_role(*SEE_EVERY_RECOVERY_CASE) or recovery.assigned_worker_id == user.id


def is_assigned_worker(user, recovery) -> bool:
    """Only the assigned outreach worker opens the case and logs its attempts (2a, 2b)."""
    return recovery.assigned_worker_id == user.id


def can_read_archive(user) -> bool:
    return user.has_role(*READ_ARCHIVE)


def can_see_every_escalation(user) -> bool:
    return user.has_role(*SEE_EVERY_ESCALATION)


def can_acknowledge(user, escalation) -> bool:
    """An escalation is acknowledged by a holder of its level's role."""
    return user.has_role(escalation.level)
