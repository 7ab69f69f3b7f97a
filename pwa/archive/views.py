"""Browsing and exporting the archive's folders (views over the hash-chained archive)."""
import csv
import io
import re

import sqlalchemy as sa
from flask import Blueprint, Response, abort, request

from ..extensions import db
from ..governance.vocab import FOLDERS
from ..security import requires
from ..web import ARCHIVE_ROLES, render
from .models import ArchiveEntry

bp = Blueprint("archive", __name__)
PER_PAGE = 50
CSV_COLUMNS = ("seq", "folder", "step", "action", "entity", "entity_id", "case_ref", "actor_id", "actor_role",
               "server_time", "device_time", "device_id", "record", "prev_hash", "hash")


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


def page_arg() -> int:
    return whole_number_arg(request.args.get("page", "1"), 999_999) or 1


@bp.get("/archive")
@requires(*ARCHIVE_ROLES)
def folders():
    counts = dict(db.session.execute(sa.select(ArchiveEntry.folder, sa.func.count()).group_by(ArchiveEntry.folder)).all())
    return render("archive/folders.html", counts=counts)


@bp.get("/archive/<folder>")
@requires(*ARCHIVE_ROLES)
def folder(folder):
    page = page_arg()
    case_ref = request.args.get("case_ref", "")[:64] or None
    items, total = folder_page(folder, page, case_ref=case_ref)
    return render("archive/folder.html", folder=folder, items=items, total=total, page=page,
                  pages=max(1, -(-total // PER_PAGE)), case_ref=case_ref or "")


@bp.get("/archive/<folder>.csv")
@requires(*ARCHIVE_ROLES)
def export(folder):
    if folder not in FOLDERS:
        abort(404)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    query = sa.select(ArchiveEntry).where(ArchiveEntry.folder == folder).order_by(ArchiveEntry.seq)
    for entry in db.session.scalars(query.execution_options(yield_per=1000)):
        writer.writerow([getattr(entry, c) for c in CSV_COLUMNS])
    return Response(out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename=continuity-{folder}.csv"})


@bp.get("/archive/entries/<int:seq>")
@requires(*ARCHIVE_ROLES)
def entry(seq):
    record = db.session.get(ArchiveEntry, seq)
    if record is None:
        abort(404)
    return render("archive/entry.html", entry=record)
