"""The auditor's screen: who has seen this person's record, and when."""
from flask import Blueprint, request

from ..archive.queries import whole_number_arg
from ..security import requires
from ..web import render
from .record import AUDITORS, accesses

bp = Blueprint("access_log", __name__)
PER_PAGE = 50


@bp.get("/access-record")
@requires(*AUDITORS)
def access_record():
    case_ref = request.args.get("case_ref", "").strip()[:64]
    page = whole_number_arg(request.args.get("page", "1"), 999_999) or 1
    items, total = accesses(case_ref, page, PER_PAGE) if case_ref else ([], 0)
    return render("access_log/access_record.html", case_ref=case_ref, items=items, total=total, page=page,
                  pages=max(1, -(-total // PER_PAGE)))
