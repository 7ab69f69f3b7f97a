"""The alerts settings screen (/settings/alerts) and the service worker at /sw.js (whole-site scope)."""
import os

from flask import Blueprint, current_app, redirect, send_from_directory, session, url_for
from flask_login import current_user

from ..errors import NotFound
from ..security import requires
from ..transaction import transaction
from ..web import render
from . import keys
from .operations import devices_of, remove_device, session_record

bp = Blueprint("push", __name__)


@bp.get("/sw.js")
def service_worker():
    """The worker from /static, served at the root so its scope is the whole site."""
    response = send_from_directory(os.path.join(current_app.root_path, "static"), "sw.js",
                                   mimetype="application/javascript", max_age=0)
    response.headers["Service-Worker-Allowed"] = "/"
    response.headers["Cache-Control"] = "no-cache"
    return response


def _settings(status: int = 200, removed: bool = False):
    current = session_record(session.get("sid"))
    return render("push/settings.html", status=status, devices=devices_of(current_user),
                  current_session_id=current.id if current else None, configured=bool(keys.public_key()),
                  removed=removed)


@bp.get("/settings/alerts")
@requires()
def settings():
    return _settings()


@bp.post("/settings/alerts/devices/<int:device_id>/remove")
@requires()
def remove(device_id):
    try:
        with transaction():
            remove_device(device_id, user=current_user)
    except NotFound:
        return _settings(status=404)
    return redirect(url_for("push.settings", removed=1))
