"""Every outcome figure, defined once: the words shown beside it and the facts it counts.

A figure counts records of one source (pwa/outcomes/sources.py): its `denominator` names the 0/1
fact that puts a record in the figure's base, its `numerator` the fact counted on top of it, its
`measure` the column a median is taken over. The sentence in `definition` is what the screen, the
API and the CSV show; it says what is counted, out of what, and which time decides the period.

Period: a record belongs to the period by the local date of its time base, from local midnight to local
midnight (a day that changes to or from daylight-saving time has 23 or 25 hours): for workflow 1 and
repeat visits the scheduled start of the missed appointment, for workflow 2 the instruction of the
recovery case, for workflow 3 and escalations the time of the step or of the escalation.
Team: the team of the person's case. Worker: said per figure, since each step has its own actor.
"""
from dataclasses import dataclass

UNITS = ("share", "count", "minutes", "hours", "days")

CLASSIFICATION = "Classification before coding"
RECOVERY = "Same-day recovery"
THRESHOLDS = "Threshold governance"
ESCALATIONS = "Escalations"
BACK_IN_CARE = "Back in care"
GROUPS = (CLASSIFICATION, RECOVERY, BACK_IN_CARE, THRESHOLDS, ESCALATIONS)

# What "worker" means, by source: the person whose work the figure reflects.
COORDINATOR = "the coordinator who opened the missed-contact event"
OUTREACH_WORKER = "the outreach worker the recovery case is assigned to"


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    group: str
    unit: str                  # one of UNITS; a share is a fraction from 0 to 1
    definition: str            # plain words: numerator, denominator and time base
    worker: str                # what the worker filter and the worker breakdown mean for this figure
    source: str                # the records counted (a key of pwa.outcomes.sources.SOURCES)
    worker_column: str         # the source column holding that worker's user id
    denominator: str | None    # 0/1 fact: the records the figure is taken over
    numerator: str | None      # 0/1 fact: the records counted (shares and counts)
    measure: str | None = None  # medians: the source column whose median is the figure
    sides: tuple[str, str] = ("met", "missed")  # a record's side: on the numerator, or not

    @property
    def is_median(self) -> bool:
        return self.measure is not None


