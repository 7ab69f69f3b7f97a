"""Section 4: support requests for technology barriers, handled by the tech_support role."""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User
from ..cases.models import Appointment, Case
from ..extensions import db
from ..governance import vocab
from ..models_base import UTCDateTime, enum_check


class SupportRequest(db.Model):
    """Opened by a technology barrier (an attempt's barrier_signal or a classification's factor); due
    before the person's next virtual session."""

    __tablename__ = "support_requests"
    __table_args__ = (
        enum_check("status", vocab.SUPPORT_STATUSES),
        enum_check("source", vocab.SUPPORT_SOURCES),
        sa.UniqueConstraint("source", "source_id"),
        sa.Index("ix_support_requests_status_due", "status", "due_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id"), index=True)
    recovery_case_id: Mapped[int | None] = mapped_column(sa.ForeignKey("recovery_cases.id"))
    missed_contact_id: Mapped[int | None] = mapped_column(sa.ForeignKey("missed_contacts.id"))
    source: Mapped[str] = mapped_column(sa.String(20))
    source_id: Mapped[int]
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # The person's next virtual session when the request opened (none: due in one business day).
    next_appointment_id: Mapped[int | None] = mapped_column(sa.ForeignKey("appointments.id"))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(sa.String(20))
    resolution_note: Mapped[str | None] = mapped_column(sa.Text)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    case: Mapped[Case] = relationship(lazy="joined")
    next_appointment: Mapped[Appointment | None] = relationship()
    resolved_by: Mapped[User | None] = relationship()

    @property
    def resolved_in_time(self) -> bool:
        return self.status == "resolved" and self.resolved_at is not None and self.resolved_at <= self.due_at
