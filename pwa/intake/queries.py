"""Workflow 1 reads: the coordinator's today list, the queue's lists, and which releases E2 holds."""
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask import current_app

from ..cases.models import Appointment
from ..cases.operations import detected_miss
from ..clock import utcnow
from ..escalations.queries import raised_on
from ..extensions import db
from ..governance.deadlines import event_open_due
from ..governance.escalations import release_is_held
from .models import MissedContact


@dataclass
class PendingMiss:
    appointment: Appointment
    event_type: str
    detected_at: datetime
    due_at: datetime

    @property
    def overdue(self) -> bool:
        return utcnow() > self.due_at


def pending_misses(now: datetime, since: datetime | None = None) -> list[PendingMiss]:
    """Detected misses with no event record yet, oldest deadline first (the coordinator's today list)."""
    has_event = sa.exists().where(MissedContact.appointment_id == Appointment.id)
    query = sa.select(Appointment).where(~has_event, Appointment.cancelled.is_(False),
                                         Appointment.scheduled_at <= now)
    if since is not None:
        query = query.where(Appointment.scheduled_at >= since)
    out = []
    for appointment in db.session.scalars(query):
        miss = detected_miss(appointment, now)
        if miss:
            due = event_open_due(miss.detected_at, current_app.config["EVENT_OPEN_MINUTES"])
            out.append(PendingMiss(appointment, miss.event_type, miss.detected_at, due))
    return sorted(out, key=lambda p: p.due_at)


def events_with_status(status: str, order) -> list[MissedContact]:
    return db.session.scalars(sa.select(MissedContact).filter_by(status=status).order_by(order)).all()


def open_e2_for(event: MissedContact) -> bool:
    """Whether an E2 raised on the event's latest classification is still unacknowledged."""
    latest = event.latest_classification
    if latest is None:
        return False
    return raised_on("E2", "classifications", latest.id, open_only=True) is not None


def is_held(event: MissedContact) -> bool:
    """E2 holds the event's release (governance.escalations.release_is_held)."""
    return release_is_held(open_e2=open_e2_for(event))


def appointment_by_ref(ref: str) -> Appointment | None:
    return db.session.scalar(sa.select(Appointment).filter_by(appointment_ref=ref))
