"""Workflow 1's order holds under any sequence of API calls (a hypothesis state machine).

Random sequences of open / classify (confirm or return) / add evidence / acknowledge E2 /
release / attendance codes (coordinator, integration and schedule feed) on a handful of
appointments. A small model predicts each response; after every step the database is checked
against the rules that must never break, whatever the order:

* no AttendanceCode without the Release that applied it;
* no Release unless its event's latest classification is a confirmation;
* no Release made while an E2 on its classification was unacknowledged;
* a refused call (403/409/422) changes nothing, except the E1 escalation a refused code raises
  and that escalation's archive entry.

One rule draws the next call from the calls the current state allows, weighted towards the
ones that move an event forward, so that short sequences still reach releases and E2s; the
others aim at any event and are mostly refused, which is the order under test.
"""
from dataclasses import dataclass, field
from datetime import timedelta

import hypothesis
import sqlalchemy as sa
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from conftest import Factory, empty_database
from pwa.extensions import db
from tests.support.payloads import event_payload

APPOINTMENTS = 3
CODES = ("NS-REFUSAL", "NS-ACCESS", "NS-SERVICE", "DNA")
EXPECTED_CODE = {"person_refusal": "NS-REFUSAL", "access_barrier": "NS-ACCESS",
                 "service_side_failure": "NS-SERVICE"}
SERVICE_SIDE = {"transport", "scheduling", "communication", "site_entry"}
FACTORS = ("transport", "site_entry", "health", "housing", "technology")
# Everything a workflow-1 call may write; compared row by row around each refused call.
WORKFLOW_TABLES = ("cases", "appointments", "missed_contacts", "classifications", "evidence_additions",
                   "releases", "attendance_codes", "clinical_follow_ups", "recovery_cases")
TOKENS = {"cora": ["coordinator"], "dual": ["coordinator", "attendance_supervisor"],
          "sam": ["attendance_supervisor"], "mona": ["manager"], "feed": ["integration"]}

WHO_OPENS = st.sampled_from(["cora", "dual"])
WHO_CLASSIFIES = st.sampled_from(["sam", "sam", "dual"])
CLASSIFICATION = st.fixed_dictionaries({
    "final": st.sampled_from(["person_refusal", "person_refusal", "access_barrier", "service_side_failure",
                              "undetermined"]),
    "outcome": st.sampled_from(["confirm", "confirm", "return_for_evidence"]),
    "contribution": st.sampled_from(["contributing", "none", "primary"]),
    "factors": st.lists(st.sampled_from(FACTORS), unique=True, max_size=3),
    "dependencies": st.integers(0, 3),
})
RELEASE = st.fixed_dictionaries({
    "code": st.sampled_from(["matching", "matching", *CODES[:3]]),
    "follow_up": st.sampled_from([("yes", "outreach"), ("yes", "clinical"), ("no", "none"), ("yes", "none"),
                                  ("no", "outreach")]),
    "review_in_days": st.sampled_from([7, 0, 7, -1]),
})


@dataclass
class EventModel:
    id: int
    opener: str
    disruption: str
    status: str = "queued"
    e2_id: int | None = None
    e2_open: bool = False
    released_code: str | None = None
    classifications: list = field(default_factory=list)  # (id, final_classification, outcome)


@dataclass
class Expect:
    status: int
    rule: str | None = None
    raises_e1: bool = False

    @property
    def refused(self) -> bool:
        return self.status >= 400


