"""A small organisation for the outcome-figure tests, built step by step through the real operations at
exact local times (pwa.clock.acting_at), so each record carries the deadlines the app itself stores.
Workflow-3 records, whose figures only count by time, are inserted directly."""
import uuid
from datetime import datetime, timedelta

import sqlalchemy as sa

from pwa.accounts.models import User
from pwa.accounts.operations import create_user
from pwa.clock import acting_at
from pwa.errors import WorkflowRefused
from pwa.extensions import db

PEOPLE = {
    "cora": ("coordinator", "North"), "cody": ("coordinator", "South"),
    "sam": ("attendance_supervisor", None), "sue": ("attendance_supervisor", None),
    "olu": ("outreach_worker", "North"), "otto": ("outreach_worker", "South"),
    "sade": ("service_supervisor", None), "mona": ("manager", None), "max": ("manager", None),
    "evan": ("executive", None), "gina": ("governance_lead", None), "pat": ("panel_chair", None),
}
SLOT = "Offered Thursday 3 Dec at 14:00 with the same counsellor"


class Org:
    """Call inside an app context. Every step commits, as a request would."""

    def __init__(self):
        self.count = 0
        for name, (role, team) in PEOPLE.items():
            if db.session.scalar(sa.select(User).filter_by(username=name)) is None:
                create_user(name, "correct horse battery", [role], team=team)
        db.session.commit()

    def user(self, name: str) -> User:
        return db.session.scalar(sa.select(User).filter_by(username=name))

    def _next(self, prefix: str) -> str:
        self.count += 1
        return f"{prefix}-{self.count:04d}"

    def case(self, team: str, worker: str, high_risk: bool = False, ref: str | None = None) -> str:
        from pwa.cases.operations import upsert_case

        ref = ref or self._next("C")
        upsert_case({"case_ref": ref, "display_name": f"Person {ref}", "team": team,
                     "risk_flags": ["medication"] if high_risk else [],
                     "contact_routes": [{"channel": "phone_call", "value": "+1 555 0100", "approved": True,
                                         "preferred": True}],
                     "assigned_outreach_worker": worker})
        db.session.commit()
        return ref

    def appointment(self, case_ref: str, at: datetime, seen_at: datetime | None = None) -> str:
        """On the live schedule; `seen_at` is when the feed sent it (after the grace: a detected miss)."""
        from pwa.cases.operations import upsert_appointment

        ref = self._next("A")
        with acting_at(seen_at or at - timedelta(days=1)):
            upsert_appointment({"appointment_ref": ref, "case_ref": case_ref, "scheduled_at": at.isoformat(),
                                "service": "Counselling", "modality": "in_person"}, self.user("cora"))
            db.session.commit()
        return ref

    def open(self, case_ref: str, at: datetime, opened_at: datetime, by: str = "cora") -> int:
        """A missed appointment at `at` and its event opened (1a) at `opened_at`."""
        from pwa.intake.operations import open_missed_contact

        ref = self.appointment(case_ref, at)
        with acting_at(opened_at):
            event = open_missed_contact({
                "case_ref": case_ref, "appointment_ref": ref, "scheduled_at": at.isoformat(),
                "event_type": "missed_appointment", "service_disruption_known": "no",
                "contactability_status": "reachable",
                "next_checkpoint_date": (opened_at.date() + timedelta(days=3)).isoformat()}, self.user(by))
            db.session.commit()
            return event.id

    def classify(self, event_id: int, at: datetime, outcome: str = "confirm", final: str = "access_barrier",
                 by: str = "sam") -> None:
        from pwa.intake.operations import classify_missed_contact

        contribution, factors = {"access_barrier": ("contributing", ["transport"]),
                                 "service_side_failure": ("primary", ["scheduling"]),
                                 "person_refusal": ("none", ["health"]),
                                 "undetermined": ("none", ["other"])}[final]
        with acting_at(at):
            classify_missed_contact(event_id, {
                "final_classification": final, "outcome": outcome, "access_barrier_likelihood": "medium",
                "service_failure_contribution": contribution, "contributing_factors": factors,
                "unresolved_dependency_count": 0, "evidence_summary": "Checked with the person by phone."},
                self.user(by))
            db.session.commit()

    def evidence(self, event_id: int, at: datetime, by: str = "cora") -> None:
        from pwa.intake.operations import add_evidence

        with acting_at(at):
            add_evidence(event_id, {"evidence": "The bus company confirmed the cancelled route."}, self.user(by))
            db.session.commit()

    def release(self, event_id: int, at: datetime, route: str = "outreach", code: str = "NS-ACCESS",
                by: str = "cora") -> int | None:
        from pwa.intake.operations import release_code
        from pwa.recovery.queries import recovery_case_for

        with acting_at(at):
            release = release_code(event_id, {
                "permanent_code": code, "follow_up_required": "no" if route == "none" else "yes",
                "follow_up_route": route, "review_date": (at.date() + timedelta(days=7)).isoformat()}, self.user(by))
            recovery = recovery_case_for(release)
            db.session.commit()
            return recovery.id if recovery else None

    def recovery(self, case_ref: str, miss_at: datetime, by: str = "olu", high_risk: bool = False) -> int:
        """Workflow 1 at the pace the spec asks (open +10 min, classify +20, release +30), then the
        recovery case opened at +40 min by its outreach worker."""
        from pwa.recovery.operations import open_recovery_case

        event = self.open(case_ref, miss_at, miss_at + timedelta(minutes=10))
        self.classify(event, miss_at + timedelta(minutes=20))
        recovery_id = self.release(event, miss_at + timedelta(minutes=30))
        opened = miss_at + timedelta(minutes=40)
        with acting_at(opened):
            from pwa.recovery.models import RecoveryCase
            route = db.session.get(RecoveryCase, recovery_id).case.approved_routes[0].id
            open_recovery_case(recovery_id, {
                "recovery_priority_tier": "1" if high_risk else "2", "approved_contact_route": route,
                "immediate_welfare_concern": "no", "service_impact_score": 3,
                "next_checkpoint_date": (opened.date() + timedelta(days=2)).isoformat()}, self.user(by))
            db.session.commit()
        return recovery_id

    def attempt(self, recovery_id: int, at: datetime, outcome: str, by: str = "olu") -> int:
        from pwa.recovery.operations import record_attempt

        with acting_at(at):
            attempt, _created = record_attempt(recovery_id, {
                "attempt_at": at.isoformat(), "channel": "phone_call", "outcome": outcome, "barrier_signal": "none",
                "rescue_option": "alternate_slot", "rescue_detail": SLOT, "client_id": str(uuid.uuid4())},
                self.user(by))
            db.session.commit()
            return attempt.id

    def dispose(self, recovery_id: int, at: datetime, restored: str, evidence=(), by: str = "sade") -> None:
        from pwa.recovery.models import RecoveryCase
        from pwa.recovery.operations import record_disposition

        with acting_at(at):
            route = db.session.get(RecoveryCase, recovery_id).case.approved_routes[0].id
            record_disposition(recovery_id, {
                "continuity_restored": restored, "continuity_evidence": list(evidence),
                "replacement_contact_route": route, "unresolved_barrier_count": 0,
                "locked_instruction": "alternate_modality", "instruction_detail": "Video sessions for two weeks",
                "review_date": (at.date() + timedelta(days=7)).isoformat(), "client_id": str(uuid.uuid4())},
                self.user(by))
            db.session.commit()

    def code_without_release(self, case_ref: str, at: datetime, by: str = "cora") -> None:
        """A permanent code entered for an appointment with no released event: refused, E1 raised."""
        from pwa.intake.operations import apply_attendance_code

        ref = self.appointment(case_ref, at - timedelta(hours=1))
        with acting_at(at):
            try:
                apply_attendance_code({"appointment_ref": ref, "code": "NS-REFUSAL"}, self.user(by), source="the test")
            except WorkflowRefused as refused:
                assert refused.escalation_id
                db.session.commit()
            else:  # pragma: no cover - the rule under test would be broken
                raise AssertionError("a code with no release was accepted")

    def escalation(self, rule: str, case_ref: str, raised_at: datetime, acknowledged_at: datetime | None = None,
                   by: str | None = None) -> int:
        from pwa.cases.models import Case
        from pwa.escalations.operations import acknowledge_escalation, raise_escalation

        with acting_at(raised_at):
            case = db.session.scalar(sa.select(Case).filter_by(case_ref=case_ref))
            escalation = raise_escalation(rule, subject=case, case_ref=case_ref, reason="Test escalation.")
            db.session.commit()
            escalation_id = escalation.id
        if acknowledged_at is not None:
            with acting_at(acknowledged_at):
                acknowledge_escalation(escalation_id, user=self.user(by), note="Checked and called the team.")
                db.session.commit()
        return escalation_id

    # --- workflow 3, inserted directly: these figures count records by the time of their step ---------

    def review(self, case_ref: str, initiated_at: datetime, reviewed_by: str | None = None) -> int:
        from pwa.cases.models import Case
        from pwa.review.models import ThresholdReview
        from pwa.review.policy import current_policy

        case = db.session.scalar(sa.select(Case).filter_by(case_ref=case_ref))
        review = ThresholdReview(
            case_id=case.id, policy_id=current_policy().id, level="warning", status="awaiting_review",
            initiated_at=initiated_at, window_start=initiated_at - timedelta(days=60), window_end=initiated_at,
            review_due_at=initiated_at + timedelta(days=1), determination_due_at=initiated_at + timedelta(days=1),
            reviewer_id=self.user(reviewed_by).id if reviewed_by else None,
            validation_timestamp=initiated_at + timedelta(hours=2) if reviewed_by else None)
        db.session.add(review)
        db.session.commit()
        return review.id

    def determination(self, review_id: int, at: datetime, decision: str) -> int:
        from pwa.review.models import PanelDetermination

        restrictive = decision in ("warning", "service_intensity_change", "closure")
        row = PanelDetermination(
            review_id=review_id, panel_decision=decision, barrier_remediation_status="completed",
            proportionality_result="affirmative" if restrictive else "not_affirmative",
            proportionality_rationale="Test.", unresolved_dependency_count=0, counted_classifications=[],
            due_at=at, reviewer_id=self.user("pat").id, validation_timestamp=at, control_status="met")
        db.session.add(row)
        db.session.commit()
        return row.id

    def communication(self, review_id: int, at: datetime, objection: bool) -> int:
        from pwa.review.models import DecisionCommunication

        row = DecisionCommunication(
            review_id=review_id, decision_explained="direct_contact", alternative_pathway_offered="Evening group",
            appeal_route_provided="Write to the panel within 14 days", objection_raised="yes" if objection else "no",
            review_date=at.date(), reviewer_id=self.user("cora").id, validation_timestamp=at, control_status="met")
        db.session.add(row)
        db.session.commit()
        return row.id

    def restriction(self, review_id: int, determination_id: int, communication_id: int, at: datetime,
                    kind: str) -> None:
        from pwa.review.models import Restriction, ThresholdReview

        review = db.session.get(ThresholdReview, review_id)
        db.session.add(Restriction(case_id=review.case_id, review_id=review_id, determination_id=determination_id,
                                   communication_id=communication_id, kind=kind, source="manual",
                                   requested_by_id=self.user("gina").id, implemented_at=at))
        db.session.commit()