FIGURES: tuple[Figure, ...] = (
    # --- Workflow 1 -------------------------------------------------------------------------------
    Figure(
        key="opened_within_30_minutes", label="Events opened within 30 minutes", group=CLASSIFICATION,
        unit="share",
        definition="Of the missed-contact events for appointments scheduled in the period, the share opened "
                   "(step 1a) by their deadline: 30 minutes after the miss was detected, that is the scheduled "
                   "start plus the grace period. A detected miss that no one opened is not an event: it is "
                   "escalated (BREACH_1A, in the escalations below) and waits on the coordinators' Today list.",
        worker=COORDINATOR, source="events", worker_column="coordinator_id",
        denominator="counted", numerator="opened_in_time", sides=("opened in time", "opened late")),
    Figure(
        key="classified_within_2_business_hours", label="Events classified within 2 business hours",
        group=CLASSIFICATION, unit="share",
        definition="Of the missed-contact events for appointments scheduled in the period, the share whose "
                   "classification challenge (step 1b) was completed within 2 business hours (working hours on "
                   "business days) of each time the event entered the classification queue, including a return "
                   "to the queue after evidence was added. An event waiting in the queue past its deadline "
                   "counts as late; one still inside its deadline is left out until it is decided.",
        worker=COORDINATOR, source="events", worker_column="coordinator_id",
        denominator="classification_decided", numerator="classified_in_time",
        sides=("classified in time", "classified late or overdue")),
    Figure(
        key="service_side_contribution", label="Events with a service-side contribution", group=CLASSIFICATION,
        unit="share",
        definition="Of the missed-contact events for appointments scheduled in the period whose classification "
                   "was confirmed, the share where the confirmed classification records that the service "
                   "contributed to the miss (service failure contribution \"contributing\" or \"primary\").",
        worker=COORDINATOR, source="events", worker_column="coordinator_id",
        denominator="confirmed", numerator="service_side", sides=("service contributed", "no service contribution")),
    Figure(
        key="returned_for_evidence", label="Events returned for evidence", group=CLASSIFICATION, unit="share",
        definition="Of the missed-contact events for appointments scheduled in the period that have had at least "
                   "one classification challenge, the share the attendance supervisor returned to the "
                   "coordinator for more evidence at least once.",
        worker=COORDINATOR, source="events", worker_column="coordinator_id",
        denominator="challenged", numerator="returned", sides=("returned for evidence", "not returned")),
    Figure(
        key="codes_without_evidence", label="Codes attempted without evidence (E1)", group=CLASSIFICATION,
        unit="count",
        definition="Number of permanent no-show codes entered in the period (from a screen, the API or a "
                   "schedule feed) before the event was opened, classified and released: the E1 escalations "
                   "raised in the period. Each code was refused, not applied.",
        worker="the user or integration whose code was refused", source="escalations",
        worker_column="raised_by_id", denominator=None, numerator="is_e1", sides=("E1", "")),
    # --- Workflow 2 -------------------------------------------------------------------------------
    Figure(
        key="same_day_reengagement", label="Same-day re-engagement", group=RECOVERY, unit="share",
        definition="Of the recovery cases instructed in the period (a release with an outreach follow-up), the "
                   "share where an outreach attempt reached the person by the close of business on the day of "
                   "the instruction (the next business day's close when it came after closing time, on a "
                   "weekend or on a holiday), the day by which the recovery disposition is due. A case whose "
                   "close has not come yet and has no such attempt is left out until it is decided.",
        worker=OUTREACH_WORKER, source="recoveries", worker_column="worker_id",
        denominator="same_day_decided", numerator="reached_same_day",
        sides=("reached the same day", "not reached the same day")),
    Figure(
        key="median_minutes_to_first_attempt", label="Median time to first attempt", group=RECOVERY,
        unit="minutes",
        definition="The median elapsed time, in minutes, from the instruction of a recovery case (its release) to "
                   "its first recovery attempt (the attempt time, corrected for the device clock), over the "
                   "recovery cases instructed in the period that have an attempt.",
        worker=OUTREACH_WORKER, source="recoveries", worker_column="worker_id",
        denominator="attempted", numerator=None, measure="minutes_to_first_attempt", sides=("measured", "")),
    Figure(
        key="repeat_missed_within_30_days", label="Repeat missed visits within 30 days", group=RECOVERY,
        unit="share",
        definition="Of the people (cases) with a missed-contact event for an appointment scheduled in the "
                   "period, the share with another missed-contact event within 30 days after their first one "
                   "in the period (up to the end of the 30th local calendar day after it, even when that falls "
                   "after the period).",
        worker="the outreach worker assigned to the person's case", source="repeats",
        worker_column="worker_id", denominator="first_event", numerator="repeated",
        sides=("missed again within 30 days", "no repeat within 30 days")),
    Figure(
        key="high_risk_unresolved_at_close", label="High-risk cases unresolved at close of day", group=RECOVERY,
        unit="count",
        definition="Number of high-risk recovery cases (medication, crisis, intensive support or safeguarding) "
                   "instructed in the period with no disposition restoring continuity (continuity restored "
                   "\"yes\", at the supervisor's device time corrected for its clock) by the close of business "
                   "on the day of the instruction, the rule of escalation E6; counted once that close has "
                   "passed, out of all such high-risk cases.",
        worker=OUTREACH_WORKER, source="recoveries", worker_column="worker_id",
        denominator="high_risk_decided", numerator="high_risk_unresolved",
        sides=("unresolved at close", "restored by close")),
    # --- Section 4: back in care ------------------------------------------------------------------
    Figure(
        key="makeup_attendance_rate", label="Make-up attendance rate", group=BACK_IN_CARE, unit="share",
        definition="Of the make-up appointments (booked for a missed or notified appointment: makeup_for) "
                   "scheduled in the period whose outcome is known (attended, missed, or notice given), the "
                   "share the person attended: an in-person arrival, or a virtual session joined and not left "
                   "early. A recording viewed is not attendance.",
        worker="the outreach worker assigned to the person's case", source="makeups", worker_column="worker_id",
        denominator="decided", numerator="attended", sides=("attended", "missed or notified")),
    Figure(
        key="median_hours_to_reengagement", label="Median time from miss to re-engagement", group=BACK_IN_CARE,
        unit="hours",
        definition="The median elapsed time, in hours, from the missed appointment's scheduled start to the "
                   "closure of its recovery case as re-engaged (the person attended a make-up or their next "
                   "session), over the recovery cases instructed in the period that closed re-engaged.",
        worker=OUTREACH_WORKER, source="closures", worker_column="worker_id",
        denominator="reengaged", numerator=None, measure="hours_to_reengagement", sides=("measured", "")),
    Figure(
        key="reengaged_within_7_days", label="Closed re-engaged within 7 days", group=BACK_IN_CARE, unit="share",
        definition="Of the recovery cases instructed in the period, the share closed as re-engaged within 7 days "
                   "(168 hours) of the missed appointment's scheduled start. A case whose 7 days have not passed "
                   "and that is not yet re-engaged is left out until it is decided.",
        worker=OUTREACH_WORKER, source="closures", worker_column="worker_id",
        denominator="week_decided", numerator="reengaged_in_week",
        sides=("re-engaged within 7 days", "not re-engaged within 7 days")),
    Figure(
        key="notified_absences", label="Notified absences", group=BACK_IN_CARE, unit="count",
        definition="Number of appointments scheduled in the period for which the person gave notice in advance "
                   "that they could not attend: never missed-contact events, never counted toward a threshold.",
        worker="the coordinator who recorded the notice", source="notices", worker_column="worker_id",
        denominator=None, numerator="counted", sides=("notified", "")),
    Figure(
        key="support_resolved_before_next_session", label="Support requests resolved before the next session",
        group=BACK_IN_CARE, unit="share",
        definition="Of the technology support requests opened in the period, the share resolved by their due "
                   "time: before the person's next virtual session (one business day when none was booked). A "
                   "request still open before its due time is left out until it is decided.",
        worker="the tech support worker who resolved the request", source="support", worker_column="worker_id",
        denominator="decided", numerator="resolved_in_time", sides=("resolved in time", "late or not resolved")),
    # --- Workflow 3 -------------------------------------------------------------------------------
    Figure(
        key="threshold_reviews", label="Threshold reviews initiated", group=THRESHOLDS, unit="count",
        definition="Number of threshold reviews initiated in the period: a case's released missed-contact codes "
                   "reached the warning, step-up review or closure consideration level of the threshold policy.",
        worker="the governance lead who completed the review (step 3a)", source="reviews",
        worker_column="worker_id", denominator=None, numerator="counted", sides=("initiated", "")),
    Figure(
        key="restrictive_decisions", label="Restrictive panel decisions", group=THRESHOLDS, unit="count",
        definition="Number of panel determinations (step 3b) recorded in the period that decided a warning, a "
                   "change in service intensity or closure, out of all panel determinations recorded in the "
                   "period.",
        worker="the panel chair who recorded the determination", source="determinations",
        worker_column="worker_id", denominator="counted", numerator="restrictive",
        sides=("restrictive", "continue or enhanced support")),
    Figure(
        key="closures", label="Closures after a threshold review", group=THRESHOLDS, unit="count",
        definition="Number of case closures implemented in the period. A closure can only follow a completed "
                   "threshold review, an affirmative panel determination and the decision's communication to "
                   "the person, so every closure here is linked to a missed-contact threshold.",
        worker="the governance lead or integration that implemented it", source="restrictions",
        worker_column="worker_id", denominator=None, numerator="closure", sides=("closure", "")),
    Figure(
        key="appeals", label="Objections and appeals", group=THRESHOLDS, unit="count",
        definition="Number of person-facing decision communications (step 3c) recorded in the period in which "
                   "the person raised an objection or appeal (each goes to the weekly governance review), out "
                   "of all decision communications recorded in the period.",
        worker="the coordinator who communicated the decision", source="communications",
        worker_column="worker_id", denominator="counted", numerator="objection",
        sides=("objection raised", "no objection")),
    # --- Escalations ------------------------------------------------------------------------------
    Figure(
        key="escalations_raised", label="Escalations raised", group=ESCALATIONS, unit="count",
        definition="Number of escalations raised in the period, at every level (the rules E1 to E9 and the "
                   "deadline breaches); the table by level splits them and shows how many were acknowledged.",
        worker="the user who acknowledged the escalation", source="escalations", worker_column="acknowledged_by_id",
        denominator=None, numerator="counted", sides=("raised", "")),
    Figure(
        key="median_minutes_to_acknowledge", label="Median time to acknowledge an escalation", group=ESCALATIONS,
        unit="minutes",
        definition="The median elapsed time, in minutes, from an escalation being raised to its acknowledgement "
                   "with a note, over the escalations raised in the period that have been acknowledged (the "
                   "table by level shows those still open).",
        worker="the user who acknowledged the escalation", source="escalations", worker_column="acknowledged_by_id",
        denominator="acknowledged", numerator=None, measure="minutes_to_acknowledge", sides=("measured", "")),
)

BY_KEY = {figure.key: figure for figure in FIGURES}
KEYS = tuple(BY_KEY)


def grouped() -> list[tuple[str, list[Figure]]]:
    """The figures under their group headings, in display order."""
    return [(group, [f for f in FIGURES if f.group == group]) for group in GROUPS]
