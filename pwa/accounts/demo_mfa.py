"""The demo organisation's second factors: every demo user whose role needs one is enrolled with a
fresh random secret, which `flask demo` (and so `make run`) prints with the current code, so a newcomer
can add it to an authenticator app, or type the code shown, and try every role."""
import sqlalchemy as sa

from ..extensions import db
from .mfa import TotpCredential, enrol, mfa_required, new_secret
from .models import User


def enrol_demo_users(users) -> None:
    for user in users:
        if mfa_required(user) and db.session.scalar(sa.select(TotpCredential.id).filter_by(user_id=user.id)) is None:
            enrol(user, new_secret())


def demo_secrets_text() -> str:
    rows = db.session.execute(sa.select(User.username, TotpCredential.secret)
                              .join(TotpCredential, TotpCredential.user_id == User.id).order_by(User.username)).all()
    if not rows:
        return ""
    lines = ["These demo users also need a code from an authenticator app (TOTP, RFC 6238). Add the key to the app,",
             "or run `flask --app wsgi users code NAME` for the current code:"]
    lines += [f"  {name:<8} {secret}" for name, secret in rows]
    return "\n".join(lines)
