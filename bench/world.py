"""The organisation bench/load.py runs against: outreach workers with today's cases, made through the real
operations, and optionally a year of finished history cloned from one finished case per worker.

The history is written with bulk INSERTs: for each worker, the chain behind one finished recovery case
(appointment, missed-contact event, classification, release, recovery case, its attempts, disposition)
is copied HISTORY_CASES times, each copy moved back in time so the copies spread over the past year.
The copies are not in the archive: the screens measured never read it.
"""
import uuid
from datetime import date, datetime, timedelta

import sqlalchemy as sa

PASSWORD = "bench-password-1"
ATTEMPTS_PER_HISTORY_CASE = 8


def _event(appointment_ref: str, case_ref: str, scheduled_at: datetime) -> dict:
    return {"appointment_ref": appointment_ref, "case_ref": case_ref, "scheduled_at": scheduled_at.isoformat(),
            "event_type": "missed_appointment", "service_disruption_known": "no",
            "contactability_status": "reachable", "next_checkpoint_date": (date.today() + timedelta(days=3)).isoformat()}


CLASSIFICATION = {"final_classification": "access_barrier", "outcome": "confirm", "access_barrier_likelihood": "high",
                  "service_failure_contribution": "contributing", "contributing_factors": ["transport"],
                  "unresolved_dependency_count": 0, "evidence_summary": "Bus route cancelled; confirmed by phone."}


def _release() -> dict:
    return {"permanent_code": "NS-ACCESS", "follow_up_required": "yes", "follow_up_route": "outreach",
            "review_date": (date.today() + timedelta(days=7)).isoformat()}


def attempt_body(at: datetime, outcome: str = "no_answer") -> dict:
    return {"attempt_at": at.isoformat(), "channel": "phone_call", "outcome": outcome, "barrier_signal": "none",
            "rescue_option": "alternate_slot", "rescue_detail": "Offered Thursday at 14:00 with the same counsellor"}


def build(workers: int, cases_per_worker: int) -> dict:
    """Users and today's open recovery cases (plus one finished case per worker, the history's template).
    Run inside an app context on an empty, migrated database. Returns what the load needs."""
    from pwa.accounts.operations import create_user
    from pwa.cases.operations import upsert_appointment, upsert_case
    from pwa.clock import utcnow
    from pwa.extensions import db
    from pwa.intake import operations as intake
    from pwa.recovery import operations as recovery
    from pwa.recovery.queries import recovery_case_for

    cora = create_user("cora", PASSWORD, ["coordinator"])
    sam = create_user("sam", PASSWORD, ["attendance_supervisor"])
    sade = create_user("sade", PASSWORD, ["service_supervisor"])
    now = utcnow().replace(second=0, microsecond=0)
    world = {"workers": [], "templates": []}
    for w in range(workers):
        worker = create_user(f"worker{w:03d}", PASSWORD, ["outreach_worker"])
        case_ref = f"B-{w:03d}"
        upsert_case({"case_ref": case_ref, "display_name": f"Person {w:03d}", "risk_flags": [],
                     "contact_routes": [{"channel": "phone_call", "value": "+1 555 0100", "approved": True,
                                         "preferred": True}],
                     "assigned_outreach_worker": worker.username})
        opened = []
        for k in range(cases_per_worker + 1):
            ref = f"BA-{w:03d}-{k}"
            at = now - timedelta(minutes=40 + k)
            upsert_appointment({"appointment_ref": ref, "case_ref": case_ref, "scheduled_at": at.isoformat(),
                                "service": "Counselling", "modality": "in_person"}, cora)
            event = intake.open_missed_contact(_event(ref, case_ref, at), cora)
            intake.classify_missed_contact(event.id, CLASSIFICATION, sam)
            case = recovery_case_for(intake.release_code(event.id, _release(), cora))
            route = case.case.approved_routes[0].id
            recovery.open_recovery_case(case.id, {"recovery_priority_tier": "2", "approved_contact_route": route,
                                                  "immediate_welfare_concern": "no", "service_impact_score": 3,
                                                  "next_checkpoint_date": (date.today() + timedelta(days=2)).isoformat()},
                                        worker)
            opened.append(case.id)
        template = opened.pop()  # the last one is finished: the history's pattern
        reached, _ = recovery.record_attempt(template, attempt_body(utcnow(), "reached"), worker)
        recovery.record_disposition(template, {
            "continuity_restored": "yes", "continuity_evidence": [reached.id], "replacement_contact_route": route,
            "unresolved_barrier_count": 0, "locked_instruction": "alternate_modality",
            "instruction_detail": "Move to video sessions for two weeks",
            "review_date": (date.today() + timedelta(days=7)).isoformat()}, sade)
        world["workers"].append({"username": worker.username, "cases": opened})
        world["templates"].append(template)
        db.session.flush()
    db.session.commit()
    return world


