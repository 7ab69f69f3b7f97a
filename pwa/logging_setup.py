"""Log lines as JSON objects, one a line (LOG_FORMAT=json, the default) for log shipping, or text.

Every request ends with one access line: request id (the proxy's X-Request-ID when it is a plain token,
else a new one, echoed back), user id, method, route (the URL rule such as /recovery/<int:case_id>,
never the query string), status and duration. Log lines carry ids, roles and rule names, never a
person's name, contact details or clinical information.
"""
import logging
import re
import sys
import time
import uuid

from flask import Flask, g, has_request_context, request
from pythonjsonlogger.json import JsonFormatter

REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
access = logging.getLogger("continuity.request")


class StderrHandler(logging.StreamHandler):
    """Writes to the process's own stderr (file descriptor 2) whenever a line is logged: lines reach
    journald or a container's log even if sys.stderr was swapped meanwhile (a command's output capture,
    a test's), and a command's captured output holds only what it printed."""

    def __init__(self):
        super().__init__()

    @property
    def stream(self):
        return sys.__stderr__

    @stream.setter
    def stream(self, _value):
        pass


class RequestContext(logging.Filter):
    """Adds request_id and user_id to every record logged while a request is handled."""

    def filter(self, record: logging.LogRecord) -> bool:
        if has_request_context():
            record.request_id = g.get("request_id")
            user = g.get("_login_user")  # set by Flask-Login once the request's user is loaded
            record.user_id = getattr(user, "id", None)
        return True


def _formatter(kind: str) -> logging.Formatter:
    if kind == "json":
        return JsonFormatter("%(asctime)s %(levelname)s %(name)s %(message)s",
                             rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
                             datefmt="%Y-%m-%dT%H:%M:%S%z")
    return logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")


def configure(app: Flask) -> None:
    logger = logging.getLogger("continuity")
    logger.setLevel(app.config.get("LOG_LEVEL", "INFO"))
    if not any(getattr(h, "continuity", False) for h in logger.handlers):
        handler = StderrHandler()
        handler.continuity = True
        handler.addFilter(RequestContext())
        logger.addHandler(handler)
    for handler in logger.handlers:
        if getattr(handler, "continuity", False):
            handler.setFormatter(_formatter(app.config.get("LOG_FORMAT", "json")))


def _start():
    given = request.headers.get("X-Request-ID", "")
    g.request_id = given if REQUEST_ID.match(given) else uuid.uuid4().hex
    g.request_started = time.perf_counter()


def _finish(response):
    started = g.get("request_started")
    if started is None:
        return response
    response.headers.setdefault("X-Request-ID", g.request_id)
    user = g.get("_login_user")
    access.info("request", extra={
        "method": request.method,
        "route": request.url_rule.rule if request.url_rule else "(no route)",
        "status": response.status_code,
        "duration_ms": round((time.perf_counter() - started) * 1000, 1),
        "user_id": getattr(user, "id", None),
    })
    return response


def init_app(app: Flask) -> None:
    configure(app)
    app.before_request(_start)
    app.after_request(_finish)
