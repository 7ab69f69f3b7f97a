"""Reading the live schedule."""
import sqlalchemy as sa

from ..errors import NotFound
from ..extensions import db
from .models import Appointment, Case


def case_schedule(case_ref: str) -> list[Appointment]:
    """The case's appointments in time order (make-ups among them, each naming the miss it makes up for)."""
    case = db.session.scalar(sa.select(Case).filter_by(case_ref=case_ref))
    if case is None:
        raise NotFound("no such case")
    return list(db.session.scalars(sa.select(Appointment).filter_by(case_id=case.id)
                                   .order_by(Appointment.scheduled_at, Appointment.id)))


def upcoming_between(start, end, limit: int = 100) -> list[Appointment]:
    """Appointments still to start in [start, end): the ones a notice of absence can still be recorded for."""
    return list(db.session.scalars(sa.select(Appointment).where(
        Appointment.scheduled_at >= start, Appointment.scheduled_at < end, Appointment.cancelled.is_(False),
        Appointment.absence_notified_at.is_(None)).order_by(Appointment.scheduled_at, Appointment.id).limit(limit)))


def notified_absences(since, limit: int = 100) -> list[Appointment]:
    """Notified absences of appointments from `since` on, soonest first."""
    return list(db.session.scalars(sa.select(Appointment).where(
        Appointment.absence_notified_at.is_not(None), Appointment.scheduled_at >= since)
        .order_by(Appointment.scheduled_at, Appointment.id).limit(limit)))
