"""Outcome figures over a generated organisation: 1,000,000 missed-contact events with their workflow records.

    .venv/bin/python bench/outcomes.py                       # SQLite, in a temporary file
    BENCH_DATABASE_URL=postgresql+psycopg://postgres:postgres@127.0.0.1:5432/continuity_bench \\
        .venv/bin/python bench/outcomes.py                   # PostgreSQL (the database is emptied first)

Options: --events N (default 1,000,000), --days N (the span generated, default 730, ending yesterday),
--runs N (timed runs after a warm-up, default 5), --seed N, --extras (also trends and breakdowns),
--reuse (time what BENCH_DATABASE_URL already holds instead of generating it again; BENCH_DATABASE_URL
may also be a sqlite:/// file, kept between runs).

The database is built with the real migrations, loaded in large batches (PostgreSQL: COPY; SQLite:
executemany; secondary indexes built after the load) and analysed (VACUUM ANALYZE / ANALYZE). Then, for
the last 365 days, each run times in the same process: a plain SELECT count(*) FROM missed_contacts, the
whole figure set (pwa.outcomes.figures.compute) as the app runs it and again one query after another,
and the escalations-by-level table; a warm-up run comes first. Deadlines are computed with the app's
business calendar, as the operations do. Proportions are set in `Organisation` below; the archive (hash
chain) is not generated: no figure reads it.
"""
from __future__ import annotations

import argparse
import json
import logging
import math
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

UTC = timezone.utc
BATCH_EVENTS = 25_000


# --- the organisation ----------------------------------------------------------------------------------

class Organisation:
    """Who works where, and how often each thing happens (fractions of the records concerned)."""

    teams = 12
    coordinators_per_team = 3
    outreach_workers_per_team = 12
    cases = 100_000
    high_risk_cases = 0.15
    off_hours_events = 0.02         # after 18:00 local, or on a weekend or holiday
    unopened_misses = 0.01          # detected, never opened as an event
    opened_late = 0.16              # opened after the 30-minute deadline
    classified_late = 0.12          # a classification challenge after its 2-business-hour deadline
    returned_for_evidence = 0.15
    held_after_confirmation = 0.01  # confirmed, never released (e.g. waiting for E2)
    routes = (("outreach", 0.62), ("clinical", 0.28), ("none", 0.10))
    classifications = (("person_refusal", 0.33), ("access_barrier", 0.42), ("service_side_failure", 0.25))
    attempts = ((0, 0.08), (1, 0.45), (2, 0.30), (3, 0.17))
    reached_per_attempt = 0.55
    disposed = 0.9
    superseded = 0.08
    e1_codes = 0.012
    acknowledged = 0.9
    threshold_reviews = 0.025       # of released events
    review_levels = (("warning", 0.7), ("step_up_review", 0.22), ("closure_consideration", 0.08))
    decisions = (("continue", 0.35), ("enhanced_recovery_support", 0.40), ("warning", 0.18),
                 ("service_intensity_change", 0.05), ("closure", 0.02))
    objections = 0.2
    restrictions_implemented = 0.7


def pick(rng: random.Random, table):
    r, acc = rng.random(), 0.0
    for value, weight in table:
        acc += weight
        if r < acc:
            return value
    return table[-1][0]


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


# --- writing rows ----------------------------------------------------------------------------------------