def make_machine(app):
    class Workflow1Order(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            from pwa.accounts.operations import create_token

            empty_database(app)  # each example starts from an empty database
            self.client = app.test_client()
            with app.app_context():
                self.tokens = {name: create_token(name, roles) for name, roles in TOKENS.items()}
                db.session.commit()
            factory = Factory(app)
            self.appointments = [factory.appointment(minutes_ago=20 + 5 * i) for i in range(APPOINTMENTS)]
            self.events: dict[int, EventModel] = {}  # appointment index -> its event
            self.e1_count = 0
            self.new_refs = 0

        # --- calling the API and checking the answer -----------------------------------------
        def snapshot(self) -> dict:
            with app.app_context():
                return {t.name: [tuple(r) for r in db.session.execute(
                    sa.select(t).order_by(*t.primary_key.columns)).all()]
                    for t in db.metadata.sorted_tables
                    if t.name in WORKFLOW_TABLES or t.name in ("escalations", "archive_entries")}

        def call(self, path, body, who, expect: Expect) -> dict:
            before = self.snapshot() if expect.refused else None
            response = self.client.post(path, json=body,
                                        headers={"Authorization": f"Bearer {self.tokens[who]}"})
            body = response.get_json(silent=True) or {}
            assert response.status_code == expect.status, (path, expect, response.status_code, body)
            hypothesis.event(f"{path.split('/')[-1]} {expect.status} {expect.rule or ''}".strip())
            if expect.status == 409:
                assert body.get("rule") == expect.rule, body
                assert body.get("reasons"), body
            if expect.status == 422:
                assert body.get("errors"), body
            if expect.refused:
                self.nothing_changed(before, body, expect)
            return body

        def nothing_changed(self, before, body, expect: Expect):
            after = self.snapshot()
            for table in WORKFLOW_TABLES:
                assert after[table] == before[table], f"a refused call ({expect}) changed {table}"
            added = {}
            for name in ("escalations", "archive_entries"):
                assert after[name][:len(before[name])] == before[name], f"a refused call rewrote {name}"
                added[name] = after[name][len(before[name]):]
            if expect.raises_e1:
                assert len(added["escalations"]) == 1 and len(added["archive_entries"]) == 1, added
                from pwa.escalations.models import Escalation

                with app.app_context():
                    escalation = db.session.get(Escalation, body["escalation_id"])
                    assert (escalation.rule, escalation.level) == ("E1", "attendance_supervisor")
                self.e1_count += 1
            else:
                assert added == {"escalations": [], "archive_entries": []}, added

        def with_status(self, *statuses) -> list[int]:
            return sorted(i for i, e in self.events.items() if e.status in statuses)

        # --- the calls -----------------------------------------------------------------------
        def open(self, i, who, disruption):
            exists = i in self.events
            body = self.call("/api/v1/missed-contacts",
                             event_payload(self.appointments[i], service_disruption_known=disruption), who,
                             Expect(409, "event_open") if exists else Expect(201))
            if not exists:
                assert body["status"] == "queued"
                self.events[i] = EventModel(body["id"], who, disruption)

        def classify(self, i, who, final, outcome, contribution, factors, dependencies):
            event = self.events[i]
            field_error = (final == "undetermined" and outcome == "confirm") or (
                contribution == "none" and (event.disruption == "yes" or bool(SERVICE_SIDE & set(factors))))
            if field_error:
                expect = Expect(422)
            elif event.status != "queued" or who == event.opener:
                expect = Expect(409, "classification_order")
            else:
                expect = Expect(201)
            body = {"final_classification": final, "outcome": outcome, "access_barrier_likelihood": "medium",
                    "service_failure_contribution": contribution, "contributing_factors": factors,
                    "unresolved_dependency_count": dependencies, "evidence_summary": "Spoke to the person."}
            record = self.call(f"/api/v1/missed-contacts/{event.id}/classification", body, who, expect)
            if expect.refused:
                return
            event.status = "confirmed" if outcome == "confirm" else "returned"
            assert record["missed_contact_status"] == event.status
            event.classifications.append((record["id"], final, outcome))
            e2 = outcome == "confirm" and final == "person_refusal" and dependencies > 0
            assert record["escalation_status"] == ("E2" if e2 else "none")
            if e2:
                from pwa.escalations.models import Escalation

                with app.app_context():
                    event.e2_id = db.session.scalar(sa.select(Escalation.id).filter_by(
                        rule="E2", level="manager", subject_type="classifications", subject_id=record["id"]))
                assert event.e2_id is not None
                event.e2_open = True

        def add_evidence(self, i, who):
            event = self.events[i]
            expect = Expect(201) if event.status == "returned" else Expect(409, "evidence_order")
            self.call(f"/api/v1/missed-contacts/{event.id}/evidence",
                      {"evidence": "Called the clinic: the reminder text was never sent."}, who, expect)
            if not expect.refused:
                event.status = "queued"

        def acknowledge(self, i, who, note):
            event = self.events[i]
            if who != "mona":
                expect = Expect(403)
            elif not note:
                expect = Expect(422)
            elif not event.e2_open:
                expect = Expect(409, "already_acknowledged")
            else:
                expect = Expect(200)
            body = self.call(f"/api/v1/escalations/{event.e2_id}/acknowledge", {"note": note}, who, expect)
            if not expect.refused:
                assert body["status"] == "acknowledged"
                event.e2_open = False

        def release(self, i, code, follow_up, review_in_days):
            from pwa.timekeeping import local_today

            event = self.events[i]
            required, route = follow_up
            confirmed = [c for c in event.classifications if c[2] == "confirm"]
            if code == "matching":
                code = EXPECTED_CODE[confirmed[-1][1]] if confirmed else "NS-ACCESS"
            if event.status != "confirmed" or event.e2_open:
                expect = Expect(409, "release_order")
            elif (code != EXPECTED_CODE[confirmed[-1][1]] or (required == "yes" and route == "none")
                  or (required == "no" and route != "none") or review_in_days < 0):
                expect = Expect(422)
            else:
                expect = Expect(201)
            with app.app_context():
                today = local_today()
            body = {"permanent_code": code, "follow_up_required": required, "follow_up_route": route,
                    "review_date": (today + timedelta(days=review_in_days)).isoformat()}
            record = self.call(f"/api/v1/missed-contacts/{event.id}/release", body, "cora", expect)
            if expect.refused:
                return
            assert record["permanent_code"] == code
            assert (record["recovery_case_id"] is not None) is (route == "outreach")
            assert record["escalation_status"] == ("E3" if route == "none" else "none")
            event.status = "released"
            event.released_code = code
            hypothesis.event("released" + (" after an acknowledged E2" if event.e2_id else ""))

        def post_code(self, i, code, via):
            """A permanent code from a coordinator, an integration or the schedule feed; i is None for
            a feed line about an appointment the schedule does not have yet."""
            if i is None:
                self.new_refs += 1
                via, appointment = "feed", {**self.appointments[0], "appointment_ref": f"A-NEW-{self.new_refs}"}
            else:
                appointment = self.appointments[i]
            event = self.events.get(i)
            released = event.released_code if event else None
            if released is None:
                expect = Expect(409, "E1", raises_e1=True)
            elif released != code:
                expect = Expect(409, "code_mismatch")
            else:
                expect = Expect(200)
            if via == "feed":
                body = {**{k: appointment[k] for k in ("appointment_ref", "case_ref", "scheduled_at")},
                        "service": "Counselling", "modality": "in_person", "attendance_code": code}
                path, who = "/api/v1/appointments", "feed"
            else:
                body = {"appointment_ref": appointment["appointment_ref"], "code": code}
                path, who = "/api/v1/attendance-codes", "cora" if via == "coordinator" else "feed"
            before = self.snapshot()
            self.call(path, body, who, expect)
            if expect.status == 200:  # the released code sent again: accepted, nothing new
                assert self.snapshot() == before

        # --- rules ---------------------------------------------------------------------------
        @initialize(openers=st.lists(st.tuples(st.integers(0, APPOINTMENTS - 1), WHO_OPENS,
                                               st.sampled_from(["no", "yes"])),
                                     max_size=APPOINTMENTS, unique_by=lambda opener: opener[0]))
        def some_events_already_open(self, openers):
            for opener in openers:
                self.open(*opener)

        @rule(data=st.data())
        def step(self, data):
            draw = data.draw
            every = sorted(self.events)
            # (weight, name, events it applies to): forward moves first, then calls on any event.
            moves = [
                (2, "classify", self.with_status("queued")),
                (1, "add_evidence", self.with_status("returned")),
                (2, "acknowledge", sorted(i for i, e in self.events.items() if e.e2_open)),
                (3, "release", self.with_status("confirmed")),
                (1, "open", [i for i in range(APPOINTMENTS) if i not in self.events]),
                (1, "code", list(range(APPOINTMENTS))),
                (1, "classify", every), (1, "add_evidence", every), (1, "release", every),
                (1, "acknowledge", sorted(i for i, e in self.events.items() if e.e2_id)),
                (1, "open", every), (1, "code_for_new_appointment", [None]),
            ]
            choices = [(name, targets) for weight, name, targets in moves if targets for _ in range(weight)]
            name, targets = draw(st.sampled_from(choices), label="call")
            i = draw(st.sampled_from(targets), label="target")
            if name == "open":
                self.open(i, draw(WHO_OPENS), draw(st.sampled_from(["no", "yes"])))
            elif name == "classify":
                self.classify(i, draw(WHO_CLASSIFIES), **draw(CLASSIFICATION))
            elif name == "add_evidence":
                self.add_evidence(i, draw(WHO_OPENS))
            elif name == "acknowledge":
                self.acknowledge(i, draw(st.sampled_from(["mona", "mona", "sam"])),
                                 draw(st.sampled_from(["Reviewed the dependencies with the team.", ""])))
            elif name == "release":
                self.release(i, **draw(RELEASE))
            else:
                self.post_code(i, draw(st.sampled_from(CODES)),
                               draw(st.sampled_from(["coordinator", "integration", "feed"])))

        # --- invariants ------------------------------------------------------------------------
        @invariant()
        def workflow_order_holds(self):
            from pwa.escalations.models import Escalation
            from pwa.intake.models import AttendanceCode, Classification, MissedContact, Release

            with app.app_context():
                s = db.session
                events = {e.id: e for e in s.execute(sa.select(
                    MissedContact.id, MissedContact.status, MissedContact.appointment_id))}
                classifications: dict[int, list] = {}
                for c in s.execute(sa.select(Classification.id, Classification.missed_contact_id,
                                             Classification.outcome, Classification.final_classification)
                                   .order_by(Classification.id)):
                    classifications.setdefault(c.missed_contact_id, []).append(c)
                releases = {r.id: r for r in s.execute(sa.select(
                    Release.id, Release.missed_contact_id, Release.classification_id, Release.permanent_code,
                    Release.validation_timestamp))}
                codes = s.execute(sa.select(AttendanceCode.appointment_id, AttendanceCode.code,
                                            AttendanceCode.release_id)).all()
                e2s = s.execute(sa.select(Escalation.subject_id, Escalation.acknowledged_at)
                                .filter_by(rule="E2", subject_type="classifications")).all()
                e1_count = s.scalar(sa.select(sa.func.count()).select_from(Escalation).filter_by(rule="E1"))

            # No attendance code without the release that applied it.
            for code in codes:
                release = releases.get(code.release_id)
                assert release is not None, "an attendance code without a release"
                assert events[release.missed_contact_id].appointment_id == code.appointment_id
                assert release.permanent_code == code.code
            # No release unless the event's latest classification confirmed it (with the matching
            # code), and never while an E2 on that classification was unacknowledged.
            for release in releases.values():
                latest = classifications[release.missed_contact_id][-1]
                assert latest.outcome == "confirm", "released without a confirmed classification"
                assert release.classification_id == latest.id
                assert release.permanent_code == EXPECTED_CODE[latest.final_classification]
                for subject_id, acknowledged_at in e2s:
                    if subject_id == release.classification_id:
                        assert acknowledged_at is not None, "released with an open E2"
                        assert not release.validation_timestamp < acknowledged_at, "released before the E2 ack"
            # Earlier classifications of an event were all returns for evidence.
            for rows in classifications.values():
                assert all(c.outcome == "return_for_evidence" for c in rows[:-1])
            # The database agrees with the model.
            assert sorted(events) == sorted(m.id for m in self.events.values())
            for model in self.events.values():
                assert events[model.id].status == model.status
                assert [c.id for c in classifications.get(model.id, [])] == [c[0] for c in model.classifications]
            assert {c.appointment_id: c.code for c in codes} == {
                events[m.id].appointment_id: m.released_code for m in self.events.values() if m.released_code}
            assert e1_count == self.e1_count

    return Workflow1Order


def test_no_sequence_of_calls_breaks_the_order_of_workflow_1(app, now):
    run_state_machine_as_test(
        make_machine(app),
        settings=settings(max_examples=25, stateful_step_count=15, deadline=None, database=None,
                          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]),
    )
