"""Command-line interface (`flask --app wsgi ...`): users, tokens, demo, sweep, audit."""
import os

import click
from flask import Flask
from flask.cli import AppGroup, with_appcontext

from .errors import InvalidInput, WorkflowRefused
from .extensions import db
from .governance.vocab import ROLES

users = AppGroup("users", help="Manage users.")
tokens = AppGroup("tokens", help="Bearer tokens for integrations.")
audit = AppGroup("audit", help="Check the audit archive.")
push = AppGroup("push", help="Web push alerts.")


def _fail_on_invalid(err: InvalidInput):
    db.session.rollback()
    for field, messages in err.errors.items():
        click.echo(f"{field}: {' '.join(messages)}", err=True)
    raise SystemExit(2)


@users.command("create")
@click.argument("username")
@click.option("--role", "roles", multiple=True, required=True, type=click.Choice(ROLES))
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--name", "display_name", default=None, help="Display name (defaults to the username).")
@click.option("--team", default=None)
@click.option("--totp-secret", default=None, help="Enrol the user in TOTP (RFC 6238) with this base32 secret.")
def create_user_command(username, roles, password, display_name, team, totp_secret):
    """Add a user with one or more roles."""
    from .accounts.mfa import enrol
    from .accounts.operations import create_user

    try:
        user = create_user(username, password, list(roles), display_name=display_name, team=team)
        codes = enrol(user, totp_secret) if totp_secret is not None else []
    except InvalidInput as err:
        _fail_on_invalid(err)
    db.session.commit()
    click.echo(f"created user {user.username} with roles {', '.join(user.roles)}")
    if codes:
        click.echo("enrolled in TOTP; recovery codes (shown once): " + " ".join(codes))


@users.command("code")
@click.argument("username")
def code_command(username):
    """Print the current TOTP code of an enrolled user (the demo's users have no phone). Whoever can run
    this can read the database anyway."""
    import pyotp

    from .accounts.mfa import credential_of
    from .accounts.models import User

    user = db.session.scalar(db.select(User).filter_by(username=username))
    credential = credential_of(user.id) if user else None
    if credential is None:
        click.echo(f"{username} has no authenticator enrolled", err=True)
        raise SystemExit(1)
    click.echo(pyotp.TOTP(credential.secret).now())


@tokens.command("create")
@click.argument("name")
@click.option("--role", "roles", multiple=True, default=("integration",), show_default=True,
              type=click.Choice(ROLES))
@click.option("--expires-days", type=int, default=None, help="The token stops working after N days.")
def create_token_command(name, roles, expires_days):
    """Print a new bearer token for the integration NAME (shown once; only its digest is kept)."""
    from .accounts.operations import create_token

    try:
        secret = create_token(name, list(roles), expires_days=expires_days)
    except InvalidInput as err:
        _fail_on_invalid(err)
    db.session.commit()
    click.echo(secret)


@audit.command("verify")
def verify_command():
    """Recompute the archive's hash chain and check it against every signed checkpoint; exit 1 naming the
    first broken entry (a removed tail, a rewritten chain or a replaced checkpoint)."""
    from .archive.checkpoint import verify_archive

    report = verify_archive()
    if report.ok:
        anchored = (f"; the latest of {report.checkpoints} signed checkpoints covers entry {report.latest.seq}"
                    if report.latest else "; no signed checkpoint yet (flask audit checkpoint)")
        click.echo(f"archive intact: {report.checked} entries verified{anchored}")
        return
    click.echo(f"archive broken at entry {report.broken_seq}: {report.reason} "
               f"({report.checked} entries verified)", err=True)
    raise SystemExit(1)


@audit.command("checkpoint")
def checkpoint_command():
    """Write a signed checkpoint of the archive's head (entry count and head hash)."""
    from .archive.checkpoint import public_key, write_checkpoint

    checkpoint = write_checkpoint("command")
    db.session.commit()
    if checkpoint is None:
        click.echo("the archive is empty: nothing to checkpoint")
        return
    click.echo(f"checkpoint {checkpoint.id}: {checkpoint.seq} entries, head {checkpoint.head_hash}, "
               f"signed {checkpoint.signature} (Ed25519 key {public_key()})")


