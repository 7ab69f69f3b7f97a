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
    assert short.exit_code == 2 and "at least 8" in short.output


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
        from pwa.cases.operations import pending_misses
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
        assert set(db.session.scalars(sa.select(RecoveryCase.status).where(
            RecoveryCase.case_id.in_(history)))) == {"dispositioned"}
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