class Loader:
    """Rows as dicts per table, completed with the models' scalar defaults, written in batches."""

    def __init__(self, engine, now: datetime):
        from pwa.extensions import db

        self.engine, self.now = engine, now
        self.tables = {t.name: t for t in db.metadata.sorted_tables}
        self.order = [t.name for t in db.metadata.sorted_tables]
        self.rows: dict[str, list[dict]] = {name: [] for name in self.order}
        self.counts: dict[str, int] = {name: 0 for name in self.order}
        self.postgres = engine.dialect.name == "postgresql"
        self.raw = engine.raw_connection()
        self.deferred = self._drop_secondary_indexes()
        if self.postgres:
            # A fresh database filled in parent-before-child order: skip the foreign-key triggers while
            # loading (the load is the benchmark's own; the app's writes keep every check).
            self.raw.cursor().execute("SET session_replication_role = replica")
            self.raw.cursor().execute("SET synchronous_commit = off")
        else:
            for pragma in ("foreign_keys=OFF", "synchronous=OFF", "journal_mode=MEMORY"):
                self.raw.cursor().execute(f"PRAGMA {pragma}")

    def add(self, table: str, row: dict | None = None, **values) -> dict:
        """Queue a row; a dict passed in is kept by reference, so later changes to it are written."""
        row = row if row is not None else values
        self.rows[table].append(row)
        return row

    def _defaults(self, table) -> dict:
        """The models' Python-side defaults: scalars as they are, callables only for times (utcnow)."""
        out = {}
        for column in table.columns:
            default = column.default
            if default is None:
                continue
            if default.is_scalar:
                out[column.name] = default.arg
            elif default.is_callable and (isinstance(column.type, sa.DateTime)
                                          or isinstance(getattr(column.type, "impl", None), sa.DateTime)):
                out[column.name] = self.now
        return out

    def _converter(self, column):
        """How a column's Python values are written (None: as they are). Times become naive UTC, as the
        app's UTCDateTime stores them (text in SQLite's format); JSON becomes text."""
        kind = getattr(column.type, "impl", column.type)
        if isinstance(kind, sa.DateTime):
            if self.postgres:
                # Every generated time is aware UTC; PostgreSQL reads "...+00:00" into a timestamp
                # column by dropping the offset, which leaves UTC: no conversion needed.
                return None
            return lambda v: v.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
        if isinstance(kind, sa.JSON):
            return json.dumps
        if not self.postgres and isinstance(kind, sa.Date):
            return date.isoformat
        if not self.postgres and isinstance(kind, sa.Boolean):
            return int
        return None

    def flush(self) -> None:
        for name in self.order:
            rows = self.rows[name]
            if not rows:
                continue
            table = self.tables[name]
            defaults = self._defaults(table)
            given = set().union(*rows)
            missing = [c.name for c in table.columns if not c.nullable and c.name not in given
                       and c.name not in defaults and c.server_default is None]
            if missing:
                raise SystemExit(f"bench: {name} rows lack the required columns {missing}")
            columns = [c.name for c in table.columns if c.name in given or c.name in defaults]
            fallback = [defaults.get(c) for c in columns]
            converters = [(i, conv) for i, c in enumerate(columns) if (conv := self._converter(table.c[c]))]
            tuples = []
            for row in rows:
                values = [row.get(c, d) for c, d in zip(columns, fallback)]
                for i, conv in converters:
                    if values[i] is not None:
                        values[i] = conv(values[i])
                tuples.append(values)
            cursor = self.raw.cursor()
            if self.postgres:
                with cursor.copy(f"COPY {name} ({', '.join(columns)}) FROM STDIN") as copy:
                    for values in tuples:
                        copy.write_row(values)
            else:
                marks = ", ".join("?" for _ in columns)
                cursor.executemany(f"INSERT INTO {name} ({', '.join(columns)}) VALUES ({marks})", tuples)
            self.counts[name] += len(rows)
            rows.clear()
        self.raw.commit()

    def _drop_secondary_indexes(self) -> list[str]:
        """Indexes that are not constraints, dropped for the load and built again after it (one sorted
        build is much faster than a million inserts into each index). Returns their definitions."""
        cursor = self.raw.cursor()
        if self.postgres:
            cursor.execute("SELECT indexname, indexdef FROM pg_indexes i WHERE schemaname = 'public' AND NOT EXISTS "
                           "(SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)")
        else:
            cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")
        found = cursor.fetchall()
        for name, _definition in found:
            cursor.execute(f"DROP INDEX {name}")
        self.raw.commit()
        return [definition for _name, definition in found]

    def finish(self) -> None:
        self.flush()
        cursor = self.raw.cursor()
        for definition in self.deferred:
            cursor.execute(definition)
        self.raw.commit()
        if self.postgres:
            for name in self.order:  # the app's next insert must not collide with a generated id
                if "id" in self.tables[name].columns and self.counts[name]:
                    cursor.execute(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                                   f"(SELECT max(id) FROM {name}))")
            self.raw.commit()
            self.raw.driver_connection.autocommit = True
            cursor.execute("VACUUM ANALYZE")
        else:
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("ANALYZE")
            self.raw.commit()
        self.raw.close()


# --- generating the organisation ---------------------------------------------------------------------------