@click.command("sweep")
@with_appcontext
def sweep_command():
    """Run the deadline sweep once: breaches, escalations and push alerts (idempotent)."""
    from .sweeper import sweep_once

    report, sent = sweep_once()
    if report is None:
        click.echo("another instance is sweeping; nothing done")
    else:
        raised = ", ".join(f"{rule}: {n}" for rule, n in sorted(report.raised.items())) or "none"
        click.echo(f"sweep done: {report.detected} misses detected; escalations raised: {raised}")
    click.echo(f"push alerts: {sent['sent']} sent, {sent['failed']} failed (retried next sweep), "
               f"{sent['gone']} with no device left")


@push.command("keys")
def push_keys_command():
    """Create the VAPID key pair if none is configured; print the public key (applicationServerKey)."""
    from flask import current_app

    from .push.keys import KEY_FILE, ensure_private_key, public_key

    key, created = ensure_private_key()
    if current_app.config.get("VAPID_PRIVATE_KEY"):
        click.echo("VAPID_PRIVATE_KEY is configured; nothing created.")
    elif created:
        click.echo(f"created a VAPID key pair; the private key stays in the instance folder ({KEY_FILE})")
    else:
        click.echo(f"a VAPID key is already kept in the instance folder ({KEY_FILE}).")
    click.echo(f"public key (applicationServerKey): {public_key(key)}")


@click.command("demo")
@with_appcontext
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already has users.")
def demo_command(if_empty):
    """Load a realistic demo organisation and print how to sign in. If loading fails, say what failed in
    one line, leave the database as it was and exit 1."""
    from .accounts.models import User
    from .demo import DEMO_PASSWORD, load_demo

    if if_empty and db.session.scalar(db.select(User.id).limit(1)) is not None:
        click.echo("demo data already loaded")
    else:
        try:
            summary = load_demo()
        except Exception as err:  # noqa: BLE001 - any failure: nothing is kept, and the reason is one line
            db.session.rollback()
            click.echo(f"demo not loaded, the database is as it was: {_one_line(err)}", err=True)
            raise SystemExit(1) from None
        db.session.commit()
        click.echo(summary)
    click.echo(f"Sign in at {server_url()} with any demo user (password: {DEMO_PASSWORD}):")
    from .accounts.demo_mfa import demo_secrets_text

    click.echo(demo_secrets_text())
    click.echo("  coordinator: cora   attendance supervisor: sam   outreach worker: olu   "
               "service supervisor: sade   governance lead: gina   panel chair: pat   manager: mona   "
               "quality lead: quinn   executive (outcomes): evan   admin: ada")


def server_url() -> str:
    """The address `flask run` serves: it reads the same FLASK_RUN_HOST and FLASK_RUN_PORT (`make run` sets
    them), with Flask's own defaults."""
    host = os.environ.get("FLASK_RUN_HOST") or "127.0.0.1"
    port = os.environ.get("FLASK_RUN_PORT") or "5000"
    return f"http://{'127.0.0.1' if host == '0.0.0.0' else host}:{port}"


def _one_line(err: Exception) -> str:
    if isinstance(err, InvalidInput):
        detail = "; ".join(f"{field}: {' '.join(messages)}" for field, messages in err.errors.items())
    elif isinstance(err, WorkflowRefused):
        detail = f"{err.rule}: {'; '.join(err.reasons)}"
    else:
        detail = str(err)
    return " ".join(f"{type(err).__name__}: {detail}".split())[:500]


def register(app: Flask) -> None:
    from .ops.cli import register as register_ops

    for command in (users, tokens, audit, push, sweep_command, demo_command):
        app.cli.add_command(command)
    register_ops(app, users=users, tokens=tokens, push=push)
