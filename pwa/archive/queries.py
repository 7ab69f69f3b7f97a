"""Archive reads: one page of a folder, and the page arguments the screens and the API accept."""
import re

import sqlalchemy as sa
from flask import abort

from ..extensions import db
from ..governance.vocab import FOLDERS
from .models import ArchiveEntry

PER_PAGE = 50


def folder_page(folder: str, page: int, per_page: int = PER_PAGE, case_ref: str | None = None):
    """One page of a folder, newest first, with the total."""
    if folder not in FOLDERS:
        abort(404, description="No such archive folder.")
    query = sa.select(ArchiveEntry).where(ArchiveEntry.folder == folder)
    if case_ref:
        query = query.where(ArchiveEntry.case_ref == case_ref)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    items = db.session.scalars(query.order_by(ArchiveEntry.seq.desc())
                               .limit(per_page).offset((page - 1) * per_page)).all()
    return items, total


def whole_number_arg(value: str, maximum: int) -> int | None:
    """A query parameter as a number from 1 to `maximum`, else None. ASCII digits only: str.isdigit()
    also accepts "²", which int() refuses, and int() refuses more than 4300 digits."""
    if not re.fullmatch(r"[0-9]{1,7}", value):
        return None
    number = int(value)
    return number if 0 < number <= maximum else None


def folder_counts() -> dict[str, int]:
    return dict(db.session.execute(sa.select(ArchiveEntry.folder, sa.func.count()).group_by(ArchiveEntry.folder)).all())


def folder_entries(folder: str):
    """Every entry of a folder in chain order, streamed (the CSV export)."""
    query = sa.select(ArchiveEntry).where(ArchiveEntry.folder == folder).order_by(ArchiveEntry.seq)
    return db.session.scalars(query.execution_options(yield_per=1000))


def entry_at(seq: int) -> ArchiveEntry | None:
    return db.session.get(ArchiveEntry, seq)
