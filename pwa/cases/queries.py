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
