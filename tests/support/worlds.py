"""The worlds of the workflow tests: W1, W2 and W3 make each step's calls as the right people (one cookie
session at a time), set up what a step needs through the real operations, and read back what it wrote;
Sweep is W2 with time travel and `flask sweep`. Their fixtures are in tests/support/fixtures.py."""
from datetime import datetime, timedelta

import sqlalchemy as sa

from pwa.extensions import db
from tests.support.clock import ny
from tests.support.payloads import (
    attempt_payload, classification_payload, communication_body, determination_body, disposition_payload,
    event_payload, future, open_payload, release_payload, review_body,
)

FEED = "schedule-feed"
# Who is signed in is not workflow state.
# Not workflow records: accounts, and the access record (every request that reads a person's data writes one).
ACCOUNT_TABLES = {"users", "user_roles", "api_tokens", "sign_in_sessions", "access_records"}


# Tables a workflow-2 step may write (a refused step must leave every one unchanged).
W2_TABLES = ("recovery_cases", "recovery_attempts", "recovery_dispositions", "appointments", "escalations",
             "archive_entries")
UNAPPROVED_EMAIL = [
    {"channel": "phone_call", "value": "+1 555 0100", "approved": True, "preferred": True},
    {"channel": "sms", "value": "+1 555 0100", "approved": True},
    {"channel": "email", "value": "person@example.org", "approved": False},
]


CLASSIFY = {
    "person_refusal": dict(final_classification="person_refusal", service_failure_contribution="none",
                           contributing_factors=["health"], access_barrier_likelihood="low"),
    "access_barrier": dict(final_classification="access_barrier", service_failure_contribution="contributing",
                           contributing_factors=["transport"]),
    "service_side_failure": dict(final_classification="service_side_failure", service_failure_contribution="primary",
                                 contributing_factors=["scheduling"]),
}
CODES = {"person_refusal": "NS-REFUSAL", "access_barrier": "NS-ACCESS", "service_side_failure": "NS-SERVICE"}
W3_TABLES = ("threshold_reviews", "panel_determinations", "decision_communications", "restrictions", "escalations",
             "archive_entries", "threshold_policies")


def workflow_counts(app) -> dict[str, int]:
    """Rows per workflow table (cases, schedule, workflow-1 records, escalations, archive)."""
    with app.app_context():
        return {t.name: db.session.scalar(sa.select(sa.func.count()).select_from(t))
                for t in db.metadata.sorted_tables if t.name not in ACCOUNT_TABLES}


def changes(before: dict, after: dict) -> dict[str, int]:
    return {name: after[name] - before[name] for name in after if after[name] != before[name]}


def recovery_counts(app) -> dict[str, int]:
    with app.app_context():
        return {name: db.session.scalar(sa.text(f"SELECT count(*) FROM {name}")) for name in W2_TABLES}


def recovery_row(app, case_id) -> dict:
    with app.app_context():
        row = db.session.execute(sa.text("SELECT * FROM recovery_cases WHERE id = :id"), {"id": case_id})
        return dict(row.mappings().one())


def review_counts(app) -> dict[str, int]:
    with app.app_context():
        return {name: db.session.scalar(sa.text(f"SELECT count(*) FROM {name}")) for name in W3_TABLES}


def instructed_case(auth, factory, risk_flags=(), modality="in_person", routes=None) -> int:
    """A recovery case in status `instructed`, assigned to olu, made through workflow 1."""
    auth.user("cora", "coordinator")
    auth.user("sam", "attendance_supervisor")
    auth.user("olu", "outreach_worker")
    auth.user("sade", "service_supervisor")
    case_ref = factory.case(risk_flags=risk_flags, worker="olu", routes=routes)
    appointment = factory.appointment(case_ref, modality=modality)
    auth.login("cora")
    event = auth.post("/api/v1/missed-contacts", event_payload(appointment)).get_json()
    auth.login("sam")
    auth.post(f"/api/v1/missed-contacts/{event['id']}/classification", classification_payload())
    auth.login("cora")
    return auth.post(f"/api/v1/missed-contacts/{event['id']}/release", release_payload()).get_json()["recovery_case_id"]


