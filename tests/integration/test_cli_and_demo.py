"""Command-line setup (users, tokens) and the demo organisation."""
import sqlalchemy as sa

from pwa.escalations.models import Escalation
from pwa.extensions import db
from pwa.intake.models import MissedContact


def test_users_create_adds_a_user_who_can_sign_in(app, client):
    result = app.test_cli_runner().invoke(args=[
        "users", "create", "nina", "--role", "coordinator", "--role", "attendance_supervisor",
        "--password", "long enough pass"])
    assert result.exit_code == 0, result.output
    assert "roles attendance_supervisor, coordinator" in result.output
    signed_in = client.post("/api/v1/session", json={"username": "nina", "password": "long enough pass"})
    assert signed_in.status_code == 200
    assert signed_in.get_json()["user"]["roles"] == ["attendance_supervisor", "coordinator"]


def test_users_create_refuses_a_duplicate_and_a_short_password(app):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["users", "create", "nina", "--role", "admin", "--password", "long enough pass"]).exit_code == 0
    duplicate = runner.invoke(args=["users", "create", "nina", "--role", "admin", "--password", "long enough pass"])
    assert duplicate.exit_code == 2 and "already exists" in duplicate.output
    short = runner.invoke(args=["users", "create", "omar", "--role", "admin", "--password", "short"])
    assert short.exit_code == 2 and "at least 12" in short.output


def test_tokens_create_prints_a_bearer_token_that_needs_no_csrf(app, client, factory):
    result = app.test_cli_runner().invoke(args=["tokens", "create", "schedule-feed"])
    assert result.exit_code == 0, result.output
    token = result.output.strip()
    body = {"case_ref": "C-77", "display_name": "Person", "risk_flags": [], "contact_routes": []}
    created = client.post("/api/v1/cases", json=body, headers={"Authorization": f"Bearer {token}"})
    assert created.status_code == 201, created.get_json()
    refused = client.post("/api/v1/cases", json=body, headers={"Authorization": "Bearer not-a-token"})
    assert refused.status_code == 401


def test_demo_loads_misses_in_every_state_of_workflow_1(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert "password: continuity-demo" in result.output
    with app.app_context():
        statuses = set(db.session.scalars(sa.select(MissedContact.status)))
        assert statuses == {"queued", "returned", "confirmed", "released"}
        rules = set(db.session.scalars(sa.select(Escalation.rule)))
        assert {"E1", "E2", "E3"} <= rules
        from pwa.intake.queries import pending_misses
        from pwa.clock import utcnow
        assert len(pending_misses(utcnow())) >= 3
        # The eight weeks of history (cases C-4001...) are finished work: none of it is on today's screens,
        # and a sweep finds nothing of it overdue.
        from pwa.cases.models import Case
        from pwa.recovery.models import RecoveryCase
        from pwa.sweep import run_sweep
        history = sa.select(Case.id).where(Case.case_ref.like("C-40%"))
        assert db.session.scalar(sa.select(sa.func.count()).where(Case.id.in_(history))) > 0
        assert not [p for p in pending_misses(utcnow()) if p.appointment.case.case_ref.startswith("C-40")]
        assert set(db.session.scalars(sa.select(MissedContact.status).where(
            MissedContact.case_id.in_(history)))) == {"released"}
        # Finished: dispositioned, or closed re-engaged when the person attended the make-up (section 4).
        assert set(db.session.execute(sa.select(RecoveryCase.status, RecoveryCase.closure_reason).where(
            RecoveryCase.case_id.in_(history)))) == {("dispositioned", None), ("closed", "reengaged")}
        assert run_sweep() is not None
        assert not db.session.scalars(sa.select(Escalation).where(
            Escalation.case_ref.like("C-40%"), Escalation.acknowledged_at.is_(None))).all()
        db.session.rollback()
    again = runner.invoke(args=["demo", "--if-empty"])
    assert "already loaded" in again.output
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0


def test_openapi_documents_every_api_route(app, client):
    document = client.get("/api/v1/openapi.json").get_json()
    documented = {(path, verb) for path, ops in document["paths"].items() for verb in ops}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or rule.endpoint == "api.openapi_document":
            continue
        path = rule.rule.replace("<int:", "{").replace("<", "{").replace(">", "}")
        for verb in rule.methods - {"HEAD", "OPTIONS"}:
            assert (path, verb.lower()) in documented, f"{verb} {path} is not in the OpenAPI document"
    assert "MissedContactInput" in document["components"]["schemas"]


def test_a_failing_demo_says_why_in_one_line_and_leaves_the_database_as_it_was(app):
    """A user named like a demo outreach worker but without that role: the demo cannot assign cases to them."""
    from pwa.accounts.models import User
    from pwa.archive.models import ArchiveEntry

    runner = app.test_cli_runner()
    assert runner.invoke(args=["users", "create", "olu", "--role", "coordinator",
                               "--password", "long enough pass"]).exit_code == 0
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("demo not loaded, the database is as it was:")
    assert "assigned_outreach_worker: No outreach worker with this username." in lines[0]
    with app.app_context():
        assert db.session.scalars(sa.select(User.username)).all() == ["olu"]
        assert db.session.scalar(sa.select(sa.func.count()).select_from(MissedContact)) == 0
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ArchiveEntry)) == 0


def test_the_demo_names_the_address_the_server_uses(app, monkeypatch):
    monkeypatch.setenv("FLASK_RUN_PORT", "8123")
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert "Sign in at http://127.0.0.1:8123 with any demo user" in result.output


def test_push_keys_prints_the_public_key_and_never_the_private_one(app, tmp_path):
    from pwa.push.keys import KEY_FILE, public_key

    original = app.instance_path, app.config["VAPID_PRIVATE_KEY"]
    app.instance_path, app.config["VAPID_PRIVATE_KEY"] = str(tmp_path), None
    try:
        runner = app.test_cli_runner()
        created = runner.invoke(args=["push", "keys"])
        again = runner.invoke(args=["push", "keys"])
    finally:
        app.instance_path, app.config["VAPID_PRIVATE_KEY"] = original
    private = (tmp_path / KEY_FILE).read_text().strip()
    assert created.exit_code == 0 and again.exit_code == 0
    with app.app_context():
        assert f"public key (applicationServerKey): {public_key(private)}" in created.output
    for output in (created.output, again.output):
        assert private not in output
