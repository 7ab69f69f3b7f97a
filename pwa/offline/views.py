"""The installable, offline-capable shell: /manifest.webmanifest, /offline (shown by the service worker when a
page is not on the device), /outbox (what waits on this device: the list itself lives in the browser's IndexedDB
and app.js draws it, so the page carries no personal data) and the shell's version.

The service worker (static/sw.js, served at /sw.js by pwa/push/views.py) is registered as /sw.js?v=<version>,
the version being a digest of the shell's files: a change to any of them registers a new worker, which
precaches the new shell under a new cache name and deletes the old cache on activate."""
import hashlib
import os

from flask import Blueprint, current_app, send_from_directory

from ..web import render

bp = Blueprint("offline", __name__)

# What the service worker precaches (its SHELL list) comes from these.
SHELL_DIRS = ("css", "js", "vendor", "icons")
SHELL_FILES = ("manifest.webmanifest", "sw.js")
SHELL_TEMPLATES = ("base.html", "offline/offline.html", "offline/outbox.html", "_partials/nav.html")


def shell_version() -> str:
    """A digest of the app shell's files (content, not dates: every instance behind a balancer agrees)."""
    static = os.path.join(current_app.root_path, "static")
    templates = os.path.join(current_app.root_path, "templates")
    paths = [os.path.join(static, name) for name in SHELL_FILES]
    for folder in SHELL_DIRS:
        for base, _dirs, files in os.walk(os.path.join(static, folder)):
            paths += [os.path.join(base, name) for name in files]
    paths += [os.path.join(templates, name) for name in SHELL_TEMPLATES]
    stamp = tuple((p, os.stat(p).st_mtime_ns, os.stat(p).st_size) for p in sorted(paths) if os.path.isfile(p))
    cached = current_app.extensions.get("continuity_shell_version")
    if cached and cached[0] == stamp:
        return cached[1]
    digest = hashlib.sha256()
    for path, _mtime, _size in stamp:
        digest.update(os.path.relpath(path, current_app.root_path).encode())
        with open(path, "rb") as fh:
            digest.update(fh.read())
    version = digest.hexdigest()[:16]
    current_app.extensions["continuity_shell_version"] = (stamp, version)
    return version


@bp.app_template_global()
def service_worker_url() -> str:
    # The idle timeout tells the worker when stored pages are stale (pwa/static/sw.js deletes them).
    idle = int(current_app.config["IDLE_TIMEOUT"].total_seconds() // 60)
    return f"/sw.js?v={shell_version()}&idle={idle}"


@bp.app_template_filter("clock_offset")
def clock_offset(seconds) -> str:
    """A device clock's offset (received_at - sent_at) as a person reads it: "3 h (ahead)", "4 min (behind)"."""
    seconds = float(seconds or 0)
    size = abs(seconds)
    if size < 90:
        amount = f"{size:.0f} s"
    elif size < 90 * 60:
        amount = f"{size / 60:.0f} min"
    else:
        amount = f"{size / 3600:.1f}".removesuffix(".0") + " h"
    return f"{amount} ({'ahead' if seconds < 0 else 'behind'})"


@bp.get("/manifest.webmanifest")
def manifest():
    return send_from_directory(os.path.join(current_app.root_path, "static"), "manifest.webmanifest",
                               mimetype="application/manifest+json", max_age=0)


@bp.get("/offline")
def offline():
    return render("offline/offline.html")


@bp.get("/outbox")
def outbox():
    return render("offline/outbox.html")
