"""The records each outcome figure counts, one SQL row per record, with the facts the figures name.

Every source returns a SELECT with these columns, plus its facts and worker columns:
  id       the record's id         kind     what the record is (picks its screen and archive entry)
  link_id  the id its screen takes case_id  the person's case (team filter and team breakdown)
  at       the UTC time that places it in the period
  bucket   the trend bucket it falls in (only when the scope has a grid)
Facts are true/false conditions (NULL counts as false). Nothing here loads rows into Python:
pwa.outcomes.figures counts and measures these selects in the database.

The period is a range of a stored time, so each source reads one index range. Records that always
come after the event they follow (classifications, evidence, attempts, dispositions) are read from the
start of the period on, which the workflow makes safe: an event cannot be opened before its appointment
(rules.event_field_errors), nothing is classified before the event is opened, and recovery comes after.
"""
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from ..cases.models import Appointment, Case
from ..escalations.models import Escalation
from ..governance.vocab import RESTRICTIVE_DECISIONS
from ..intake.models import Classification, MissedContact
from ..models_base import UTCDateTime
from ..recovery.models import RecoveryAttempt, RecoveryCase, RecoveryDisposition
from ..review.models import DecisionCommunication, PanelDetermination, Restriction, ThresholdReview
from ..support.models import SupportRequest
from .sql import constant, fenced, minutes_between, step

SERVICE_CONTRIBUTIONS = ("contributing", "primary")


@dataclass(frozen=True)
class Scope:
    """What to count over: the period in UTC, the moment the figures are taken, the team, and the
    local boundaries the calendar decided (pwa.outcomes.timegrid)."""

    start: datetime
    end: datetime
    now: datetime
    team: str | None
    closes: list[datetime]            # business closes around the period (timegrid.business_closes)
    repeat_bounds: list[datetime]     # local midnights of the period's days ...
    repeat_limits: list[datetime]     # ... and where each day's 30-day repeat window ends
    grid: list[datetime] | None = None  # trend bucket bounds, when trending

    def during(self, column) -> sa.ColumnElement:
        return sa.and_(column >= _utc(self.start), column < _utc(self.end))

    def bucket(self, column) -> sa.ColumnElement:
        return step(column, self.grid, range(len(self.grid) - 1)) if self.grid else sa.literal_column("0")

    def of_team(self, case_id) -> sa.ColumnElement:
        """A case of the chosen team (true when no team is chosen)."""
        if self.team is None:
            return sa.true()
        return case_id.in_(sa.select(Case.id).where(Case.team == self.team))

    def close_of_business(self, column) -> sa.ColumnElement:
        """The closing instant of the business day a time belongs to: that day's close, or the next
        business day's after closing time, on a weekend or on a holiday (calendar.end_of_business_day,
        as the sweep's E6 and the 2c deadline use it)."""
        return step(column, self.closes, self.closes[1:])


def _utc(moment: datetime):
    return sa.literal(moment, UTCDateTime())


def _with_bucket(scope: Scope, columns: list, at) -> list:
    return [*columns, scope.bucket(at).label("bucket")] if scope.grid else columns


# --- workflow 1: missed-contact events -------------------------------------------------------------------
#
# No per-event GROUP BY: what an event's classifications say is read from its own columns and from two
# sets of event ids that the database hashes once. The workflow makes that exact: only a queued event
# is classified; a confirmation is final, so an event has at most one; evidence is added only to an
# event returned for it, and re-queues it, so queued_at moves past the time the event was opened
# (open_missed_contact queues it at that very instant).

def events(scope: Scope) -> sa.Select:
    mc, c = MissedContact.__table__, Classification.__table__
    since, now = _utc(scope.start), _utc(scope.now)
    late = sa.select(c.c.missed_contact_id).where(
        c.c.validation_timestamp > c.c.due_at, c.c.validation_timestamp >= since)
    service_side = sa.select(c.c.missed_contact_id).where(
        c.c.outcome == constant("confirm"), c.c.service_failure_contribution.in_(constant(SERVICE_CONTRIBUTIONS)),
        c.c.validation_timestamp >= since)
    in_queue = mc.c.status == "queued"
    requeued = mc.c.queued_at > mc.c.validation_timestamp  # returned for evidence, evidence added
    return sa.select(*_with_bucket(scope, [
        mc.c.id, sa.literal("missed_contact").label("kind"), mc.c.id.label("link_id"), mc.c.case_id,
        mc.c.scheduled_at.label("at"), mc.c.reviewer_id.label("coordinator_id"),
        sa.true().label("counted"),
        (mc.c.validation_timestamp <= mc.c.open_due_at).label("opened_in_time"),
        # Every challenge is measured against the deadline of the queue entry it answered. An event in
        # the queue is decided once that deadline passed, or when an earlier challenge was already late.
        sa.or_(~in_queue, mc.c.classification_due_at < now, mc.c.id.in_(late)).label("classification_decided"),
        sa.and_(~in_queue, mc.c.id.not_in(late)).label("classified_in_time"),
        sa.or_(~in_queue, requeued).label("challenged"),
        sa.or_(mc.c.status == "returned", requeued).label("returned"),
        mc.c.status.in_(("confirmed", "released")).label("confirmed"),
        mc.c.id.in_(service_side).label("service_side"),
    ], mc.c.scheduled_at)).where(scope.during(mc.c.scheduled_at), scope.of_team(mc.c.case_id))


