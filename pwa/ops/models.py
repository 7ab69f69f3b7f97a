"""The sweeper's heartbeat: when the deadline sweep last finished, read by /healthz and the banner."""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..models_base import UTCDateTime


class SweepHeartbeat(db.Model):
    """One row (name "sweep"), rewritten by every completed sweep under the sweep lock."""

    __tablename__ = "sweep_heartbeats"
    name: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    last_sweep_at: Mapped[datetime] = mapped_column(UTCDateTime())
    duration_ms: Mapped[int] = mapped_column(default=0)
    instance: Mapped[str] = mapped_column(sa.String(120))  # host:pid of the process that ran it
    runs: Mapped[int] = mapped_column(default=0)
