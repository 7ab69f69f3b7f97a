"""Workflow 2's recovery case. A release with follow_up_route `outreach` instructs one."""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User
from ..cases.models import Case
from ..extensions import db
from ..governance.vocab import RECOVERY_STATUSES
from ..models_base import UTCDateTime, enum_check


class RecoveryCase(db.Model):
    __tablename__ = "recovery_cases"
    __table_args__ = (
        enum_check("status", RECOVERY_STATUSES),
        sa.Index("ix_recovery_cases_status_open_due", "status", "open_due_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id"), index=True)
    missed_contact_id: Mapped[int] = mapped_column(sa.ForeignKey("missed_contacts.id"), unique=True)
    release_id: Mapped[int] = mapped_column(sa.ForeignKey("releases.id"), unique=True)
    assigned_worker_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    status: Mapped[str] = mapped_column(sa.String(20))
    high_risk: Mapped[bool]
    instructed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    open_due_at: Mapped[datetime] = mapped_column(UTCDateTime())

    case: Mapped[Case] = relationship(lazy="joined")
    assigned_worker: Mapped[User | None] = relationship()
