"""The enumerations of SPEC.md, in one place: models (CHECK constraints), schemas and forms use them."""

ROLES = (
    "coordinator", "attendance_supervisor", "outreach_worker", "service_supervisor",
    "governance_lead", "panel_chair", "manager", "duty_manager", "quality_lead", "executive",
    "director", "chief_operating", "tech_support", "admin", "auditor", "integration",
)
ESCALATION_ROLES = ("manager", "duty_manager", "quality_lead", "executive", "director", "chief_operating")

RISK_FLAGS = ("medication", "crisis", "intensive_support", "safeguarding")
CONTACT_CHANNELS = ("phone_call", "sms", "email", "video", "home_visit", "letter", "emergency_contact")
MODALITIES = ("in_person", "virtual", "home_visit", "phone")

# Step 1a
EVENT_TYPES = ("missed_appointment", "failed_arrival", "session_not_started", "virtual_no_join", "left_early")
YES_NO = ("yes", "no")
CONTACTABILITY = ("reachable", "unreachable", "route_unknown", "route_failed")
EVENT_STATUSES = ("queued", "returned", "confirmed", "released")

# Step 1b
CLASSIFICATIONS = ("person_refusal", "access_barrier", "service_side_failure", "undetermined")
CLASSIFICATION_OUTCOMES = ("confirm", "return_for_evidence")
LIKELIHOODS = ("low", "medium", "high")
SERVICE_CONTRIBUTIONS = ("none", "contributing", "primary")
CONTRIBUTING_FACTORS = (
    "transport", "scheduling", "communication", "site_entry", "technology", "health", "caregiving",
    "housing", "benefits", "emotional_overload", "misunderstanding", "safety", "other",
)
# Factors that mean the service itself may have contributed (1b rule).
SERVICE_SIDE_FACTORS = ("transport", "scheduling", "communication", "site_entry")

# Step 1c
# The languages person-facing texts (the decision letter) are written in: the case's preferred language.
LANGUAGES = ("en", "es")
PERMANENT_CODES = {"person_refusal": "NS-REFUSAL", "access_barrier": "NS-ACCESS", "service_side_failure": "NS-SERVICE"}
FOLLOW_UP_ROUTES = ("outreach", "clinical", "none")

# Step 2 (the recovery case created by a release)
RECOVERY_STATUSES = ("instructed", "open", "dispositioned", "closed")
# The kinds of entry a device can send to the sync endpoint.
SYNC_KINDS = ("attempt", "disposition")
PRIORITY_TIERS = ("1", "2", "3")
ATTEMPT_OUTCOMES = ("reached", "no_answer", "declined", "wrong_route")
BARRIER_SIGNALS = ("none", "transport", "technology", "health", "caregiving", "housing", "benefits",
                   "emotional_overload", "misunderstanding", "active_risk")
RESCUE_OPTIONS = ("rebook", "make_up_session", "alternate_slot", "switch_to_video", "transport_support",
                  "tech_support", "recorded_session", "home_visit", "welfare_check", "none_offered")
# Options that offer a new slot: their detail must name it (a date and a time).
SLOT_OPTIONS = ("rebook", "make_up_session", "alternate_slot")
# Rescue options that fit the missed service's modality (seed 002: make-up sessions, another
# slot, recorded sessions, tech support and video for virtual programmes).
RESCUE_BY_MODALITY = {
    "virtual": ("rebook", "make_up_session", "alternate_slot", "tech_support", "recorded_session", "home_visit",
                "welfare_check", "none_offered"),
    "in_person": ("rebook", "make_up_session", "alternate_slot", "switch_to_video", "transport_support",
                  "home_visit", "welfare_check", "none_offered"),
    "home_visit": ("rebook", "alternate_slot", "switch_to_video", "welfare_check", "none_offered"),
    "phone": ("rebook", "alternate_slot", "switch_to_video", "home_visit", "welfare_check", "none_offered"),
}
EXCEPTION_STATUSES = ("pending", "approved", "rejected")
CONTINUITY_RESTORED = ("yes", "partial", "no")
LOCKED_INSTRUCTIONS = ("rebook", "welfare_escalation", "alternate_modality", "continued_outreach")

# Section 4 (back in care, seed 002)
APPOINTMENT_STATUSES = ("scheduled", "attended", "missed", "notified_absence", "cancelled")
CLOSURE_REASONS = ("reengaged", "unreachable_after_outreach", "transferred", "declined_service")
# How the person told the service in advance that they could not attend.
NOTICE_CHANNELS = ("phone_call", "sms", "email", "video", "in_person", "letter", "portal")
OFFER_ACCEPTED = YES_NO
SUPPORT_STATUSES = ("open", "resolved", "not_resolved")
SUPPORT_RESOLUTIONS = ("resolved", "not_resolved")
SUPPORT_SOURCES = ("attempt", "classification")

# Step 3 (threshold-governed attendance review)
THRESHOLD_LEVELS = ("warning", "step_up_review", "closure_consideration")  # lowest first
# A review is superseded when the case reaches a higher level before it completes.
REVIEW_STATUSES = ("awaiting_review", "awaiting_determination", "awaiting_communication", "complete", "superseded")
OPEN_REVIEW_STATUSES = ("awaiting_review", "awaiting_determination", "awaiting_communication")
RISK_LEVELS = ("low", "medium", "high")
PANEL_DECISIONS = ("continue", "enhanced_recovery_support", "warning", "service_intensity_change", "closure")
RESTRICTIVE_DECISIONS = ("warning", "service_intensity_change", "closure")
REMEDIATION_STATUSES = ("not_started", "in_progress", "completed", "not_applicable")
PROPORTIONALITY_RESULTS = ("affirmative", "not_affirmative")
DECISION_EXPLAINED = ("direct_contact", "approved_safe_message")
RESTRICTION_KINDS = RESTRICTIVE_DECISIONS
RESTRICTION_SOURCES = ("automatic", "manual")
# Classifications that point at a barrier or the service, not the person (3b proportionality).
BARRIER_CLASSIFICATIONS = ("access_barrier", "service_side_failure")

CONTROL_STATUSES = ("met", "breached")

# Escalation rules (E1–E9 and the deadline breaches): pwa/governance/escalations.py.

# Archive folders (views over the archive by step): slug -> title.
FOLDERS = {
    "missed-contact": "Missed-contact folder",
    "classification-queue": "Classification queue",
    "attendance-control": "Attendance control archive",
    "attendance-status": "Attendance status archive",
    "recovery-action": "Recovery action folder",
    "outreach": "Outreach archive",
    "rescue-board": "Rescue board archive",
    "threshold-governance": "Threshold governance folder",
    "attendance-review": "Attendance review archive",
    "decision-assurance": "Decision assurance archive",
    "escalations": "Escalations",
    "accounts": "Account security",  # sign-in lockouts, second-factor enrolments, password changes
}


def labelled(value: str) -> str:
    """Human label for an enumeration value: 'route_unknown' -> 'Route unknown'."""
    return value.replace("_", " ").capitalize()
