"""One record per escalation: rule, level (the recipient role), subject, reason, acknowledgement."""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User
from ..extensions import db
from ..governance.escalations import ESCALATION_LEVELS
from ..governance.vocab import ROLES
from ..models_base import UTCDateTime, enum_check


class Escalation(db.Model):
    __tablename__ = "escalations"
    __table_args__ = (
        enum_check("rule", tuple(ESCALATION_LEVELS)),
        enum_check("level", ROLES),
        sa.Index("ix_escalations_level_open", "level", "acknowledged_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    rule: Mapped[str] = mapped_column(sa.String(20))
    level: Mapped[str] = mapped_column(sa.String(40))
    subject_type: Mapped[str] = mapped_column(sa.String(40))
    subject_id: Mapped[int]
    case_ref: Mapped[str | None] = mapped_column(sa.String(64))
    reason: Mapped[str] = mapped_column(sa.Text)
    # Set for escalations the sweep raises, so running it twice raises nothing twice.
    dedupe_key: Mapped[str | None] = mapped_column(sa.String(120), unique=True)
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime())
    raised_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    acknowledged_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    note: Mapped[str | None] = mapped_column(sa.Text)

    acknowledged_by: Mapped[User | None] = relationship(foreign_keys=[acknowledged_by_id])

    @property
    def is_open(self) -> bool:
        return self.acknowledged_at is None
