"""The access record: one row per (request, person) read. Append-only (database triggers, migration 0012),
and apart from the hash-chained archive: reads are many, cheap to write and answer a different question."""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..models_base import UTCDateTime


class AccessRecord(db.Model):
    __tablename__ = "access_records"
    __table_args__ = (sa.Index("ix_access_records_case_ref_at", "case_ref", "at"),)
    id: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    case_ref: Mapped[str] = mapped_column(sa.String(64))  # the person whose data was read
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    roles: Mapped[str] = mapped_column(sa.String(200))
    via: Mapped[str] = mapped_column(sa.String(10))  # "session" (a screen or the API in a browser) or "token"
    what: Mapped[str] = mapped_column(sa.String(120))  # method and endpoint, e.g. "GET recovery.case_page"
    path: Mapped[str] = mapped_column(sa.String(300))
    client_address: Mapped[str | None] = mapped_column(sa.String(64))
    device: Mapped[str | None] = mapped_column(sa.String(120))  # "Chrome on Android", or a sync device id
