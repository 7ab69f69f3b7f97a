"""The demo organisation on a local server for the benchmarks: a temporary SQLite database, the real
migrations, `flask demo`'s data, Werkzeug's threaded server on a free port of 127.0.0.1."""
import threading
from pathlib import Path

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu"]
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True,
         "has_touch": True, "locale": "en-US", "timezone_id": "America/New_York"}


def serve(folder: Path):
    """(server, base URL); call server.shutdown() when done."""
    from flask_migrate import upgrade
    from werkzeug.serving import make_server

    from pwa import create_app
    from pwa.demo import load_demo
    from pwa.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'bench.sqlite'}", "SECRET_KEY": "bench"})
    with app.app_context():
        upgrade()
        load_demo()
        db.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}"


def sign_in(page, username: str) -> None:
    page.goto("/sign-in")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("continuity-demo")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_selector("header nav")
