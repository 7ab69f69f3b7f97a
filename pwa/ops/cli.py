"""Operators' commands: the sweeper process, tokens list/revoke, users deactivate, backup and restore."""
import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from ..errors import InvalidInput
from ..extensions import db


def _fail(err: InvalidInput):
    db.session.rollback()
    for field, messages in err.errors.items():
        click.echo(f"{field}: {' '.join(messages)}", err=True)
    raise SystemExit(2)


@click.command("sweeper")
@with_appcontext
@click.option("--interval", type=float, default=None,
              help="Seconds between sweeps (default SWEEP_INTERVAL_SECONDS, 60).")
def sweeper_command(interval):
    """Run the deadline sweep now and every minute until stopped (the `sweeper` process)."""
    from ..sweeper import serve

    serve(current_app._get_current_object(), interval or current_app.config["SWEEP_INTERVAL_SECONDS"])


@click.command("list")
@with_appcontext
def list_tokens_command():
    """List integration tokens: name, roles, created, expires, last used, state (never the secret)."""
    from ..accounts.operations import list_tokens
    from ..clock import utcnow

    now = utcnow()
    rows = list_tokens()
    if not rows:
        click.echo("no tokens")
        return
    click.echo(f"{'name':<24} {'id':>4} {'roles':<24} {'created':<17} {'expires':<17} {'last used':<17} state")
    for token in rows:
        if token.revoked_at is not None:
            state = f"revoked {token.revoked_at:%Y-%m-%d %H:%M}"
        elif token.expires_at is not None and token.expires_at <= now:
            state = "expired"
        elif not token.user.active:
            state = "user deactivated"
        else:
            state = "active"
        stamp = lambda at: f"{at:%Y-%m-%d %H:%M}" if at else "-"  # noqa: E731
        click.echo(f"{token.name:<24} {token.id:>4} {','.join(token.user.roles):<24} {stamp(token.created_at):<17} "
                   f"{stamp(token.expires_at):<17} {stamp(token.last_used_at):<17} {state}")


@click.command("revoke")
@with_appcontext
@click.argument("name")
def revoke_token_command(name):
    """Revoke every live token of the integration NAME at once."""
    from ..accounts.operations import revoke_tokens

    count = revoke_tokens(name)
    db.session.commit()
    if not count:
        click.echo(f"no live token named {name}", err=True)
        raise SystemExit(1)
    click.echo(f"revoked {count} token(s) named {name}")


@click.command("deactivate")
@with_appcontext
@click.argument("username")
def deactivate_user_command(username):
    """Deactivate USERNAME: sign-ins and tokens end at once, push subscriptions are removed."""
    from ..accounts.operations import deactivate_user

    try:
        counts = deactivate_user(username)
    except InvalidInput as err:
        _fail(err)
    db.session.commit()
    click.echo(f"deactivated {username}: {counts['sessions']} sign-in(s) ended, {counts['tokens']} token(s) "
               f"revoked, {counts['devices']} push subscription(s) removed")


@click.command("backup")
@with_appcontext
@click.argument("path", type=click.Path(dir_okay=False))
def backup_command(path):
    """Write a consistent copy of the database to PATH while the app runs (SQLite: the online backup
    API; PostgreSQL: pg_dump's custom format)."""
    from .backup import BackupFailed, backup

    try:
        backup(path)
    except BackupFailed as err:
        click.echo(str(err), err=True)
        raise SystemExit(1)
    click.echo(f"backup written to {path}")


@click.command("restore")
@with_appcontext
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--yes", is_flag=True, help="Replace the current database without asking.")
def restore_command(path, yes):
    """Replace the database with the backup at PATH, then verify the archive's hash chain (exit 1 if
    it is broken). Stop the web and sweeper processes first."""
    from ..archive.operations import verify_chain
    from .backup import BackupFailed, restore

    if not yes:
        click.confirm(f"Replace the database {db.engine.url.render_as_string(hide_password=True)} "
                      f"with {path}?", abort=True)
    try:
        restore(path)
    except BackupFailed as err:
        click.echo(str(err), err=True)
        raise SystemExit(1)
    report = verify_chain()
    if not report.ok:
        click.echo(f"restored, but the archive is broken at entry {report.broken_seq}: {report.reason}", err=True)
        raise SystemExit(1)
    click.echo(f"restored from {path}; archive intact: {report.checked} entries verified")


@click.command("forget-devices")
@with_appcontext
@click.option("--yes", is_flag=True, help="Remove them without asking.")
def forget_devices_command(yes):
    """Remove every device's push subscription (after a VAPID key rotation: each device turns alerts on
    again from Alerts, with the new key)."""
    from ..push.models import PushSubscription

    if not yes:
        click.confirm("Remove every push subscription?", abort=True)
    removed = db.session.execute(sa.delete(PushSubscription)).rowcount
    db.session.commit()
    click.echo(f"removed {removed} push subscription(s)")


def register(app: Flask, users: AppGroup, tokens: AppGroup, push: AppGroup) -> None:
    push.add_command(forget_devices_command)
    tokens.add_command(list_tokens_command)
    tokens.add_command(revoke_token_command)
    users.add_command(deactivate_user_command)
    for command in (sweeper_command, backup_command, restore_command):
        app.cli.add_command(command)
