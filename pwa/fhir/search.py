"""Search parameters (patient, status, _lastUpdated with ge/le/gt/lt/eq, _count, _offset) and the queries
behind each searchable resource: filtered and paged in SQL, ordered by last update then id."""
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from ..accounts.models import User
from ..archive.models import ArchiveEntry
from ..cases.models import Appointment, Case
from ..extensions import db
from ..intake.models import AttendanceCode
from ..models_base import UTCDateTime
from ..recovery.models import RecoveryAttempt, RecoveryCase, RecoveryDisposition
from .outcome import invalid

DEFAULT_COUNT, MAX_COUNT = 20, 100
DATE = re.compile(r"^(ge|le|gt|lt|eq)?(\d{4}-\d{2}-\d{2})(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?\Z")


@dataclass
class Query:
    patient: str | None = None
    status: list[str] = field(default_factory=list)
    updated: list[tuple[str, datetime, datetime]] = field(default_factory=list)
    count: int = DEFAULT_COUNT
    offset: int = 0


def parse(args, statuses: tuple[str, ...] | None) -> Query:
    """The query string, or a 400 naming the parameter. `statuses` None: the resource has no status."""
    query = Query()
    allowed = {"patient", "_lastUpdated", "_count", "_offset", "_format"} | ({"status"} if statuses else set())
    for name in args:
        if name not in allowed:
            raise invalid(name, f"Unsupported search parameter {name!r}; supported: {', '.join(sorted(allowed))}.")
    patient = args.get("patient")
    if patient is not None:
        query.patient = patient.removeprefix("Patient/")
        if not re.fullmatch(r"[A-Za-z0-9._-]{1,64}", query.patient):
            raise invalid("patient", "Give Patient/<case_ref> or the case_ref.")
    for value in args.getlist("status"):
        for code in value.split(","):
            if code not in statuses:
                raise invalid("status", "Choose from: " + ", ".join(statuses) + ".")
            query.status.append(code)
    for value in args.getlist("_lastUpdated"):
        query.updated.append(_date_range(value))
    query.count = _whole("_count", args.get("_count"), DEFAULT_COUNT, 1, MAX_COUNT)
    query.offset = _whole("_offset", args.get("_offset"), 0, 0, 10**9)
    return query


def _whole(name, value, default, low, high) -> int:
    if value is None:
        return default
    if not re.fullmatch(r"\d{1,10}", value) or not low <= int(value) <= high:
        raise invalid(name, f"Give a whole number from {low} to {high}.")
    return int(value)


def _date_range(value: str) -> tuple[str, datetime, datetime]:
    """(prefix, start, end) of the instant range the value names at its precision (a day or a second)."""
    match = DATE.match(value)
    if not match:
        raise invalid("_lastUpdated", "Give [ge|le|gt|lt|eq]YYYY-MM-DD or a date-time with its offset, "
                      "e.g. ge2026-11-17T09:00:00Z.")
    prefix, day, rest = match.group(1) or "eq", match.group(2), match.group(3)
    try:
        if rest is None:
            start = datetime.fromisoformat(day).replace(tzinfo=timezone.utc)
            return prefix, start, start + timedelta(days=1)
        start = datetime.fromisoformat((day + rest).replace("Z", "+00:00")).astimezone(timezone.utc)
    except ValueError:
        raise invalid("_lastUpdated", "Not a real date or time.") from None
    step = timedelta(seconds=1) if match.group(4) else timedelta(minutes=1)
    return prefix, start, start + (timedelta(microseconds=1) if match.group(5) else step)


def _updated_filters(column, ranges):
    for prefix, start, end in ranges:
        yield {"eq": sa.and_(column >= start, column < end), "ge": column >= start, "gt": column >= end,
               "le": column < end, "lt": column < start}[prefix]


def latest(*columns):
    """The latest non-null of the columns (the first is never null), in SQL both databases run."""
    result = columns[0]
    for column in columns[1:]:
        result = sa.case((sa.and_(column.is_not(None), column > result), column), else_=result)
    return sa.type_coerce(result, UTCDateTime())


@dataclass
class Page:
    rows: list
    total: int


def _page(select, updated_col, id_col, query: Query) -> Page:
    """`id_col` (one column or a tuple) breaks ties between records updated at the same instant."""
    for condition in _updated_filters(updated_col, query.updated):
        select = select.where(condition)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(select.order_by(None).subquery()))
    rows = db.session.execute(select.order_by(updated_col, *(id_col if isinstance(id_col, tuple) else (id_col,))).limit(query.count).offset(query.offset)).all()
    return Page(rows, total)


# --- Appointment ---------------------------------------------------------------------------------