# --- workflow 2: recovery cases, from their instruction ------------------------------------------------
#
# Workflow 2's clock starts when a release instructs the recovery case (SPEC 2a, 2c, E6), so these
# figures place a case by its instruction and judge "the same day" by the close of that business day.
# Per case: its first attempt and its first attempt that reached the person (a min() per case, read from
# an index in case order). A restoring disposition is looked up only for the high-risk cases whose close
# has passed, the only ones the figure asks about.

def recoveries(scope: Scope) -> sa.Select:
    rc, att, disp = RecoveryCase.__table__, RecoveryAttempt.__table__, RecoveryDisposition.__table__
    attempts = (sa.select(att.c.recovery_case_id, sa.func.min(att.c.attempt_at).label("first_attempt_at"),
                          sa.func.min(att.c.attempt_at).filter(att.c.outcome == constant("reached"))
                          .label("first_reached_at"))
                .where(att.c.attempt_at >= _utc(scope.start))  # attempts follow the instruction
                .group_by(att.c.recovery_case_id).subquery("attempts"))
    per_case = fenced(
        sa.select(rc.c.id, rc.c.case_id, rc.c.instructed_at.label("at"), rc.c.assigned_worker_id.label("worker_id"),
                  rc.c.high_risk, attempts.c.first_attempt_at, attempts.c.first_reached_at,
                  scope.close_of_business(rc.c.instructed_at).label("close_at"))
        .select_from(rc.outerjoin(attempts, attempts.c.recovery_case_id == rc.c.id))
        .where(scope.during(rc.c.instructed_at), scope.of_team(rc.c.case_id))).subquery("per_case")
    r = per_case.c
    closed = r.close_at <= _utc(scope.now)
    reached = r.first_reached_at < r.close_at   # "by the close": before the closing instant
    high_risk_closed = sa.and_(r.high_risk.is_(True), closed)
    restored = sa.exists().where(disp.c.recovery_case_id == r.id, disp.c.continuity_restored == constant("yes"),
                                 disp.c.corrected_recorded_at < r.close_at)
    return sa.select(*_with_bucket(scope, [
        r.id, sa.literal("recovery_case").label("kind"), r.id.label("link_id"), r.case_id, r.at, r.worker_id,
        reached.label("reached_same_day"),
        sa.or_(reached, closed).label("same_day_decided"),
        r.first_attempt_at.is_not(None).label("attempted"),
        minutes_between(r.at, r.first_attempt_at).label("minutes_to_first_attempt"),
        high_risk_closed.label("high_risk_decided"),
        sa.and_(high_risk_closed, ~restored).label("high_risk_unresolved"),
    ], r.at))


def repeats(scope: Scope) -> sa.Select:
    """One row per case: its first event in the period (in the bucket, when trending) and whether the
    case's next event came within 30 days of it."""
    mc, case = MissedContact.__table__, Case.__table__
    scan_end = scope.repeat_limits[-1]  # the last day's window ends here; later events cannot count
    order = (mc.c.scheduled_at, mc.c.id)
    columns = [mc.c.id, mc.c.case_id, mc.c.scheduled_at.label("at"),
               sa.func.lead(mc.c.scheduled_at).over(partition_by=mc.c.case_id, order_by=order).label("next_at")]
    if scope.grid:  # first in its bucket; the next event may be in the next bucket
        bucket = scope.bucket(mc.c.scheduled_at)
        columns += [bucket.label("bucket"),
                    sa.func.lag(mc.c.scheduled_at).over(partition_by=(mc.c.case_id, bucket), order_by=order)
                    .label("prev_at")]
    else:  # first in the period: the scan starts with the period
        columns.append(sa.func.lag(mc.c.scheduled_at).over(partition_by=mc.c.case_id, order_by=order).label("prev_at"))
    timeline = (sa.select(*columns)
                .where(mc.c.scheduled_at >= _utc(scope.start), mc.c.scheduled_at < _utc(scan_end),
                       scope.of_team(mc.c.case_id))
                .subquery("timeline"))
    t = timeline.c
    out = [
        t.id, sa.literal("missed_contact").label("kind"), t.id.label("link_id"), t.case_id, t.at,
        case.c.assigned_outreach_worker_id.label("worker_id"),  # a LEFT JOIN the database drops when unused
        sa.true().label("first_event"),
        (t.next_at < step(t.at, scope.repeat_bounds, scope.repeat_limits)).label("repeated"),
    ]
    where = [t.prev_at.is_(None), t.at < _utc(scope.end)]
    if scope.grid:
        out.append(t.bucket)
        where.append(t.bucket.is_not(None))
    return sa.select(*out).select_from(timeline.outerjoin(case, case.c.id == t.case_id)).where(*where)


