"""The three 3a figures, computed in the database from the records the archive holds (released codes
with their classifications, recovery cases and their dispositions), each with the archive entry behind it."""
from datetime import datetime

import sqlalchemy as sa

from ..archive.models import ArchiveEntry
from ..cases.models import Appointment
from ..clock import utcnow
from ..extensions import db
from ..governance import threshold as rules
from ..intake.models import AttendanceCode, Classification, MissedContact, Release
from ..recovery.models import RecoveryCase, RecoveryDisposition
from .models import ThresholdPolicy, ThresholdReview

FIGURES = ("threshold_event_count", "prior_recovery_completion_rate", "service_side_disruption_count")


def archive_seqs(entity: str, ids, action: str | None = None) -> dict[int, int]:
    """The (first) archive entry of each record: the link from a figure to its evidence."""
    ids = list(ids)
    if not ids:
        return {}
    query = sa.select(ArchiveEntry.entity_id, sa.func.min(ArchiveEntry.seq)).where(
        ArchiveEntry.entity == entity, ArchiveEntry.entity_id.in_(ids)).group_by(ArchiveEntry.entity_id)
    if action:
        query = query.where(ArchiveEntry.action == action)
    return dict(db.session.execute(query).all())


def released_events(case_id: int, start: datetime, end: datetime, as_of: datetime) -> list[dict]:
    """Released missed-contact codes of the case whose appointment fell in (start, end], released by as_of."""
    query = (sa.select(MissedContact.id.label("missed_contact_id"), MissedContact.scheduled_at,
                       Appointment.appointment_ref, AttendanceCode.id.label("code_id"),
                       AttendanceCode.code.label("permanent_code"), AttendanceCode.applied_at,
                       Release.id.label("release_id"), Classification.final_classification,
                       Classification.service_failure_contribution)
             .join(Release, Release.missed_contact_id == MissedContact.id)
             .join(Classification, Classification.id == Release.classification_id)
             .join(AttendanceCode, AttendanceCode.release_id == Release.id)
             .join(Appointment, Appointment.id == MissedContact.appointment_id)
             .where(MissedContact.case_id == case_id, MissedContact.scheduled_at > start,
                    MissedContact.scheduled_at <= end, AttendanceCode.applied_at <= as_of)
             .order_by(MissedContact.scheduled_at, MissedContact.id))
    rows = [dict(r._mapping) for r in db.session.execute(query)]
    seqs = archive_seqs("attendance_codes", (r["code_id"] for r in rows), "code_applied")
    for row in rows:
        row["archive_seq"] = seqs.get(row["code_id"])
    return rows


def _recovery_records(event_ids: list[int], as_of: datetime) -> list[dict]:
    """The recovery cases instructed for these events by as_of; completed = a disposition recorded by as_of."""
    if not event_ids:
        return []
    first_disposition = (sa.select(RecoveryDisposition.recovery_case_id, sa.func.min(RecoveryDisposition.id).label("did"))
                         .where(RecoveryDisposition.validation_timestamp <= as_of)
                         .group_by(RecoveryDisposition.recovery_case_id).subquery())
    query = (sa.select(RecoveryCase.id, RecoveryCase.missed_contact_id, RecoveryCase.instructed_at,
                       first_disposition.c.did)
             .outerjoin(first_disposition, first_disposition.c.recovery_case_id == RecoveryCase.id)
             .where(RecoveryCase.missed_contact_id.in_(event_ids), RecoveryCase.instructed_at <= as_of)
             .order_by(RecoveryCase.instructed_at, RecoveryCase.id))
    rows = db.session.execute(query).all()
    seqs = archive_seqs("recovery_dispositions", (r.did for r in rows if r.did))
    instructed = archive_seqs("recovery_cases", (r.id for r in rows), "instructed")
    return [{"recovery_case_id": r.id, "missed_contact_id": r.missed_contact_id, "instructed_at": r.instructed_at,
             "completed": r.did is not None, "disposition_id": r.did,
             "archive_seq": seqs.get(r.did) if r.did else instructed.get(r.id)} for r in rows]


def latest_disposition(case_id: int, as_of: datetime | None = None) -> RecoveryDisposition | None:
    """The case's latest recovery disposition (across its recovery cases)."""
    query = (sa.select(RecoveryDisposition).join(RecoveryCase, RecoveryCase.id == RecoveryDisposition.recovery_case_id)
             .where(RecoveryCase.case_id == case_id))
    if as_of is not None:
        query = query.where(RecoveryDisposition.validation_timestamp <= as_of)
    return db.session.scalar(query.order_by(RecoveryDisposition.validation_timestamp.desc(),
                                            RecoveryDisposition.id.desc()).limit(1))


def compute_figures(case_id: int, policy: ThresholdPolicy, start: datetime, end: datetime, as_of: datetime) -> dict:
    """The three 3a figures and the records behind each. Service-side failures are always reported
    separately; whether they count towards the threshold is the policy's."""
    events = released_events(case_id, start, end, as_of)
    for event in events:
        event["counted"] = rules.is_counted(event["final_classification"], policy.count_service_side_failures)
    counted = [e for e in events if e["counted"]]
    service_side = [e for e in events if e["final_classification"] == "service_side_failure"]
    recovery = _recovery_records([e["missed_contact_id"] for e in events], as_of)
    completed = sum(1 for r in recovery if r["completed"])
    latest = latest_disposition(case_id, as_of)
    return {
        "policy": policy, "window_start": start, "window_end": end, "as_of": as_of, "events": events,
        "threshold_event_count": {"value": len(counted), "records": counted},
        "prior_recovery_completion_rate": {"value": rules.completion_rate(completed, len(recovery)),
                                           "completed": completed, "total": len(recovery), "records": recovery},
        "service_side_disruption_count": {"value": len(service_side), "records": service_side},
        "latest_disposition": None if latest is None else {
            "id": latest.id, "recovery_case_id": latest.recovery_case_id,
            "unresolved_barrier_count": latest.unresolved_barrier_count,
            "validation_timestamp": latest.validation_timestamp,
            "archive_seq": archive_seqs("recovery_dispositions", [latest.id]).get(latest.id)},
    }


def review_figures(review: ThresholdReview) -> dict:
    """The figures of a review under the policy version it is judged under, over its window: as of now
    while 3a is pending, as of 3a once done (so a completed review's figures never change)."""
    as_of = review.validation_timestamp or utcnow()
    return compute_figures(review.case_id, review.policy, review.window_start, review.window_end, as_of)


def computed_values(figures: dict) -> dict:
    return {name: figures[name]["value"] for name in FIGURES}
