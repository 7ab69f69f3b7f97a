"""The governance review pack: what a regulator reads on its own for one week or one month.

Its figures and charts come from pwa.outcomes (the same numbers as the dashboard and the API); this
module adds what only the pack holds: the period, the step records completed after their deadline
(control_status `breached`), the deadline-breach escalations of steps still not done, the
escalations raised in the period, a reproducible sample of archive entries from every folder with
their SHA-256 hashes, and the state of the hash chain when the pack was made. `render_pdf()` turns
the pack's HTML into a PDF with WeasyPrint, which may fetch nothing but the app's own static files.
"""
from __future__ import annotations

import hashlib
import logging
import mimetypes
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from urllib.parse import unquote, urlsplit

import sqlalchemy as sa
from flask import current_app

from ..archive.models import ArchiveEntry
from ..archive.checkpoint import latest_checkpoint, public_key, verify_archive, write_checkpoint
from ..errors import InvalidInput
from ..escalations.models import Escalation
from ..extensions import db
from ..governance.escalations import ESCALATION_TITLES
from ..governance.vocab import FOLDERS
from ..intake.models import Classification, MissedContact, Release
from ..recovery.models import RecoveryAttempt, RecoveryCase, RecoveryDisposition
from ..review.models import DecisionCommunication, PanelDetermination, ThresholdReview
from ..timekeeping import local_today, local_zone

log = logging.getLogger("continuity.outcomes")
PERIODS = ("week", "month")
SAMPLE_PER_FOLDER = 3
MAX_LISTED = 300  # rows of one list in the pack; a longer list says how many more there are

# (step, model, what the step is, the column of its deadline, how to reach the case ref)
STEPS = (
    ("1a", MissedContact, "Missed-contact event opened", "open_due_at", lambda r: r.case.case_ref),
    ("1b", Classification, "Classification challenge", "due_at", lambda r: r.missed_contact.case.case_ref),
    ("1c", Release, "Coded event release", None, lambda r: r.missed_contact.case.case_ref),
    ("2a", RecoveryCase, "Recovery case opened", "open_due_at", lambda r: r.case.case_ref),
    ("2b", RecoveryAttempt, "Recovery attempt", None, lambda r: r.recovery_case.case.case_ref),
    ("2c", RecoveryDisposition, "Recovery disposition", "due_at", lambda r: r.recovery_case.case.case_ref),
    ("3a", ThresholdReview, "Threshold review", "review_due_at", lambda r: r.case.case_ref),
    ("3b", PanelDetermination, "Panel determination", "due_at", lambda r: r.review.case.case_ref),
    ("3c", DecisionCommunication, "Decision communication", None, lambda r: r.review.case.case_ref),
)


@dataclass(frozen=True)
class PackPeriod:
    """The local dates the pack covers (both included) and their bounds in UTC (end excluded)."""

    kind: str
    first: date
    last: date

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, time(0), local_zone())

    @property
    def end(self) -> datetime:
        return datetime.combine(self.last + timedelta(days=1), time(0), local_zone())

    @property
    def label(self) -> str:
        if self.first.year != self.last.year:
            return f"{self.first:%d %B %Y} – {self.last:%d %B %Y}"
        if self.first.month != self.last.month:
            return f"{self.first:%d %B} – {self.last:%d %B %Y}"
        return f"{self.first.day} – {self.last:%d %B %Y}"

    @property
    def title(self) -> str:
        if self.kind == "month":
            whole = (self.last + timedelta(days=1)).day == 1
            return f"{self.first:%B %Y}" + ("" if whole else f" (1 – {self.last.day}, month to date)")
        return f"Week {self.label}"

    @property
    def slug(self) -> str:
        return f"{self.kind}-{self.first.isoformat()}-to-{self.last.isoformat()}"


def _date_arg(raw: str | None) -> date | None:
    if not raw or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
        return None
    try:
        value = date.fromisoformat(raw)
    except ValueError:
        return None
    return value if 2000 <= value.year <= 2999 else None