# --- section 4: back in care ---------------------------------------------------------------------------

WEEK_MINUTES = 7 * 24 * 60


def makeups(scope: Scope) -> sa.Select:
    """Make-up appointments by their scheduled start; decided once attended, missed or notified."""
    a, case = Appointment.__table__, Case.__table__
    attended = sa.and_(sa.or_(a.c.arrived_at.is_not(None), a.c.joined_at.is_not(None)), a.c.miss_detected_at.is_(None),
                       a.c.absence_notified_at.is_(None))
    return sa.select(*_with_bucket(scope, [
        a.c.id, sa.literal("makeup").label("kind"), a.c.id.label("link_id"), a.c.case_id,
        a.c.scheduled_at.label("at"), case.c.assigned_outreach_worker_id.label("worker_id"),
        attended.label("attended"),
        sa.or_(attended, a.c.miss_detected_at.is_not(None), a.c.absence_notified_at.is_not(None)).label("decided"),
    ], a.c.scheduled_at)).select_from(a.join(case, case.c.id == a.c.case_id)).where(
        a.c.makeup_for_id.is_not(None), a.c.cancelled.is_(False), scope.during(a.c.scheduled_at),
        scope.of_team(a.c.case_id))


def closures(scope: Scope) -> sa.Select:
    """Recovery cases by their instruction, with the time from the miss to a re-engaged closure."""
    rc, mc = RecoveryCase.__table__, MissedContact.__table__
    reengaged = rc.c.closure_reason == constant("reengaged")
    to_closure = minutes_between(mc.c.scheduled_at, rc.c.closed_at)
    in_week = sa.and_(reengaged, to_closure <= WEEK_MINUTES)
    return sa.select(*_with_bucket(scope, [
        rc.c.id, sa.literal("recovery_case").label("kind"), rc.c.id.label("link_id"), rc.c.case_id,
        rc.c.instructed_at.label("at"), rc.c.assigned_worker_id.label("worker_id"),
        reengaged.label("reengaged"),
        sa.case((reengaged, to_closure / 60.0)).label("hours_to_reengagement"),
        in_week.label("reengaged_in_week"),
        sa.or_(in_week, minutes_between(mc.c.scheduled_at, _utc(scope.now)) >= WEEK_MINUTES).label("week_decided"),
    ], rc.c.instructed_at)).select_from(rc.join(mc, mc.c.id == rc.c.missed_contact_id)).where(
        scope.during(rc.c.instructed_at), scope.of_team(rc.c.case_id))


def notices(scope: Scope) -> sa.Select:
    a = Appointment.__table__
    return sa.select(*_with_bucket(scope, [
        a.c.id, sa.literal("notice").label("kind"), a.c.id.label("link_id"), a.c.case_id,
        a.c.scheduled_at.label("at"), a.c.absence_recorded_by_id.label("worker_id"), sa.true().label("counted"),
    ], a.c.scheduled_at)).where(a.c.absence_notified_at.is_not(None), scope.during(a.c.scheduled_at),
                                scope.of_team(a.c.case_id))


def support(scope: Scope) -> sa.Select:
    sr = SupportRequest.__table__
    in_time = sa.and_(sr.c.status == constant("resolved"), sr.c.resolved_at <= sr.c.due_at)
    return sa.select(*_with_bucket(scope, [
        sr.c.id, sa.literal("support_request").label("kind"), sr.c.id.label("link_id"), sr.c.case_id,
        sr.c.opened_at.label("at"), sr.c.resolved_by_id.label("worker_id"),
        in_time.label("resolved_in_time"),
        sa.or_(sr.c.status != constant("open"), sr.c.due_at <= _utc(scope.now)).label("decided"),
    ], sr.c.opened_at)).where(scope.during(sr.c.opened_at), scope.of_team(sr.c.case_id))