def route_id(auth, case_id, channel="phone_call") -> int:
    case = auth.get(f"/api/v1/recovery-cases/{case_id}").get_json()
    return next(r["id"] for r in case["contact_routes"] if r["channel"] == channel)


class W1:
    """Workflow-1 calls as the right people, with a cookie session (one user signed in at a time)."""

    def __init__(self, app, auth, factory):
        self.app, self.auth, self.factory = app, auth, factory
        self.signed_in = None
        self._token = None
        # The cast, made on first use: the coordinator, the attendance supervisor, a manager,
        # a quality lead and an auditor.
        self.roles = {"cora": ["coordinator"], "sam": ["attendance_supervisor"], "mona": ["manager"],
                      "quinn": ["quality_lead"], "audrey": ["auditor"]}
        auth.user("cora", "coordinator")  # the factory's schedule feed acts as the first user

    def as_user(self, name: str, *roles: str):
        if roles:
            self.roles[name] = list(roles)
        self.auth.user(name, *self.roles[name])
        if self.signed_in != name:
            self.auth.login(name)
            self.signed_in = name
        return self

    def clock_jumped(self):
        """After a jump past the idle timeout every session has ended: sign in again on next use."""
        self.signed_in = None

    def post(self, path, body, as_user):
        self.as_user(as_user)
        return self.auth.post(path, body)

    def get(self, path, as_user="audrey"):
        self.as_user(as_user)
        response = self.auth.get(path)
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    # --- steps ---
    def open(self, appointment=None, as_user="cora", **overrides):
        appointment = appointment or self.factory.appointment()
        return self.post("/api/v1/missed-contacts", event_payload(appointment, **overrides), as_user)

    def opened(self, appointment=None, **overrides) -> dict:
        response = self.open(appointment, **overrides)
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    def classify(self, event_id, as_user="sam", **overrides):
        return self.post(f"/api/v1/missed-contacts/{event_id}/classification", classification_payload(**overrides),
                         as_user)

    def confirmed(self, event=None, **overrides) -> tuple[dict, dict]:
        event = event or self.opened()
        response = self.classify(event["id"], **overrides)
        assert response.status_code == 201, response.get_json()
        return event, response.get_json()

    def evidence(self, event_id, body=None, as_user="cora"):
        return self.post(f"/api/v1/missed-contacts/{event_id}/evidence",
                         body or {"evidence": "Called the bus company: route 12 cancelled that morning."}, as_user)

    def release(self, event_id, as_user="cora", **overrides):
        return self.post(f"/api/v1/missed-contacts/{event_id}/release", release_payload(**overrides), as_user)

    def acknowledge(self, escalation_id, note, as_user="mona"):
        return self.post(f"/api/v1/escalations/{escalation_id}/acknowledge", {"note": note}, as_user)

    def event(self, event_id, as_user="sam") -> dict:
        return self.get(f"/api/v1/missed-contacts/{event_id}", as_user)

    # --- integrations ---
    def token(self) -> str:
        if self._token is None:
            from pwa.accounts.operations import create_token

            with self.app.app_context():
                self._token = create_token(FEED, ["integration"])
                db.session.commit()
        return self._token

    def bearer_post(self, path, body):
        client = self.app.test_client()  # no cookie: the token alone authenticates
        return client.post(path, json=body, headers={"Authorization": f"Bearer {self.token()}"})

    # --- database ---
    def escalations(self, rule=None) -> list[dict]:
        from pwa.escalations.models import Escalation

        with self.app.app_context():
            query = sa.select(Escalation).order_by(Escalation.id)
            if rule:
                query = query.filter_by(rule=rule)
            return [{"id": e.id, "rule": e.rule, "level": e.level, "subject_type": e.subject_type,
                     "subject_id": e.subject_id, "case_ref": e.case_ref, "reason": e.reason,
                     "acknowledged_at": e.acknowledged_at, "note": e.note}
                    for e in db.session.scalars(query)]

    def rows(self, model, **filters) -> list:
        with self.app.app_context():
            rows = db.session.scalars(sa.select(model).filter_by(**filters)).all()
            db.session.expunge_all()
            return rows

    def folder(self, folder: str) -> list[dict]:
        return self.get(f"/api/v1/archive/{folder}?per_page=500", "audrey")["items"]


