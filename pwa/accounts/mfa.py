"""TOTP second factor (RFC 6238: SHA-1, 6 digits, 30 s, pyotp) and single-use recovery codes.

Required for every role that sees the whole organisation (MFA_ROLES); optional for the others, who
may enrol from their account page. Bearer tokens are machine identities and take no second factor.
A code is accepted once: the time step it belongs to is stored, so a code seen over a shoulder or
replayed from a log cannot be used again.
"""
import hashlib
import io
import secrets
from datetime import datetime

import pyotp
import segno
import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..clock import utcnow
from ..errors import InvalidInput
from ..extensions import db
from ..models_base import UTCDateTime

MFA_ROLES = ("manager", "duty_manager", "quality_lead", "executive", "director", "chief_operating",
             "governance_lead", "panel_chair", "admin", "auditor")
ISSUER = "Continuity"
RECOVERY_CODES = 10
STEP_SECONDS = 30


class TotpCredential(db.Model):
    __tablename__ = "totp_credentials"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    secret: Mapped[str] = mapped_column(sa.String(64))  # base32
    enrolled_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_step: Mapped[int | None] = mapped_column(sa.BigInteger)  # the time step of the last code accepted


class RecoveryCode(db.Model):
    __tablename__ = "mfa_recovery_codes"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_digest: Mapped[str] = mapped_column(sa.String(64), unique=True)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


def mfa_required(user) -> bool:
    return user.has_role(*MFA_ROLES)


def credential_of(user_id: int) -> TotpCredential | None:
    return db.session.scalar(sa.select(TotpCredential).filter_by(user_id=user_id))


def new_secret() -> str:
    return pyotp.random_base32()


def valid_secret(secret: str) -> str:
    """The secret in canonical base32 (upper case, no spaces), or InvalidInput."""
    cleaned = (secret or "").replace(" ", "").upper()
    try:
        if len(cleaned) < 16 or len(pyotp.TOTP(cleaned).byte_secret()) < 10:
            raise ValueError
    except Exception:  # binascii.Error, ValueError: not base32
        raise InvalidInput({"totp_secret": ["Give a base32 secret of at least 16 characters (80 bits)."]}) from None
    return cleaned


def enrol(user, secret: str) -> list[str]:
    """Enrol `user` with `secret` (replacing an earlier one); returns fresh recovery codes (shown once)."""
    from ..archive.operations import append_entry

    secret = valid_secret(secret)
    credential = credential_of(user.id)
    if credential is None:
        credential = TotpCredential(user_id=user.id, secret=secret)
        db.session.add(credential)
    else:
        credential.secret, credential.enrolled_at, credential.last_step = secret, utcnow(), None
    codes = _new_recovery_codes(user.id)
    db.session.flush()
    append_entry(folder="accounts", step="mfa", action="totp_enrolled",
                 record={"entity": "totp_credentials", "id": credential.id, "user_id": user.id,
                         "enrolled_at": credential.enrolled_at}, actor=user, actor_role=None)
    return codes


def _new_recovery_codes(user_id: int) -> list[str]:
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user_id))
    codes = [f"{secrets.token_hex(3)}-{secrets.token_hex(3)}" for _ in range(RECOVERY_CODES)]
    db.session.add_all(RecoveryCode(user_id=user_id, code_digest=_digest(c)) for c in codes)
    return codes


def _digest(code: str) -> str:
    return hashlib.sha256(code.strip().lower().replace(" ", "").encode()).hexdigest()


def code_matches(secret: str, code: str, at: datetime | None = None) -> int | None:
    """The time step `code` belongs to (this one or either neighbour, for clock drift), else None."""
    code = (code or "").strip().replace(" ", "")
    if not (len(code) == 6 and code.isascii() and code.isdigit()):
        return None
    totp = pyotp.TOTP(secret)
    now = (at or utcnow()).timestamp()
    step = int(now // STEP_SECONDS)
    for candidate in (step, step - 1, step + 1):
        if secrets.compare_digest(totp.at(candidate * STEP_SECONDS), code):
            return candidate
    return None


def check_second_factor(user, code: str) -> bool:
    """A TOTP code not used before, or an unused recovery code (then spent)."""
    credential = credential_of(user.id)
    if credential is None or not code:
        return False
    step = code_matches(credential.secret, code)
    if step is not None:
        # Conditional UPDATE: of two requests with the same code, only one wins the step.
        won = db.session.execute(sa.update(TotpCredential).where(
            TotpCredential.id == credential.id,
            sa.or_(TotpCredential.last_step.is_(None), TotpCredential.last_step < step))
            .values(last_step=step)).rowcount
        return won == 1
    spent = db.session.execute(sa.update(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.code_digest == _digest(code), RecoveryCode.used_at.is_(None))
        .values(used_at=utcnow())).rowcount
    return spent == 1


def recovery_codes_left(user_id: int) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(RecoveryCode)
                             .where(RecoveryCode.user_id == user_id, RecoveryCode.used_at.is_(None)))


def provisioning_uri(username: str, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=ISSUER)


def qr_svg(uri: str) -> str:
    """The enrolment QR code as an SVG element with no style attribute or script (CSP-safe)."""
    out = io.BytesIO()
    segno.make(uri, error="m").save(out, kind="svg", scale=4, xmldecl=False, svgns=True,
                                    title="Scan with your authenticator app", svgclass="qr", lineclass=None)
    return out.getvalue().decode()