# --- escalations and workflow 3 ---------------------------------------------------------------------

def escalations(scope: Scope) -> sa.Select:
    esc, case = Escalation.__table__, Case.__table__
    query = sa.select(*_with_bucket(scope, [
        esc.c.id, sa.literal("escalation").label("kind"), esc.c.id.label("link_id"), case.c.id.label("case_id"),
        esc.c.raised_at.label("at"), esc.c.raised_by_id, esc.c.acknowledged_by_id, esc.c.level,
        sa.true().label("counted"),
        (esc.c.rule == "E1").label("is_e1"),
        esc.c.acknowledged_at.is_not(None).label("acknowledged"),
        minutes_between(esc.c.raised_at, esc.c.acknowledged_at).label("minutes_to_acknowledge"),
    ], esc.c.raised_at)).select_from(esc.outerjoin(case, case.c.case_ref == esc.c.case_ref)).where(
        scope.during(esc.c.raised_at))
    if scope.team is not None:
        query = query.where(esc.c.case_ref.in_(sa.select(case.c.case_ref).where(case.c.team == scope.team)))
    return query


def reviews(scope: Scope) -> sa.Select:
    tr = ThresholdReview.__table__
    return sa.select(*_with_bucket(scope, [
        tr.c.id, sa.literal("threshold_review").label("kind"), tr.c.id.label("link_id"), tr.c.case_id,
        tr.c.initiated_at.label("at"), tr.c.reviewer_id.label("worker_id"), sa.true().label("counted"),
    ], tr.c.initiated_at)).where(scope.during(tr.c.initiated_at), scope.of_team(tr.c.case_id))


def determinations(scope: Scope) -> sa.Select:
    pd, tr = PanelDetermination.__table__, ThresholdReview.__table__
    return sa.select(*_with_bucket(scope, [
        pd.c.id, sa.literal("panel_determination").label("kind"), pd.c.review_id.label("link_id"), tr.c.case_id,
        pd.c.validation_timestamp.label("at"), pd.c.reviewer_id.label("worker_id"), sa.true().label("counted"),
        pd.c.panel_decision.in_(RESTRICTIVE_DECISIONS).label("restrictive"),
    ], pd.c.validation_timestamp)).select_from(pd.join(tr, tr.c.id == pd.c.review_id)).where(
        scope.during(pd.c.validation_timestamp), scope.of_team(tr.c.case_id))


def restrictions(scope: Scope) -> sa.Select:
    r = Restriction.__table__
    return sa.select(*_with_bucket(scope, [
        r.c.id, sa.literal("restriction").label("kind"), r.c.review_id.label("link_id"), r.c.case_id,
        r.c.implemented_at.label("at"), r.c.requested_by_id.label("worker_id"),
        (r.c.kind == "closure").label("closure"),
    ], r.c.implemented_at)).where(scope.during(r.c.implemented_at), scope.of_team(r.c.case_id))


def communications(scope: Scope) -> sa.Select:
    dc, tr = DecisionCommunication.__table__, ThresholdReview.__table__
    return sa.select(*_with_bucket(scope, [
        dc.c.id, sa.literal("decision_communication").label("kind"), dc.c.review_id.label("link_id"),
        tr.c.case_id, dc.c.validation_timestamp.label("at"), dc.c.reviewer_id.label("worker_id"),
        sa.true().label("counted"),
        (dc.c.objection_raised == "yes").label("objection"),
    ], dc.c.validation_timestamp)).select_from(dc.join(tr, tr.c.id == dc.c.review_id)).where(
        scope.during(dc.c.validation_timestamp), scope.of_team(tr.c.case_id))


SOURCES: dict[str, Callable[[Scope], sa.Select]] = {
    "events": events, "recoveries": recoveries, "repeats": repeats, "escalations": escalations,
    "reviews": reviews, "determinations": determinations, "restrictions": restrictions,
    "communications": communications, "makeups": makeups, "closures": closures, "notices": notices,
    "support": support,
}

# The archive entity of each kind of record (its first archive entry is the evidence behind it).
ARCHIVE_ENTITIES = {
    "missed_contact": "missed_contacts", "recovery_case": "recovery_cases", "escalation": "escalations",
    "threshold_review": "threshold_reviews", "panel_determination": "panel_determinations",
    "decision_communication": "decision_communications", "restriction": "restrictions",
    "makeup": "appointments", "notice": "appointments", "support_request": "support_requests",
}