APPOINTMENT_STATUSES = ("booked", "fulfilled", "noshow", "cancelled")


def appointments(query: Query) -> Page:
    released = sa.exists().where(AttendanceCode.appointment_id == Appointment.id)
    cancelled = sa.or_(Appointment.cancelled.is_(True), Appointment.absence_notified_at.is_not(None))
    attended = sa.and_(sa.or_(Appointment.arrived_at.is_not(None), Appointment.joined_at.is_not(None)),
                       Appointment.miss_detected_at.is_(None))
    noshow = sa.and_(Appointment.miss_detected_at.is_not(None), released)
    by_status = {"cancelled": cancelled, "noshow": sa.and_(sa.not_(cancelled), noshow),
                 "fulfilled": sa.and_(sa.not_(cancelled), attended),
                 "booked": sa.and_(sa.not_(cancelled), sa.not_(attended), sa.not_(noshow))}
    select = sa.select(Appointment, released.label("released")).join(Case, Case.id == Appointment.case_id)
    if query.patient:
        select = select.where(Case.case_ref == query.patient)
    if query.status:
        select = select.where(sa.or_(*(by_status[s] for s in query.status)))
    return _page(select, Appointment.updated_at, Appointment.id, query)


# --- Task: recovery cases ------------------------------------------------------------------------

TASK_STATUSES = ("ready", "in-progress", "completed")
TASK_STATES = {"ready": ("instructed",), "in-progress": ("open", "dispositioned"), "completed": ("closed",)}


def task_updated():
    last_disposition = (sa.select(sa.func.max(RecoveryDisposition.received_at))
                        .where(RecoveryDisposition.recovery_case_id == RecoveryCase.id).scalar_subquery())
    return latest(RecoveryCase.instructed_at, RecoveryCase.opened_at, RecoveryCase.closed_at, last_disposition)


def tasks(query: Query) -> Page:
    updated = task_updated()
    select = sa.select(RecoveryCase, updated.label("updated")).join(Case, Case.id == RecoveryCase.case_id)
    if query.patient:
        select = select.where(Case.case_ref == query.patient)
    if query.status:
        select = select.where(RecoveryCase.status.in_([s for code in query.status for s in TASK_STATES[code]]))
    return _page(select, updated, RecoveryCase.id, query)


# --- Communication: attempts ---------------------------------------------------------------------

COMMUNICATION_STATUSES = ("completed",)


def communications(query: Query) -> Page:
    updated = latest(RecoveryAttempt.received_at, RecoveryAttempt.exception_decided_at)
    select = (sa.select(RecoveryAttempt).join(RecoveryCase, RecoveryCase.id == RecoveryAttempt.recovery_case_id)
              .join(Case, Case.id == RecoveryCase.case_id))
    if query.patient:
        select = select.where(Case.case_ref == query.patient)
    return _page(select, updated, RecoveryAttempt.id, query)


# --- Provenance: attempts and dispositions -------------------------------------------------------

def provenances(query: Query) -> Page:
    def part(model, kind):
        select = (sa.select(sa.literal(kind).label("kind"), model.id.label("id"),
                            model.received_at.label("received_at"))
                  .join(RecoveryCase, RecoveryCase.id == model.recovery_case_id)
                  .join(Case, Case.id == RecoveryCase.case_id))
        return select.where(Case.case_ref == query.patient) if query.patient else select

    union = sa.union_all(part(RecoveryAttempt, "attempt"), part(RecoveryDisposition, "disposition")).subquery()
    received = sa.type_coerce(union.c.received_at, UTCDateTime())
    page = _page(sa.select(union.c.kind, union.c.id), received, (union.c.kind, union.c.id), query)
    ids = {kind: [row.id for row in page.rows if row.kind == kind] for kind in ("attempt", "disposition")}
    loaded = {("attempt", r.id): r for r in db.session.scalars(
        sa.select(RecoveryAttempt).where(RecoveryAttempt.id.in_(ids["attempt"])))}
    loaded |= {("disposition", r.id): r for r in db.session.scalars(
        sa.select(RecoveryDisposition).where(RecoveryDisposition.id.in_(ids["disposition"])))}
    return Page([(row.kind, loaded[(row.kind, row.id)]) for row in page.rows], page.total)


# --- AuditEvent: archive entries -----------------------------------------------------------------

def audit_events(query: Query) -> Page:
    actor = aliased(User)
    select = sa.select(ArchiveEntry, actor).outerjoin(actor, actor.id == ArchiveEntry.actor_id)
    if query.patient:
        select = select.where(ArchiveEntry.case_ref == query.patient)
    return _page(select, ArchiveEntry.server_time, ArchiveEntry.seq, query)
