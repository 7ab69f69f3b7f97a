"""Recording reads. Every ORM row loaded during a request that carries a `case_ref` (a case, an archive entry,
an escalation...) notes that person as read; the pack's sample and exports load archive entries, so they are
noted too. Reads made with plain SQL note themselves with `note_reads`. After a successful response the
request's reads are written with one multi-row INSERT (one row per person), so the cost is one statement per request
(bench/access_record.py measures it).
"""
import sqlalchemy as sa
from flask import g, has_request_context, request
from flask_login import current_user

from ..clock import utcnow
from ..extensions import db
from ..transaction import commit_keeping_loaded
from .models import AccessRecord

SKIP = (AccessRecord,)
AUDITORS = ("auditor",)  # who may ask who has seen a record
ROWS_PER_INSERT = 1000  # reading the access record is not reading a person's record


def note_reads(case_refs) -> None:
    if not has_request_context():
        return
    refs = g.setdefault("access_case_refs", set())
    refs.update(ref for ref in case_refs if ref)


def _on_load(target, _context) -> None:
    if isinstance(target, SKIP) or not has_request_context():
        return
    ref = target.__dict__.get("case_ref")
    if isinstance(ref, str) and ref:
        g.setdefault("access_case_refs", set()).add(ref)


def _device() -> str | None:
    from ..push.operations import device_label

    device_id = g.get("access_device_id")
    return (device_id or device_label(request.headers.get("User-Agent")))[:120]


def write_reads(response):
    refs = g.pop("access_case_refs", None)
    if not refs or response.status_code >= 400 or not getattr(current_user, "is_authenticated", False):
        return response
    now, who = utcnow(), current_user
    base = {"at": now, "user_id": who.id, "roles": ",".join(who.roles)[:200], "via": g.get("auth_method") or "session",
            "what": f"{request.method} {request.endpoint}"[:120], "path": request.full_path.rstrip("?")[:300],
            "client_address": (request.remote_addr or "")[:64] or None, "device": _device()}
    rows = [{**base, "case_ref": ref[:64]} for ref in sorted(refs)]
    try:
        # One multi-row INSERT (per 1,000 people: an export of a whole folder stays under SQLite's limit of
        # bound parameters in one statement).
        for start in range(0, len(rows), ROWS_PER_INSERT):
            db.session.execute(sa.insert(AccessRecord).values(rows[start:start + ROWS_PER_INSERT]))
        commit_keeping_loaded()
    except Exception:
        db.session.rollback()
        raise
    return response


def init_app(app) -> None:
    if not sa.event.contains(db.Model, "load", _on_load):
        sa.event.listen(db.Model, "load", _on_load, propagate=True)
    app.after_request(write_reads)


def accesses(case_ref: str, page: int, per_page: int = 50) -> tuple[list[AccessRecord], int]:
    """Who has seen this person's record and when, newest first, paged; and how many reads in all."""
    query = sa.select(AccessRecord).where(AccessRecord.case_ref == case_ref)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    items = db.session.scalars(query.order_by(AccessRecord.at.desc(), AccessRecord.id.desc())
                               .limit(per_page).offset((page - 1) * per_page)).all()
    return items, total
