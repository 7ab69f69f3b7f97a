"""Continuity: governed missed-contact response. create_app is the application factory."""
import os
import secrets

from flask import Flask
from werkzeug.routing import IntegerConverter

from . import compression, healthz, logging_setup, security, serving
from .config import load_config
from .extensions import babel, csrf, db, htmx, login_manager, migrate


def _secret_key(instance_path: str) -> str:
    """SECRET_KEY from the environment, else one generated once and kept in the instance folder."""
    path = os.path.join(instance_path, "secret_key")
    if not os.path.exists(path):
        with open(path, "w") as fh:
            fh.write(secrets.token_hex(32))
        os.chmod(path, 0o600)
    with open(path) as fh:
        return fh.read().strip()


class BoundedInt(IntegerConverter):
    """<int:...> ids beyond the id columns' 32-bit range are no route (404), not a database error."""

    def __init__(self, map, fixed_digits=0, min=None, max=2**31 - 1, signed=False):  # noqa: A002
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def create_app(config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    app.url_map.converters["int"] = BoundedInt
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.update(load_config(app.instance_path))
    if config:
        app.config.update(config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _secret_key(app.instance_path)
    app.config.setdefault("CSRF_EXEMPT_ENDPOINTS", ("api.create_session",))

    compression.init_app(app)  # first: its after_request hook then runs last, on the finished response
    logging_setup.init_app(app)  # next: the request id is set before any other hook can refuse the request
    serving.init_app(app)  # proxy headers, https only in production, HSTS, Secure cookies
    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(os.path.dirname(app.root_path), "migrations"),
                     render_as_batch=True)
    login_manager.init_app(app)
    csrf.init_app(app)
    htmx.init_app(app)
    babel.init_app(app, default_locale="en", locale_selector=lambda: "en")
    security.init_app(app)
    _sqlite_pragmas(app)

    from . import models  # noqa: F401  (every table registered before migrations and queries)
    from .access_log import record as access_record
    from .access_log.views import bp as access_log_bp
    from .accounts.views import bp as accounts_bp
    from .api import bp as api_bp
    from .archive.views import bp as archive_bp
    from .dashboard.views import bp as dashboard_bp
    from .escalations.views import bp as escalations_bp
    from .fhir.routes import bp as fhir_bp
    from .intake.views import bp as intake_bp
    from .offline.views import bp as offline_bp
    from .push.views import bp as push_bp
    from .recovery.views import bp as recovery_bp
    from .review.views import bp as review_bp
    from .support.views import bp as support_bp
    from .web import bp as web_bp, init_app as init_web

    for blueprint in (web_bp, accounts_bp, intake_bp, recovery_bp, review_bp, escalations_bp, archive_bp, push_bp,
                      offline_bp, dashboard_bp, support_bp, access_log_bp, api_bp, fhir_bp):
        app.register_blueprint(blueprint)
    init_web(app)
    healthz.init_app(app)
    access_record.init_app(app)

    from .cli import register

    register(app)
    return app


def _sqlite_pragmas(app: Flask) -> None:
    """SQLite: WAL for concurrent readers, foreign keys enforced, wait instead of failing on a lock."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return
    from sqlalchemy import event

    with app.app_context():
        engine = db.engine

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection, _record):
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=5000")
            if not app.config["SQLALCHEMY_DATABASE_URI"].endswith(":memory:"):
                cursor.execute("PRAGMA journal_mode=WAL")
            cursor.close()