def parse_period(args) -> PackPeriod:
    """`period` (week | month, default week) and `end` (YYYY-MM-DD, default today). A week is the seven
    days ending on `end`; a month is the calendar month of `end`, up to `end`. Bad values: InvalidInput."""
    errors = {}
    kind = args.get("period") or "week"
    if kind not in PERIODS:
        errors["period"] = ["Choose week or month."]
    raw_end = args.get("end")
    today = local_today()
    end = today if not raw_end else _date_arg(raw_end)
    if end is None:
        errors["end"] = ["Give the last day of the period as YYYY-MM-DD."]
    elif end > today:
        errors["end"] = [f"The period cannot end after today ({today:%d %b %Y})."]
    if errors:
        raise InvalidInput(errors)
    first = end.replace(day=1) if kind == "month" else end - timedelta(days=6)
    return PackPeriod(kind, first, end)


def default_periods(today: date | None = None) -> dict[str, PackPeriod]:
    """The packs people usually want: the last full week (Monday to Sunday), the last full month,
    and the seven days and the month to date."""
    today = today or local_today()
    last_sunday = today - timedelta(days=today.weekday() + 1)
    last_month_end = today.replace(day=1) - timedelta(days=1)
    return {
        "last_week": PackPeriod("week", last_sunday - timedelta(days=6), last_sunday),
        "last_month": PackPeriod("month", last_month_end.replace(day=1), last_month_end),
        "seven_days": PackPeriod("week", today - timedelta(days=6), today),
        "month_to_date": PackPeriod("month", today.replace(day=1), today),
    }


# --- what the pack lists ---------------------------------------------------------------------------

def _first_entries(entity: str, ids) -> dict[int, ArchiveEntry]:
    """The first archive entry of each record (where it was written), by record id."""
    ids = list(ids)
    if not ids:
        return {}
    firsts = (sa.select(sa.func.min(ArchiveEntry.seq)).where(ArchiveEntry.entity == entity,
                                                            ArchiveEntry.entity_id.in_(ids))
              .group_by(ArchiveEntry.entity_id))
    return {e.entity_id: e for e in db.session.scalars(sa.select(ArchiveEntry).where(ArchiveEntry.seq.in_(firsts)))}


