"""Signed checkpoints of the archive's head: an anchor that does not live in the database.

A checkpoint names the chain's last entry (seq, which is also the entry count, and its hash) and is signed
with an Ed25519 key kept outside the database: ARCHIVE_SIGNING_KEY (base64url of the 32-byte private key)
or `instance/archive_signing_key`, made on first use. Someone who can write to the database can delete the
chain's tail or rewrite every entry and recompute the hashes, but cannot sign a checkpoint that agrees, so
`flask audit verify` then fails. `flask sweep` writes one when the last is an hour old, the governance pack
writes one and prints it (so the head is also on paper, outside the system), and `flask audit checkpoint`
writes one on demand.
"""
import base64
import hashlib
import os
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from flask import current_app
from sqlalchemy.orm import Mapped, mapped_column

from ..clock import utcnow
from ..extensions import db
from ..models_base import UTCDateTime
from .models import ArchiveEntry
from .operations import ARCHIVE_LOCK_KEY, ChainReport, canonical_json, verify_chain

KEY_FILE = "archive_signing_key"
EVERY = timedelta(hours=1)


class ArchiveCheckpoint(db.Model):
    __tablename__ = "archive_checkpoints"
    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int]  # the last entry's seq: the chain then held this many entries
    head_hash: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    reason: Mapped[str] = mapped_column(sa.String(20))  # "hourly", "pack", "command"
    key_id: Mapped[str] = mapped_column(sa.String(16))  # which public key signed it
    signature: Mapped[str] = mapped_column(sa.String(100))  # base64url Ed25519 signature of `signed_text`

    def signed_text(self) -> str:
        return canonical_json({"seq": self.seq, "head_hash": self.head_hash, "created_at": self.created_at,
                               "key_id": self.key_id})


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _private_key() -> Ed25519PrivateKey:
    configured = current_app.config.get("ARCHIVE_SIGNING_KEY")
    if configured:
        return Ed25519PrivateKey.from_private_bytes(_unb64(configured))
    path = os.path.join(current_app.instance_path, KEY_FILE)
    if not os.path.exists(path):
        raw = Ed25519PrivateKey.generate().private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                                         serialization.NoEncryption())
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(_b64(raw))
    with open(path) as fh:
        return Ed25519PrivateKey.from_private_bytes(_unb64(fh.read().strip()))


def generate_key() -> str:
    """A new private key as ARCHIVE_SIGNING_KEY takes it."""
    return _b64(Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()))


def public_key() -> str:
    """The verifying key (base64url, 32 bytes), as printed on the pack for anyone to check a signature."""
    return _b64(_private_key().public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw))


def key_id() -> str:
    return hashlib.sha256(public_key().encode()).hexdigest()[:16]


def write_checkpoint(reason: str) -> ArchiveCheckpoint | None:
    """Sign the chain's current head (in the caller's transaction). None while the archive is empty."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": ARCHIVE_LOCK_KEY})
    db.session.flush()
    head = db.session.execute(sa.select(ArchiveEntry.seq, ArchiveEntry.hash)
                              .order_by(ArchiveEntry.seq.desc()).limit(1)).first()
    if head is None:
        return None
    checkpoint = ArchiveCheckpoint(seq=head.seq, head_hash=head.hash, created_at=utcnow(), reason=reason,
                                   key_id=key_id(), signature="")
    checkpoint.signature = _b64(_private_key().sign(checkpoint.signed_text().encode()))
    db.session.add(checkpoint)
    db.session.flush()
    return checkpoint


def latest_checkpoint() -> ArchiveCheckpoint | None:
    return db.session.scalar(sa.select(ArchiveCheckpoint).order_by(ArchiveCheckpoint.id.desc()).limit(1))


def checkpoint_if_due(now: datetime | None = None) -> ArchiveCheckpoint | None:
    """The sweep's hourly checkpoint: written when the last is an hour old (or there is none)."""
    latest = latest_checkpoint()
    if latest is not None and (now or utcnow()) - latest.created_at < EVERY:
        return None
    return write_checkpoint("hourly")


def signature_ok(checkpoint: ArchiveCheckpoint) -> bool:
    try:
        _private_key().public_key().verify(_unb64(checkpoint.signature), checkpoint.signed_text().encode())
    except (InvalidSignature, ValueError):
        return False
    return checkpoint.key_id == key_id()


@dataclass
class ArchiveReport(ChainReport):
    checkpoints: int = 0
    latest: ArchiveCheckpoint | None = None


def verify_archive() -> ArchiveReport:
    """The hash chain (pwa.archive.operations.verify_chain), then every checkpoint: its signature, and that
    the chain still holds the entry it names with the hash it names. A removed tail, a rewritten and
    re-hashed chain, and an altered or forged checkpoint each fail here."""
    chain = verify_chain()
    report = ArchiveReport(chain.checked, chain.broken_seq, chain.reason)
    if not report.ok:
        return report
    checkpoints = db.session.scalars(sa.select(ArchiveCheckpoint).order_by(ArchiveCheckpoint.id)).all()
    hashes = dict(db.session.execute(sa.select(ArchiveEntry.seq, ArchiveEntry.hash).where(
        ArchiveEntry.seq.in_({c.seq for c in checkpoints}))).all()) if checkpoints else {}
    for checkpoint in checkpoints:
        if not signature_ok(checkpoint):
            report.broken_seq = checkpoint.seq
            report.reason = (f"checkpoint {checkpoint.id} is not signed by this archive's key "
                             "(it was altered or replaced)")
            return report
        if checkpoint.seq not in hashes:
            report.broken_seq = checkpoint.seq
            report.reason = (f"checkpoint {checkpoint.id} names entry {checkpoint.seq}, which is missing "
                             f"(the archive holds {report.checked} entries: its tail was removed)")
            return report
        if hashes[checkpoint.seq] != checkpoint.head_hash:
            report.broken_seq = checkpoint.seq
            report.reason = (f"its hash differs from the one signed in checkpoint {checkpoint.id} "
                             "(the chain up to it was rewritten)")
            return report
    report.checkpoints, report.latest = len(checkpoints), checkpoints[-1] if checkpoints else None
    return report