class W2:
    """Workflow-2 calls as the right people (cookie sessions, one user signed in at a time)."""

    def __init__(self, app, auth, factory, now):
        self.app, self.auth, self.factory, self.now = app, auth, factory, now
        self.signed_in = None
        self.routes: dict[int, dict[str, int]] = {}
        for name, role in {"cora": "coordinator", "sam": "attendance_supervisor", "olu": "outreach_worker",
                           "ola": "outreach_worker", "sade": "service_supervisor", "dana": "duty_manager",
                           "audrey": "auditor"}.items():
            auth.user(name, role)

    def as_user(self, name: str):
        if self.signed_in != name:
            self.auth.login(name)
            self.signed_in = name
        return self

    def post(self, path, body, as_user):
        self.as_user(as_user)
        return self.auth.post(path, body)

    def get(self, path, as_user):
        self.as_user(as_user)
        return self.auth.get(path)

    # --- setting up ---
    def case(self, risk_flags=(), modality="in_person", routes=None, worker="olu") -> int:
        """A recovery case in status `instructed` for `worker`. Workflow 1 runs through its real operations
        (as in `instructed_case`, without the HTTP round trips: workflow 1 is not under test here)."""
        from pwa.accounts.models import User
        from pwa.intake import operations as intake
        from pwa.recovery.queries import recovery_case_for

        case_ref = self.factory.case(risk_flags=risk_flags, worker=worker, routes=routes)
        appointment = self.factory.appointment(case_ref, modality=modality)
        with self.app.app_context():
            cora, sam = (db.session.scalar(sa.select(User).filter_by(username=name)) for name in ("cora", "sam"))
            event = intake.open_missed_contact(event_payload(appointment), cora)
            intake.classify_missed_contact(event.id, classification_payload(), sam)
            recovery = recovery_case_for(intake.release_code(event.id, release_payload(), cora))
            case_id = recovery.id
            self.routes[case_id] = {r.channel: r.id for r in recovery.case.contact_routes}
            db.session.commit()
            db.session.remove()
        return case_id

    def route(self, case_id, channel="phone_call") -> int:
        return self.routes[case_id][channel]

    def opened_case(self, tier="1", **kwargs) -> int:
        case_id = self.case(**kwargs)
        response = self.open(case_id, recovery_priority_tier=tier)
        assert response.status_code == 200, response.get_json()
        return case_id

    # --- steps ---
    def read(self, case_id, as_user="olu"):
        return self.get(f"/api/v1/recovery-cases/{case_id}", as_user)

    def open(self, case_id, as_user="olu", **overrides):
        return self.post(f"/api/v1/recovery-cases/{case_id}/open", open_payload(self.route(case_id), **overrides),
                         as_user)

    def attempt(self, case_id, as_user="olu", at=None, body=None, **overrides):
        body = body or attempt_payload(at or self.now, **overrides)
        return self.post(f"/api/v1/recovery-cases/{case_id}/attempts", body, as_user)

    def attempted(self, case_id, **overrides) -> dict:
        response = self.attempt(case_id, **overrides)
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    def dispose(self, case_id, as_user="sade", evidence=(), route=None, body=None, **overrides):
        body = body or disposition_payload(route or self.route(case_id), evidence=evidence, **overrides)
        return self.post(f"/api/v1/recovery-cases/{case_id}/disposition", body, as_user)

    def decide(self, case_id, attempt_id, decision, as_user="sade"):
        return self.post(f"/api/v1/recovery-cases/{case_id}/attempts/{attempt_id}/exception",
                         {"decision": decision}, as_user)

    # --- reading back ---
    def escalations(self, rule=None) -> list[dict]:
        from pwa.escalations.models import Escalation

        with self.app.app_context():
            query = sa.select(Escalation).order_by(Escalation.id)
            if rule:
                query = query.filter_by(rule=rule)
            return [{"id": e.id, "rule": e.rule, "level": e.level, "subject_type": e.subject_type,
                     "subject_id": e.subject_id} for e in db.session.scalars(query)]

    def folder(self, folder, case_ref=None) -> list[dict]:
        response = self.get(f"/api/v1/archive/{folder}?per_page=500" + (f"&case_ref={case_ref}" if case_ref else ""),
                            "audrey")
        assert response.status_code == 200, response.get_json()
        return response.get_json()["items"]