def breaches(period: PackPeriod) -> list[dict]:
    """Step records validated in the period whose control status is `breached` (done after the
    deadline, or with a validation that failed), each with its archive entry."""
    rows = []
    for step, model, name, due_column, case_of in STEPS:
        query = (sa.select(model).where(model.control_status == "breached", model.validation_timestamp >= period.start,
                                        model.validation_timestamp < period.end)
                 .order_by(model.validation_timestamp).limit(MAX_LISTED))
        records = db.session.scalars(query).all()
        entries = _first_entries(model.__tablename__, (r.id for r in records))
        for record in records:
            due = getattr(record, due_column) if due_column else None
            done = record.validation_timestamp
            entry = entries.get(record.id)
            rows.append({"step": step, "name": name, "record_id": record.id, "case_ref": case_of(record),
                         "due_at": due, "done_at": done,
                         "late_minutes": int((done - due).total_seconds() // 60) if due and done else None,
                         "escalation_status": record.escalation_status,
                         "seq": entry.seq if entry else None, "hash": entry.hash if entry else None})
    rows.sort(key=lambda r: (r["done_at"], r["step"]))
    return rows


def escalations(period: PackPeriod) -> dict:
    """Escalations raised in the period (deadline breaches of steps not yet done apart), and those
    acknowledged in it, each with its archive entry."""
    raised = db.session.scalars(sa.select(Escalation).where(Escalation.raised_at >= period.start,
                                                            Escalation.raised_at < period.end)
                                .order_by(Escalation.raised_at)).all()
    acknowledged = db.session.scalar(sa.select(sa.func.count()).select_from(Escalation).where(
        Escalation.acknowledged_at >= period.start, Escalation.acknowledged_at < period.end))
    entries = _first_entries("escalations", (e.id for e in raised))

    def row(e: Escalation) -> dict:
        entry = entries.get(e.id)
        minutes = (int((e.acknowledged_at - e.raised_at).total_seconds() // 60)
                   if e.acknowledged_at else None)
        return {"id": e.id, "rule": e.rule, "title": ESCALATION_TITLES.get(e.rule, e.rule), "level": e.level,
                "case_ref": e.case_ref, "reason": e.reason, "raised_at": e.raised_at,
                "acknowledged_at": e.acknowledged_at, "minutes_to_ack": minutes, "note": e.note,
                "seq": entry.seq if entry else None, "hash": entry.hash if entry else None}

    rows = [row(e) for e in raised]
    return {"rules": [r for r in rows if not r["rule"].startswith("BREACH_")],
            "deadline_breaches": [r for r in rows if r["rule"].startswith("BREACH_")],
            "raised": len(rows), "acknowledged_in_period": acknowledged,
            "open_now": sum(1 for r in rows if r["acknowledged_at"] is None)}


def sample_key(seed: str, seq: int) -> str:
    return hashlib.sha256(f"{seed}|{seq}".encode()).hexdigest()


def sampled_entries(period: PackPeriod, per_folder: int = SAMPLE_PER_FOLDER) -> dict:
    """From each archive folder, the entries written in the period with the smallest
    SHA-256("<seed>|<seq>"), the seed naming the period: anyone can draw the same sample again, and
    nobody choosing the entries could have picked them."""
    seed = f"continuity-pack|{period.first.isoformat()}|{period.last.isoformat()}"
    in_period = sa.and_(ArchiveEntry.server_time >= period.start, ArchiveEntry.server_time < period.end)
    by_folder = {folder: [] for folder in FOLDERS}
    for folder, seq in db.session.execute(sa.select(ArchiveEntry.folder, ArchiveEntry.seq).where(in_period)):
        by_folder.setdefault(folder, []).append(seq)
    chosen = {folder: sorted(seqs, key=lambda s: sample_key(seed, s))[:per_folder] for folder, seqs in by_folder.items()}
    wanted = [s for seqs in chosen.values() for s in seqs]
    entries = {e.seq: e for e in db.session.scalars(sa.select(ArchiveEntry).where(ArchiveEntry.seq.in_(wanted)))} \
        if wanted else {}
    folders = [{"folder": folder, "title": FOLDERS.get(folder, folder), "in_period": len(by_folder[folder]),
                "entries": [entries[s] for s in chosen[folder]]} for folder in by_folder]
    return {"seed": seed, "per_folder": per_folder, "folders": folders}


def chain_state() -> dict:
    """The whole chain and its signed checkpoints verified now, as `flask audit verify` does; when intact, a
    new signed checkpoint of the head (the caller commits it), which the pack prints: once on paper, the head
    is anchored outside the system too."""
    report = verify_archive()
    checkpoint = write_checkpoint("pack") if report.ok else None
    last = db.session.execute(sa.select(ArchiveEntry.seq, ArchiveEntry.hash)
                              .order_by(ArchiveEntry.seq.desc()).limit(1)).first()
    return {"ok": report.ok, "checked": report.checked, "broken_seq": report.broken_seq, "reason": report.reason,
            "last_seq": last.seq if last else None, "last_hash": last.hash if last else None,
            "checkpoint": checkpoint or latest_checkpoint(), "public_key": public_key()}


# --- the PDF ---------------------------------------------------------------------------------------

def _fetcher_class():
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticOnlyFetcher(URLFetcher):
        """Serves the app's own static files (the stylesheet) from disk and `data:` URLs; refuses
        every other address, so rendering a pack never reaches the network or the file system."""

        def __init__(self, static_folder: str, static_prefix: str):
            super().__init__(allowed_protocols=("data",))
            self.root = Path(static_folder).resolve()
            self.prefix = static_prefix

        def fetch(self, url, headers=None):
            if url.startswith("data:"):
                return super().fetch(url, headers)
            path = unquote(urlsplit(url).path)
            if not path.startswith(self.prefix):
                log.warning("pdf: refused to fetch %s", url[:200])
                raise ValueError("only the app's own static files are fetched")
            target = (self.root / path[len(self.prefix):]).resolve()
            if self.root not in target.parents or not target.is_file():
                raise ValueError("no such static file")
            mime = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
            return URLFetcherResponse(url, target.read_bytes(), {"Content-Type": mime})

    return StaticOnlyFetcher


def render_pdf(html: str, base_url: str) -> bytes:
    """The pack's HTML as a PDF (print media: the same print stylesheet as the browser's print)."""
    from weasyprint import HTML

    # WeasyPrint warns about every screen-only CSS rule it skips (media queries, :has): not news.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    static_prefix = (current_app.static_url_path or "/static").rstrip("/") + "/"
    fetcher = _fetcher_class()(current_app.static_folder, static_prefix)
    return HTML(string=html, base_url=base_url, url_fetcher=fetcher, media_type="print").write_pdf()
