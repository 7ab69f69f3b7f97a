"""The append-only, hash-chained audit archive: every step record lands here in its transaction."""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..governance.vocab import FOLDERS
from ..models_base import UTCDateTime, enum_check


class ArchiveEntry(db.Model):
    __tablename__ = "archive_entries"
    __table_args__ = (enum_check("folder", tuple(FOLDERS)), sa.Index("ix_archive_folder_seq", "folder", "seq"))
    # Assigned by append_entry under a lock, so the chain has no gaps.
    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    folder: Mapped[str] = mapped_column(sa.String(40))
    step: Mapped[str] = mapped_column(sa.String(20))
    entity: Mapped[str] = mapped_column(sa.String(40))
    entity_id: Mapped[int | None]
    case_ref: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    actor_id: Mapped[int | None]
    actor_role: Mapped[str | None] = mapped_column(sa.String(40))
    action: Mapped[str] = mapped_column(sa.String(40))
    record: Mapped[str] = mapped_column(sa.Text)  # canonical JSON of the step record
    device_time: Mapped[datetime | None] = mapped_column(UTCDateTime())
    server_time: Mapped[datetime] = mapped_column(UTCDateTime())
    device_id: Mapped[str | None] = mapped_column(sa.String(80))
    prev_hash: Mapped[str] = mapped_column(sa.String(64))
    hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