class W3:
    """Workflow-3 calls as the right people (one user signed in at a time)."""

    PEOPLE = {"cora": "coordinator", "sam": "attendance_supervisor", "gina": "governance_lead", "pat": "panel_chair",
              "ian": "integration", "evan": "executive", "ada": "admin", "olu": "outreach_worker",
              "sade": "service_supervisor"}

    def __init__(self, app, auth, factory):
        self.app, self.auth, self.factory = app, auth, factory
        self.signed_in = None
        for name, role in self.PEOPLE.items():
            auth.user(name, role)

    def as_user(self, name):
        if self.signed_in != name:
            self.auth.login(name)
            self.signed_in = name
        return self

    def post(self, path, body, as_user):
        self.as_user(as_user)
        return self.auth.post(path, body)

    def get(self, path, as_user="gina"):
        self.as_user(as_user)
        return self.auth.get(path)

    def user(self, name):
        from pwa.accounts.models import User
        return db.session.scalar(sa.select(User).filter_by(username=name))

    # --- setting up (workflow 1 through its operations; it is not under test here) ---
    def released(self, case_ref, classification="person_refusal", days_ago=1, route="clinical", dispose=None):
        """One released code for `case_ref`, its appointment `days_ago` days back. With dispose=n, the recovery
        case (route outreach) is opened and disposed with n unresolved barriers."""
        from pwa.clock import utcnow
        from pwa.intake import operations as intake
        from pwa.recovery.queries import recovery_case_for

        at = (utcnow() - timedelta(days=days_ago)).replace(second=0, microsecond=0)
        appt = self.factory.appointment(case_ref, scheduled_at=at)
        with self.app.app_context():
            cora, sam = self.user("cora"), self.user("sam")
            event = intake.open_missed_contact(event_payload(appt), cora)
            intake.classify_missed_contact(event.id, classification_payload(**CLASSIFY[classification]), sam)
            release = intake.release_code(event.id, release_payload(
                permanent_code=CODES[classification], follow_up_route=route), cora)
            recovery_id = None
            if route == "outreach":
                recovery_id = recovery_case_for(release).id
                if dispose is not None:
                    self._dispose(recovery_id, dispose)
            db.session.commit()
            event_id = event.id
            db.session.remove()
        return event_id, recovery_id

    def _dispose(self, recovery_id, barriers):
        from pwa.recovery import operations as rec
        from pwa.recovery.models import RecoveryCase

        recovery = db.session.get(RecoveryCase, recovery_id)
        worker = self.user("olu")
        recovery.assigned_worker_id = worker.id
        route = recovery.case.approved_routes[0].id
        rec.open_recovery_case(recovery_id, {"recovery_priority_tier": "1", "approved_contact_route": route,
                                             "immediate_welfare_concern": "no", "service_impact_score": 2,
                                             "next_checkpoint_date": future(2)}, worker)
        rec.record_disposition(recovery_id, {"continuity_restored": "no", "continuity_evidence": [],
                                             "replacement_contact_route": route, "unresolved_barrier_count": barriers,
                                             "locked_instruction": "welfare_escalation", "review_date": future(7)},
                               self.user("sade"))

    def case_at_level(self, classifications=("person_refusal",) * 3, **kwargs) -> tuple[str, int]:
        """A case whose released codes (one a day, most recent last) reach a level: (case_ref, review id)."""
        case_ref = self.factory.case(worker="olu")
        for n, classification in enumerate(classifications):
            self.released(case_ref, classification, days_ago=len(classifications) - n, **kwargs)
        return case_ref, self.review_id(case_ref)

    def review_id(self, case_ref):
        rows = self.get("/api/v1/threshold-reviews").get_json()["items"]
        ids = [r["id"] for r in rows if r["case_ref"] == case_ref and r["status"] != "superseded"]
        return max(ids) if ids else None

    # --- steps ---
    def read(self, review_id, as_user="gina"):
        return self.get(f"/api/v1/threshold-reviews/{review_id}", as_user)

    def figures(self, review_id):
        return self.read(review_id).get_json()["figures"]

    def review(self, review_id, as_user="gina", **overrides):
        return self.post(f"/api/v1/threshold-reviews/{review_id}/review",
                         review_body(self.figures(review_id), **overrides), as_user)

    def determine(self, review_id, as_user="pat", **overrides):
        return self.post(f"/api/v1/threshold-reviews/{review_id}/determination", determination_body(**overrides),
                         as_user)

    def communicate(self, review_id, as_user="cora", **overrides):
        return self.post(f"/api/v1/threshold-reviews/{review_id}/communication", communication_body(**overrides),
                         as_user)

    def restrict(self, case_ref, kind="warning", source="automatic", as_user="ian"):
        return self.post(f"/api/v1/cases/{case_ref}/restrictions", {"kind": kind, "source": source}, as_user)

    def through(self, review_id, upto="3c", **determination):
        assert self.review(review_id).status_code == 200
        if upto == "3a":
            return
        response = self.determine(review_id, **determination)
        assert response.status_code == 201, response.get_json()
        if upto == "3b":
            return
        response = self.communicate(review_id)
        assert response.status_code == 201, response.get_json()

    def escalations(self, rule=None) -> list:
        from pwa.escalations.models import Escalation
        with self.app.app_context():
            query = sa.select(Escalation).order_by(Escalation.id)
            if rule:
                query = query.filter_by(rule=rule)
            rows = [{"rule": e.rule, "level": e.level, "subject_type": e.subject_type, "subject_id": e.subject_id,
                     "reason": e.reason, "id": e.id} for e in db.session.scalars(query)]
            db.session.remove()
        return rows

    def folder(self, folder) -> list:
        from pwa.archive.models import ArchiveEntry
        with self.app.app_context():
            rows = [(e.step, e.action, e.entity) for e in
                    db.session.scalars(sa.select(ArchiveEntry).filter_by(folder=folder).order_by(ArchiveEntry.seq))]
            db.session.remove()
        return rows