def add_history(conn: sa.Connection, templates: list[int], cases_per_template: int) -> int:
    """Copy each template's chain `cases_per_template` times over the past year. Returns attempts written."""
    meta = sa.MetaData()
    names = ("appointments", "missed_contacts", "classifications", "releases", "recovery_cases",
             "recovery_attempts", "recovery_dispositions")
    t = {name: sa.Table(name, meta, autoload_with=conn) for name in names}
    next_id = {name: (conn.scalar(sa.select(sa.func.max(t[name].c.id))) or 0) + 1 for name in names}
    step = timedelta(days=365) / max(1, cases_per_template)
    written = 0
    for template in templates:
        rc = conn.execute(sa.select(t["recovery_cases"]).where(t["recovery_cases"].c.id == template)).mappings().one()
        mc = conn.execute(sa.select(t["missed_contacts"]).where(t["missed_contacts"].c.id == rc["missed_contact_id"])).mappings().one()
        rows = {
            "appointments": conn.execute(sa.select(t["appointments"]).where(t["appointments"].c.id == mc["appointment_id"])).mappings().one(),
            "missed_contacts": mc,
            "classifications": conn.execute(sa.select(t["classifications"]).where(t["classifications"].c.missed_contact_id == mc["id"])).mappings().first(),
            "releases": conn.execute(sa.select(t["releases"]).where(t["releases"].c.id == rc["release_id"])).mappings().one(),
            "recovery_cases": rc,
            "recovery_attempts": conn.execute(sa.select(t["recovery_attempts"]).where(t["recovery_attempts"].c.recovery_case_id == template)).mappings().first(),
            "recovery_dispositions": conn.execute(sa.select(t["recovery_dispositions"]).where(t["recovery_dispositions"].c.recovery_case_id == template)).mappings().one(),
        }
        batches = {name: [] for name in names}
        for k in range(cases_per_template):
            back = step * (k + 1) + timedelta(days=8)  # always older than My day's week of finished cases
            ids = {name: next_id[name] + k for name in names}
            for name in names:
                if name == "recovery_attempts":
                    for a in range(ATTEMPTS_PER_HISTORY_CASE):
                        row = _moved(rows[name], back - timedelta(minutes=a))
                        row.update(id=next_id[name] + k * ATTEMPTS_PER_HISTORY_CASE + a, recovery_case_id=ids["recovery_cases"],
                                   client_id=str(uuid.uuid4()))
                        batches[name].append(row)
                    continue
                row = _moved(rows[name], back)
                row["id"] = ids[name]
                if name == "appointments":
                    row["appointment_ref"] = f"{row['appointment_ref']}-h{k}"
                if name in ("missed_contacts",):
                    row["appointment_id"] = ids["appointments"]
                if name in ("classifications", "releases", "recovery_cases"):
                    row["missed_contact_id"] = ids["missed_contacts"]
                if name == "releases" and "classification_id" in row:
                    row["classification_id"] = ids["classifications"]
                if name == "recovery_cases":
                    row["release_id"] = ids["releases"]
                if name == "recovery_dispositions":
                    first = next_id["recovery_attempts"] + k * ATTEMPTS_PER_HISTORY_CASE
                    row.update(recovery_case_id=ids["recovery_cases"], client_id=str(uuid.uuid4()),
                               continuity_evidence=[first], supersedes_id=None)
                batches[name].append(row)
        for name in names:
            conn.execute(t[name].insert(), batches[name])
            next_id[name] += len(batches[name]) if name != "recovery_attempts" else \
                cases_per_template * ATTEMPTS_PER_HISTORY_CASE
        written += cases_per_template * ATTEMPTS_PER_HISTORY_CASE
    if conn.dialect.name == "postgresql":
        for name in names:
            conn.execute(sa.text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), (SELECT max(id) FROM {name}))"))
        conn.execute(sa.text("ANALYZE"))
    return written


def _moved(row, back: timedelta) -> dict:
    """A copy of the row with every date and time `back` earlier."""
    out = {}
    for key, value in dict(row).items():
        if isinstance(value, datetime):
            value = value - back
        elif isinstance(value, date):
            value = value - timedelta(days=back.days)
        out[key] = value
    return out
