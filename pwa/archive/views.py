"""Browsing and exporting the archive's folders (views over the hash-chained archive)."""

from flask import Blueprint, Response, abort, request

from ..csv_cells import csv_text
from ..governance import access
from ..governance.vocab import FOLDERS
from ..security import requires
from ..web import render
from .queries import PER_PAGE, entry_at, folder_counts, folder_entries, folder_page, whole_number_arg

bp = Blueprint("archive", __name__)
CSV_COLUMNS = ("seq", "folder", "step", "action", "entity", "entity_id", "case_ref", "actor_id", "actor_role",
               "server_time", "device_time", "device_id", "record", "prev_hash", "hash")


def page_arg() -> int:
    return whole_number_arg(request.args.get("page", "1"), 999_999) or 1


@bp.get("/archive")
@requires(*access.READ_ARCHIVE)
def folders():
    return render("archive/folders.html", counts=folder_counts())


@bp.get("/archive/<folder>")
@requires(*access.READ_ARCHIVE)
def folder(folder):
    page = page_arg()
    case_ref = request.args.get("case_ref", "")[:64] or None
    items, total = folder_page(folder, page, case_ref=case_ref)
    return render("archive/folder.html", folder=folder, items=items, total=total, page=page,
                  pages=max(1, -(-total // PER_PAGE)), case_ref=case_ref or "")


@bp.get("/archive/<folder>.csv")
@requires(*access.READ_ARCHIVE)
def export(folder):
    if folder not in FOLDERS:
        abort(404)
    rows = ([getattr(entry, c) for c in CSV_COLUMNS] for entry in folder_entries(folder))
    return Response(csv_text(list(CSV_COLUMNS), rows), mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename=continuity-{folder}.csv"})


@bp.get("/archive/entries/<int:seq>")
@requires(*access.READ_ARCHIVE)
def entry(seq):
    record = entry_at(seq)
    if record is None:
        abort(404)
    return render("archive/entry.html", entry=record)