TUESDAY = ny(2026, 11, 17, 10, 0)


class Sweep(W2):
    def __init__(self, app, auth, factory, time_machine):
        super().__init__(app, auth, factory, now=None)
        self.time_machine = time_machine
        self.runner = app.test_cli_runner()

    def at(self, moment: datetime) -> "Sweep":
        """Travel to `moment` (the clock stands still there); sign in again when next needed."""
        self.time_machine.move_to(moment, tick=False)
        self.now = moment
        self.signed_in = None
        return self

    def run(self) -> str:
        result = self.runner.invoke(args=["sweep"])
        assert result.exit_code == 0, (result.output, result.exception)
        assert "sweep done" in result.output
        return result.output

    def raised(self, rule=None, case_id=None) -> list[dict]:
        rows = self.escalations(rule)
        if case_id is not None:
            rows = [e for e in rows if (e["subject_type"], e["subject_id"]) == ("recovery_cases", case_id)]
        return rows

    def verify_archive(self):
        result = self.runner.invoke(args=["audit", "verify"])
        assert result.exit_code == 0, result.output
        assert "archive intact" in result.output


def open_and_classify(auth, factory):
    """An appointment missed, its event opened by the coordinator and classified by the supervisor (API)."""
    auth.user("cora", "coordinator")
    auth.user("sam", "attendance_supervisor")
    appointment = factory.appointment()
    auth.login("cora")
    event = auth.post("/api/v1/missed-contacts", event_payload(appointment)).get_json()
    auth.login("sam")
    assert auth.post(f"/api/v1/missed-contacts/{event['id']}/classification",
                     classification_payload()).status_code == 201
    return event