class Generator:
    def __init__(self, loader: Loader, calendar, zone, events: int, first: date, last: date, seed: int):
        self.out, self.cal, self.zone = loader, calendar, zone
        self.rng = random.Random(seed)
        self.n_events, self.first, self.last = events, first, last
        self.now = loader.now
        self.ids = {name: 0 for name in loader.order}
        self.org = Organisation()

    def next_id(self, table: str) -> int:
        self.ids[table] += 1
        return self.ids[table]

    def user(self, username: str, role: str, team: str | None = None) -> int:
        uid = self.next_id("users")
        self.out.add("users", id=uid, username=username, display_name=username.replace("_", " ").title(),
                     team=team, active=True, created_at=self.now)
        self.out.add("user_roles", id=self.next_id("user_roles"), user_id=uid, role=role)
        return uid

    def people(self) -> None:
        org = self.org
        self.team_names = [f"Team {n + 1:02d}" for n in range(org.teams)]
        self.coordinators = {t: [self.user(f"coord_{i}_{c}", "coordinator", t)
                                 for c in range(org.coordinators_per_team)]
                             for i, t in enumerate(self.team_names)}
        self.workers = {t: [self.user(f"outreach_{i}_{w}", "outreach_worker", t)
                            for w in range(org.outreach_workers_per_team)] for i, t in enumerate(self.team_names)}
        self.att_supervisors = [self.user(f"attendance_sup_{n}", "attendance_supervisor") for n in range(6)]
        self.svc_supervisors = [self.user(f"service_sup_{n}", "service_supervisor") for n in range(12)]
        self.leads = [self.user(f"governance_lead_{n}", "governance_lead") for n in range(4)]
        self.chairs = [self.user(f"panel_chair_{n}", "panel_chair") for n in range(3)]
        self.recipients = {role: [self.user(f"{role}_{n}", role) for n in range(3)]
                           for role in ("attendance_supervisor", "service_supervisor", "manager", "duty_manager",
                                        "quality_lead", "executive", "director", "chief_operating")}
        self.feed = self.user("schedule_feed", "integration")
        with self.out.engine.connect() as conn:  # the migrations install the default policy
            self.policy_id = conn.execute(sa.text("SELECT min(id) FROM threshold_policies")).scalar()
        if self.policy_id is None:
            self.policy_id = 1
            self.out.add("threshold_policies", id=1, version=1, warning_count=3, step_up_count=4, closure_count=5,
                         window_days=60, count_service_side_failures=False, created_at=self.now)
        self.cases = []
        for n in range(org.cases):
            cid = n + 1
            team = self.team_names[n % org.teams]
            worker = self.workers[team][(n // org.teams) % org.outreach_workers_per_team]
            high_risk = self.rng.random() < org.high_risk_cases
            self.out.add("cases", id=cid, case_ref=f"C-{cid:06d}", display_name=f"Person {cid:06d}", team=team,
                         assigned_outreach_worker_id=worker, created_at=self.now, updated_at=self.now)
            self.out.add("contact_routes", id=cid, case_id=cid, channel="phone_call", value="+1 555 0100",
                         approved=True, preferred=True)
            if high_risk:
                self.out.add("case_risk_flags", id=self.next_id("case_risk_flags"), case_id=cid,
                             flag=self.rng.choice(("medication", "crisis", "intensive_support", "safeguarding")))
            self.cases.append((cid, team, worker, high_risk))
        self.out.flush()

    def days(self) -> list[tuple[date, float]]:
        out, day = [], self.first
        while day <= self.last:
            out.append((day, 1.0 if self.cal.is_business_day(day) else self.org.off_hours_events))
            day += timedelta(days=1)
        return out

    def run(self) -> None:
        self.people()
        days = self.days()
        total_weight = sum(w for _, w in days)
        made, carry = 0, 0.0
        for index, (day, weight) in enumerate(days):
            carry += self.n_events * weight / total_weight
            count = int(carry) if index < len(days) - 1 else self.n_events - made
            carry -= count
            business = weight == 1.0
            for _ in range(count):
                self.event(day, business)
            made += count
            if made and made % BATCH_EVENTS < count:
                self.out.flush()
                print(f"  {made:,} events", end="\r", file=sys.stderr)
        self.out.finish()
        print(f"  {made:,} events", file=sys.stderr)

    # -- one missed appointment and everything that follows it --

    def scheduled(self, day: date, business: bool) -> datetime:
        rng = self.rng
        if business and rng.random() >= self.org.off_hours_events:
            minute = 8 * 60 + 15 * rng.randrange(40)            # 08:00 to 17:45
        else:
            minute = 18 * 60 + 15 * rng.randrange(24) if business else 9 * 60 + 15 * rng.randrange(32)
        local = datetime.combine(day, datetime.min.time(), tzinfo=self.zone) + minutes(minute)
        return local.astimezone(UTC)

    def case(self):
        return self.cases[min(len(self.cases) - 1, int(len(self.cases) * self.rng.random() ** 1.6))]

    def after_opening(self, at: datetime, late: bool) -> datetime:
        """When a desk step is done: some minutes into working time after `at`, or hours when late."""
        start = self.cal.next_opening(at)
        return start + minutes(self.rng.uniform(125, 600) if late else self.rng.uniform(5, 100))

    def escalate(self, rule: str, level: str, subject_type: str, subject_id: int, case_ref: str, at: datetime,
                 raised_by: int | None = None) -> None:
        if at > self.now:
            return
        eid = self.next_id("escalations")
        ack = self.rng.random() < self.org.acknowledged
        ack_at = at + minutes(min(60 * 24 * 5, math.exp(self.rng.gauss(math.log(40), 1.1)))) if ack else None
        if ack_at and ack_at > self.now:
            ack_at = None
        self.out.add("escalations", id=eid, rule=rule, level=level, subject_type=subject_type, subject_id=subject_id,
                     case_ref=case_ref, reason=f"{rule} (generated)", dedupe_key=f"{rule}:{eid}", raised_at=at,
                     raised_by_id=raised_by, acknowledged_at=ack_at,
                     acknowledged_by_id=self.rng.choice(self.recipients[level]) if ack_at else None,
                     note="Checked (generated)." if ack_at else None)

    def event(self, day: date, business: bool) -> None:
        rng, org, cal, out = self.rng, self.org, self.cal, self.out
        cid, team, worker, high_risk = self.case()
        case_ref = f"C-{cid:06d}"
        sched = self.scheduled(day, business)
        detected = sched + minutes(15)
        open_due = detected + minutes(30)
        aid = self.next_id("appointments")
        out.add("appointments", id=aid, appointment_ref=f"A-{aid:07d}", case_id=cid, scheduled_at=sched,
                duration_minutes=60, service="Counselling", modality=rng.choice(("in_person", "virtual", "phone")),
                cancelled=False, miss_detected_at=detected, detected_event_type="missed_appointment",
                event_due_at=open_due, updated_at=detected)
        if rng.random() < org.e1_codes:
            self.escalate("E1", "attendance_supervisor", "appointments", aid, case_ref,
                          sched + minutes(rng.uniform(5, 240)), raised_by=self.feed)
        if rng.random() < org.unopened_misses:
            return
        late_open = rng.random() < org.opened_late
        opened = detected + minutes(rng.uniform(31, 240) if late_open else rng.uniform(1, 29))
        if opened > self.now:
            return
        if late_open:
            self.escalate("BREACH_1A", "attendance_supervisor", "appointments", aid, case_ref, open_due + minutes(5))
        eid = self.next_id("missed_contacts")
        event = dict(id=eid, case_id=cid, appointment_id=aid, scheduled_at=sched, event_type="missed_appointment",
                     service_disruption_known="no", contactability_status="reachable",
                     next_checkpoint_date=day + timedelta(days=7), status="queued", open_due_at=open_due,
                     queued_at=opened, classification_due_at=cal.add_business_hours(opened, 2), created_at=opened,
                     reviewer_id=rng.choice(self.coordinators[team]), validation_timestamp=opened,
                     control_status="breached" if late_open else "met", escalation_status="none")
        out.add("missed_contacts", event)
        classification = self.classify(event, case_ref)
        if classification is None:
            return
        self.release(event, classification, case_ref, team, worker, high_risk)

    def challenge(self, event: dict, case_ref: str, outcome: str, final: str) -> dict | None:
        rng = self.rng
        late = rng.random() < self.org.classified_late
        at = self.after_opening(event["queued_at"], late)
        if at > self.now:
            return None
        due = event["classification_due_at"]
        contribution = {"service_side_failure": "primary",
                        "access_barrier": pick(rng, (("contributing", .6), ("none", .4))),
                        "person_refusal": pick(rng, (("none", .9), ("contributing", .1))),
                        "undetermined": "none"}[final]
        row = dict(id=self.next_id("classifications"), missed_contact_id=event["id"], final_classification=final,
                   outcome=outcome, access_barrier_likelihood="medium", service_failure_contribution=contribution,
                   contributing_factors=["transport"] if contribution != "none" else [], unresolved_dependency_count=0,
                   evidence_summary="Generated.", due_at=due, reviewer_id=rng.choice(self.att_supervisors),
                   validation_timestamp=at, control_status="breached" if at > due else "met", escalation_status="none")
        self.out.add("classifications", **row)
        if at > due:
            self.escalate("BREACH_1B", "manager", "missed_contacts", event["id"], case_ref, due + minutes(5))
        return row

    def classify(self, event: dict, case_ref: str) -> dict | None:
        rng, org = self.rng, self.org
        if rng.random() < org.returned_for_evidence:
            first = self.challenge(event, case_ref, "return_for_evidence", "undetermined")
            if first is None:
                return None
            event["status"] = "returned"
            added = first["validation_timestamp"] + minutes(rng.uniform(30, 1440))
            if added > self.now:
                return None
            due = self.cal.add_business_hours(added, 2)
            self.out.add("evidence_additions", id=self.next_id("evidence_additions"), missed_contact_id=event["id"],
                         evidence="Generated evidence.", reviewer_id=event["reviewer_id"], validation_timestamp=added,
                         requeued_at=added, classification_due_at=due)
            event.update(status="queued", queued_at=added, classification_due_at=due)
        final = self.challenge(event, case_ref, "confirm", pick(rng, org.classifications))
        if final is not None:
            event["status"] = "confirmed"
        return final

    def release(self, event: dict, classification: dict, case_ref: str, team: str, worker: int, high_risk: bool):
        rng, org, cal, out = self.rng, self.org, self.cal, self.out
        at = classification["validation_timestamp"] + minutes(rng.uniform(5, 60))
        if at > self.now or rng.random() < org.held_after_confirmation:
            return
        event["status"] = "released"
        route = pick(rng, org.routes)
        code = {"person_refusal": "NS-REFUSAL", "access_barrier": "NS-ACCESS",
                "service_side_failure": "NS-SERVICE"}[classification["final_classification"]]
        rid = self.next_id("releases")
        out.add("releases", id=rid, missed_contact_id=event["id"], classification_id=classification["id"],
                permanent_code=code, follow_up_required="no" if route == "none" else "yes", follow_up_route=route,
                review_date=at.date() + timedelta(days=14), reviewer_id=event["reviewer_id"], validation_timestamp=at,
                control_status="met", escalation_status="none")
        out.add("attendance_codes", id=self.next_id("attendance_codes"), appointment_id=event["appointment_id"],
                case_id=event["case_id"], code=code, release_id=rid, applied_at=at)
        if route == "none":
            self.escalate("E3", "quality_lead", "releases", rid, case_ref, at)
        elif route == "clinical":
            out.add("clinical_follow_ups", id=self.next_id("clinical_follow_ups"), release_id=rid,
                    case_id=event["case_id"], instructed_at=at, review_date=at.date() + timedelta(days=7))
        else:
            self.recover(event, rid, at, case_ref, worker, high_risk)
        if rng.random() < org.threshold_reviews:
            self.review(event, rid, at, case_ref)

    def recover(self, event: dict, release_id: int, instructed: datetime, case_ref: str, worker: int, high_risk: bool):
        rng, org, cal, out = self.rng, self.org, self.cal, self.out
        close = cal.end_of_business_day(instructed)
        open_due = instructed + minutes(15) if high_risk else cal.add_business_hours(instructed, 1)
        disposition_due = min(cal.add_business_hours(instructed, 2), close) if high_risk else close
        rcid = self.next_id("recovery_cases")
        opened = cal.next_opening(instructed) + minutes(rng.uniform(2, 20) if high_risk else rng.uniform(5, 50))
        case = dict(id=rcid, case_id=event["case_id"], missed_contact_id=event["id"], release_id=release_id,
                    assigned_worker_id=worker, status="instructed", high_risk=high_risk, instructed_at=instructed,
                    open_due_at=open_due, disposition_due_at=disposition_due, escalation_status="none")
        restored_at = None
        if opened <= self.now:
            case.update(status="open", opened_at=opened, recovery_priority_tier="1" if high_risk else "2",
                        approved_contact_route_id=event["case_id"], immediate_welfare_concern="no",
                        service_impact_score=3, next_checkpoint_date=opened.date() + timedelta(days=3),
                        reviewer_id=worker, validation_timestamp=opened,
                        control_status="met" if opened <= open_due else "breached")
            if high_risk and opened > open_due:
                self.escalate("E4", "service_supervisor", "recovery_cases", rcid, case_ref, open_due + minutes(5))
            restored_at = self.attempts_and_disposition(case, opened, worker)
        out.add("recovery_cases", case)
        if high_risk and close <= self.now and (restored_at is None or restored_at > close):
            self.escalate("E6", "executive", "recovery_cases", rcid, case_ref, close + minutes(5))

    def attempts_and_disposition(self, case: dict, opened: datetime, worker: int) -> datetime | None:
        rng, org, out = self.rng, self.org, self.out
        at, reached, attempt_ids = opened, False, []
        for n in range(pick(rng, org.attempts)):
            at = at + minutes(rng.uniform(5, 60) if n == 0 else rng.uniform(20, 120))
            if at > self.now:
                break
            reached = rng.random() < org.reached_per_attempt
            aid = self.next_id("recovery_attempts")
            attempt_ids.append(aid)
            out.add("recovery_attempts", id=aid, recovery_case_id=case["id"], attempt_at=at, channel="phone_call",
                    outcome="reached" if reached else rng.choice(("no_answer", "no_answer", "declined")),
                    barrier_signal="none", rescue_option="alternate_slot",
                    rescue_detail="Offered another slot next week at 14:00", late=False, reviewer_id=worker,
                    validation_timestamp=at, control_status="met", escalation_status="none",
                    client_id=f"00000000-0000-4000-8000-{aid:012d}", recorded_at=at, corrected_recorded_at=at,
                    received_at=at, clock_offset_seconds=0.0, clock_flagged=False, payload_digest="0" * 64)
            if reached:
                break
        if rng.random() >= org.disposed:
            return None
        restored_at, previous = None, None
        for version in range(2 if rng.random() < org.superseded else 1):
            when = at + minutes(rng.uniform(10, 180) + 60 * version)
            if when > self.now:
                break
            restored = "yes" if reached and rng.random() < 0.85 else pick(rng, (("partial", .4), ("no", .6)))
            did = self.next_id("recovery_dispositions")
            out.add("recovery_dispositions", id=did, recovery_case_id=case["id"], continuity_restored=restored,
                    continuity_evidence=attempt_ids[-1:] if restored != "no" else [],
                    replacement_contact_route_id=case["case_id"], unresolved_barrier_count=0,
                    locked_instruction="alternate_modality", instruction_detail="Video for two weeks",
                    review_date=when.date() + timedelta(days=7), supersedes_id=previous,
                    due_at=case["disposition_due_at"], late=False, reviewer_id=rng.choice(self.svc_supervisors),
                    validation_timestamp=when,
                    control_status="met" if when <= case["disposition_due_at"] else "breached",
                    escalation_status="none", client_id=f"00000000-0000-4000-9000-{did:012d}", recorded_at=when,
                    corrected_recorded_at=when, received_at=when, clock_offset_seconds=0.0, clock_flagged=False,
                    payload_digest="0" * 64)
            case["status"] = "dispositioned"
            previous = did
            if restored == "yes" and restored_at is None:
                restored_at = when
        return restored_at

    def review(self, event: dict, release_id: int, at: datetime, case_ref: str) -> None:
        rng, org, cal, out = self.rng, self.org, self.cal, self.out
        rid = self.next_id("threshold_reviews")
        review_due = cal.add_business_days(at, 1)
        row = dict(id=rid, case_id=event["case_id"], policy_id=self.policy_id, level=pick(rng, org.review_levels),
                   status="awaiting_review", trigger_release_id=release_id, initiated_at=at,
                   window_start=at - timedelta(days=60), window_end=at, review_due_at=review_due,
                   determination_due_at=review_due, escalation_status="none")
        reviewed = at + minutes(rng.uniform(60, 1800))
        if reviewed <= self.now and rng.random() < 0.85:
            row.update(status="awaiting_determination", threshold_event_count=3, prior_recovery_completion_rate=60,
                       service_side_disruption_count=0, continuity_risk_level="medium",
                       next_checkpoint_date=reviewed.date() + timedelta(days=7), reviewer_id=rng.choice(self.leads),
                       validation_timestamp=reviewed, control_status="met" if reviewed <= review_due else "breached")
        out.add("threshold_reviews", row)
        determined = reviewed + minutes(rng.uniform(30, 900))
        if row["status"] != "awaiting_determination" or determined > self.now or rng.random() >= 0.8:
            return
        decision = pick(rng, org.decisions)
        restrictive = decision in ("warning", "service_intensity_change", "closure")
        did = self.next_id("panel_determinations")
        out.add("panel_determinations", id=did, review_id=rid, panel_decision=decision,
                barrier_remediation_status="completed" if restrictive else "in_progress",
                proportionality_result="affirmative" if restrictive else "not_affirmative",
                proportionality_rationale="Generated.", unresolved_dependency_count=0, counted_classifications=[],
                due_at=review_due, reviewer_id=rng.choice(self.chairs), validation_timestamp=determined,
                control_status="met" if determined <= review_due else "breached", escalation_status="none")
        if not restrictive:
            row["status"] = "complete"
            return
        row["status"] = "awaiting_communication"
        told = determined + minutes(rng.uniform(60, 2880))
        if told > self.now:
            return
        cid = self.next_id("decision_communications")
        objection = rng.random() < org.objections
        out.add("decision_communications", id=cid, review_id=rid, decision_explained="direct_contact",
                alternative_pathway_offered="Weekly phone sessions", appeal_route_provided="Write to the panel",
                objection_raised="yes" if objection else "no", objection_detail="Generated." if objection else None,
                review_date=told.date() + timedelta(days=14), reviewer_id=event["reviewer_id"],
                validation_timestamp=told, control_status="met", escalation_status="none")
        row["status"] = "complete"
        implemented = told + minutes(rng.uniform(60, 1440))
        if implemented <= self.now and rng.random() < org.restrictions_implemented:
            out.add("restrictions", id=self.next_id("restrictions"), case_id=event["case_id"], review_id=rid,
                    determination_id=did, communication_id=cid, kind=decision, source="manual",
                    requested_by_id=rng.choice(self.leads), implemented_at=implemented)


# --- the run -------------------------------------------------------------------------------------------------

def fresh_database(url: str) -> None:
    """Empty the benchmark's own database (a PostgreSQL one must be named *bench*: it is wiped)."""
    engine = sa.create_engine(url)
    if engine.dialect.name == "sqlite":
        path = engine.url.database
        if path and os.path.exists(path):
            os.remove(path)
        return
    if "bench" not in (engine.url.database or ""):
        raise SystemExit(f"bench: refusing to empty {engine.url.database!r}: use a database named *bench*")
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()


def timed(fn, *args, **kwargs):
    start = time.perf_counter()
    result = fn(*args, **kwargs)
    return (time.perf_counter() - start) * 1000, result


def machine(db) -> str:
    """What the timings were taken on."""
    model = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")),
                 "unknown")
    memory = next((int(line.split()[1]) // 1024 // 1024 for line in open("/proc/meminfo")
                   if line.startswith("MemTotal")), 0)
    if db.engine.dialect.name == "postgresql":
        version = db.session.execute(sa.text("SHOW server_version")).scalar()
        settings = ", ".join(f"{name} {db.session.execute(sa.text(f'SHOW {name}')).scalar()}"
                             for name in ("shared_buffers", "work_mem", "max_parallel_workers_per_gather"))
        database = f"PostgreSQL {version} ({settings})"
    else:
        import sqlite3
        database = f"SQLite {sqlite3.sqlite_version}"
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return (f"{date.today()}, {os.cpu_count()} CPUs ({model}), {memory} GB memory, load average {load}; "
            f"{database}; Python {sys.version.split()[0]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=730)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--reuse", action="store_true", help="time the database BENCH_DATABASE_URL already holds")
    parser.add_argument("--extras", action="store_true", help="also time trends and breakdowns")
    args = parser.parse_args()

    url = os.environ.get("BENCH_DATABASE_URL")
    tmp = None
    if args.reuse and not url:
        raise SystemExit("bench: --reuse needs BENCH_DATABASE_URL")
    if not url:
        tmp = tempfile.mkdtemp(prefix="continuity-bench-")
        url = f"sqlite:///{tmp}/bench.sqlite"
    elif not args.reuse:
        fresh_database(url)

    from flask_migrate import upgrade

    from pwa import create_app
    from pwa.extensions import db
    from pwa.outcomes import figures
    from pwa.outcomes.definitions import FIGURES
    from pwa.outcomes.filters import OutcomeFilters
    from pwa.timekeeping import calendar, local_today, local_zone

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "SERVER_NAME": "bench.local"})
    with app.app_context():
        logging.disable(logging.INFO)  # the migrations' progress lines
        upgrade()
        logging.disable(logging.NOTSET)
        last = local_today() - timedelta(days=1)
        print(f"database: {db.engine.url.render_as_string(hide_password=True)}")
        if not args.reuse:
            first = last - timedelta(days=args.days - 1)
            print(f"generating {args.events:,} missed-contact events, {first} to {last} ...", file=sys.stderr)
            started = time.perf_counter()
            loader = Loader(db.engine, datetime.now(UTC))
            Generator(loader, calendar(), local_zone(), args.events, first, last, args.seed).run()
            print(f"generated and loaded in {time.perf_counter() - started:.0f} s:")
            for name in loader.order:
                if loader.counts[name]:
                    print(f"  {name:24} {loader.counts[name]:>10,}")
        print(f"machine: {machine(db)}")
        db.session.remove()

        year = OutcomeFilters(start=last - timedelta(days=364), end=last)
        side_by_side = app.config["OUTCOME_QUERY_CONNECTIONS"]
        print(f"\nperiod: {year.start} to {year.end} ({year.days} days); {args.runs} runs after a warm-up")
        print("figure set = figures.compute (all 15 figures); escalations = figures.escalations_by_level")
        header = (f"{'run':>4} {'count(*) ms':>12} {'figure set ms':>14} {'one by one ms':>14} {'escalations ms':>15}")
        print(header)
        rows = []
        for run in range(args.runs + 1):
            db.session.remove()
            count_ms, count = timed(
                lambda: db.session.execute(sa.text("SELECT count(*) FROM missed_contacts")).scalar())
            db.session.remove()
            set_ms, values = timed(figures.compute, year)
            serial_ms = float("nan")
            if db.engine.dialect.name == "postgresql":  # SQLite runs them one after another anyway
                db.session.remove()
                app.config["OUTCOME_QUERY_CONNECTIONS"] = 1  # the same queries, in the session, in turn
                serial_ms, _ = timed(figures.compute, year)
                app.config["OUTCOME_QUERY_CONNECTIONS"] = side_by_side
            db.session.remove()
            esc_ms, levels = timed(figures.escalations_by_level, year)
            print(f"{run or 'w':>4} {count_ms:>12.1f} {set_ms:>14.1f} {serial_ms:>14.1f} {esc_ms:>15.1f}")
            if run:
                rows.append((count_ms, set_ms, serial_ms, esc_ms))
        medians = [statistics.median(col) if not any(math.isnan(x) for x in col) else float("nan")
                   for col in zip(*rows)]
        print(f"{'med':>4} " + " ".join(f"{m:>{w}.1f}" for m, w in zip(medians, (12, 14, 14, 15)))
              + f"   (count(*) = {count:,} rows; side by side on {side_by_side} connections where PostgreSQL)")

        print("\neach source alone (its own queries, in the session):")
        app.config["OUTCOME_QUERY_CONNECTIONS"] = 1
        sources = {}
        for figure in FIGURES:
            sources.setdefault(figure.source, []).append(figure.key)
        for source, keys in sources.items():
            db.session.remove()
            ms, found = timed(figures.compute, year, keys)
            shown = ", ".join(f"{k}={round(found[k].value, 3) if isinstance(found[k].value, float) else found[k].value}"
                              f" ({found[k].numerator}/{found[k].denominator})" for k in keys)
            print(f"  {source:15} {ms:8.1f} ms   {shown}")
        app.config["OUTCOME_QUERY_CONNECTIONS"] = side_by_side
        for level in levels:
            median = level.median_minutes_to_acknowledge
            print(f"  {level.level:22} raised {level.raised:>7,} acknowledged {level.acknowledged:>7,} "
                  f"median {'-' if median is None else f'{median:.1f}'} min")
        if args.extras:
            print()
            for label, fn, extra in (("trend by month", figures.trend, ("all", "month")),
                                     ("trend by week", figures.trend, ("all", "week")),
                                     ("trend by day", figures.trend, ("all", "day")),
                                     ("breakdown by team", figures.breakdown, ("team",)),
                                     ("breakdown by worker", figures.breakdown, ("worker",))):
                db.session.remove()
                ms, _ = timed(fn, year, *extra)
                print(f"  {label + ' (whole set):':34} {ms:8.0f} ms")
    if tmp:
        for name in os.listdir(tmp):
            os.remove(os.path.join(tmp, name))
        os.rmdir(tmp)


if __name__ == "__main__":
    main()
