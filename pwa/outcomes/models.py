"""The indexes the outcome figures read (migration 0006). Outcomes own no tables: these are indexes on
the workflow tables, declared here beside the queries that need them (pwa/outcomes/sources.py), so the
areas' models stay about their records.

Each index serves one read of a year's figures (bench/README.md, "Outcome figures"): a range of a stored
time that places records in the period, carrying the columns the figure reads so the database answers
from the index alone (PostgreSQL: an index-only scan; SQLite: a covering index). Partial indexes hold
just the rows a figure looks up (late classifications, reached attempts, restoring dispositions), and
their conditions are written into the queries as literals so that the databases can prove they apply.
"""
import sqlalchemy as sa

from ..archive.models import ArchiveEntry
from ..escalations.models import Escalation
from ..intake.models import Classification, MissedContact
from ..recovery.models import RecoveryAttempt, RecoveryCase, RecoveryDisposition
from ..review.models import DecisionCommunication, PanelDetermination, Restriction, ThresholdReview

def _partial(condition: str) -> dict:
    clause = sa.text(condition)
    return {"postgresql_where": clause, "sqlite_where": clause}


mc = MissedContact.__table__.c
cl = Classification.__table__.c
rc, att, disp = RecoveryCase.__table__.c, RecoveryAttempt.__table__.c, RecoveryDisposition.__table__.c
esc = Escalation.__table__.c

INDEXES = (
    # Workflow 1: the period's events with what their figures read, and the two sets of event ids
    # (late challenges, service-side confirmations).
    sa.Index("ix_missed_contacts_outcomes", mc.scheduled_at, mc.id, mc.case_id, mc.appointment_id,
             mc.reviewer_id, mc.status, mc.validation_timestamp, mc.queued_at, mc.open_due_at,
             mc.classification_due_at),
    sa.Index("ix_missed_contacts_case_scheduled", mc.case_id, mc.scheduled_at, mc.id),
    sa.Index("ix_classifications_late", cl.validation_timestamp, cl.missed_contact_id,
             **_partial("validation_timestamp > due_at")),
    sa.Index("ix_classifications_service_side", cl.validation_timestamp, cl.missed_contact_id,
             **_partial("outcome = 'confirm' AND service_failure_contribution IN ('contributing', 'primary')")),
    # Workflow 2: recovery cases by their instruction; attempts and restoring dispositions in case order,
    # for the first of each per case.
    sa.Index("ix_recovery_cases_outcomes", rc.instructed_at, rc.id, rc.case_id, rc.assigned_worker_id, rc.high_risk),
    sa.Index("ix_recovery_attempts_outcomes", att.recovery_case_id, att.attempt_at, att.outcome),
    sa.Index("ix_recovery_dispositions_restored", disp.recovery_case_id, disp.corrected_recorded_at,
             **_partial("continuity_restored = 'yes'")),
    # Escalations by the time they were raised, with everything the figures and the level table read.
    sa.Index("ix_escalations_outcomes", esc.raised_at, esc.rule, esc.level, esc.acknowledged_at, esc.raised_by_id,
             esc.acknowledged_by_id, esc.case_ref),
    # Workflow 3 by the time of each step (small tables; the period is still a range).
    sa.Index("ix_threshold_reviews_initiated_at", ThresholdReview.__table__.c.initiated_at),
    sa.Index("ix_panel_determinations_validated", PanelDetermination.__table__.c.validation_timestamp),
    sa.Index("ix_decision_communications_validated", DecisionCommunication.__table__.c.validation_timestamp),
    sa.Index("ix_restrictions_implemented_at", Restriction.__table__.c.implemented_at),
    # The records behind a figure link to their first archive entry.
    sa.Index("ix_archive_entries_entity", ArchiveEntry.__table__.c.entity, ArchiveEntry.__table__.c.entity_id),
)
