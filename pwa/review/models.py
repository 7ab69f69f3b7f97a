"""Workflow 3: the versioned threshold policy, threshold reviews (3a), panel determinations (3b),
person-facing decision communications (3c) and the restrictions implemented after all three."""
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User
from ..cases.models import Case, ContactRoute
from ..extensions import db
from ..governance import vocab
from ..governance.threshold import PolicyValues
from ..models_base import StepRecord, UTCDateTime, enum_check


class ThresholdPolicy(db.Model):
    """One version of the threshold policy. Never edited: a change is a new version."""

    __tablename__ = "threshold_policies"
    __table_args__ = (
        sa.UniqueConstraint("version"),
        sa.CheckConstraint("warning_count >= 1 AND step_up_count > warning_count AND closure_count > step_up_count",
                           name="levels_rise"),
        sa.CheckConstraint("window_days BETWEEN 1 AND 730", name="window_days_range"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int]
    warning_count: Mapped[int]
    step_up_count: Mapped[int]
    closure_count: Mapped[int]
    window_days: Mapped[int]
    count_service_side_failures: Mapped[bool]
    note: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    created_by: Mapped[User | None] = relationship()

    @property
    def values(self) -> PolicyValues:
        return PolicyValues(self.warning_count, self.step_up_count, self.closure_count, self.window_days,
                            self.count_service_side_failures)


class ThresholdReview(db.Model):
    """Created when a released code brings a case to a level; 3a's fields are filled by the governance lead."""

    __tablename__ = "threshold_reviews"
    __table_args__ = (
        enum_check("level", vocab.THRESHOLD_LEVELS),
        enum_check("status", vocab.REVIEW_STATUSES),
        enum_check("continuity_risk_level", vocab.RISK_LEVELS, nullable=True),
        enum_check("control_status", vocab.CONTROL_STATUSES, nullable=True),
        sa.CheckConstraint("prior_recovery_completion_rate IS NULL OR prior_recovery_completion_rate BETWEEN 0 AND 100",
                           name="completion_rate_range"),
        sa.Index("ix_threshold_reviews_status_due", "status", "review_due_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id"), index=True)
    policy_id: Mapped[int] = mapped_column(sa.ForeignKey("threshold_policies.id"))
    level: Mapped[str] = mapped_column(sa.String(30))
    status: Mapped[str] = mapped_column(sa.String(30))
    trigger_release_id: Mapped[int | None] = mapped_column(sa.ForeignKey("releases.id"))
    initiated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    window_start: Mapped[datetime] = mapped_column(UTCDateTime())
    window_end: Mapped[datetime] = mapped_column(UTCDateTime())
    review_due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    determination_due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    review_breached_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    determination_breached_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    superseded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("threshold_reviews.id"))
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Step 3a, filled by the governance lead (figures equal to those computed from the archive).
    threshold_event_count: Mapped[int | None]
    prior_recovery_completion_rate: Mapped[int | None]
    service_side_disruption_count: Mapped[int | None]
    continuity_risk_level: Mapped[str | None] = mapped_column(sa.String(10))
    next_checkpoint_date: Mapped[date | None]
    reviewer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    validation_timestamp: Mapped[datetime | None] = mapped_column(UTCDateTime())
    control_status: Mapped[str | None] = mapped_column(sa.String(10))
    escalation_status: Mapped[str] = mapped_column(sa.String(60), default="none")

    case: Mapped[Case] = relationship(lazy="joined")
    policy: Mapped[ThresholdPolicy] = relationship(lazy="joined")
    reviewer: Mapped[User | None] = relationship(foreign_keys=[reviewer_id])
    determination: Mapped["PanelDetermination | None"] = relationship(back_populates="review")
    communication: Mapped["DecisionCommunication | None"] = relationship(back_populates="review")
    restrictions: Mapped[list["Restriction"]] = relationship(back_populates="review", order_by="Restriction.id")

    @property
    def reviewed(self) -> bool:
        return self.validation_timestamp is not None


class PanelDetermination(StepRecord, db.Model):
    """3b: the panel chair's restriction-or-continuation determination."""

    __tablename__ = "panel_determinations"
    __table_args__ = (
        enum_check("panel_decision", vocab.PANEL_DECISIONS),
        enum_check("barrier_remediation_status", vocab.REMEDIATION_STATUSES),
        enum_check("proportionality_result", vocab.PROPORTIONALITY_RESULTS),
        enum_check("control_status", vocab.CONTROL_STATUSES),
        sa.CheckConstraint("unresolved_dependency_count >= 0", name="dependency_count_non_negative"),
        # The proportionality rule, also in the database: a restrictive decision is affirmative.
        sa.CheckConstraint("panel_decision NOT IN ('warning', 'service_intensity_change', 'closure') "
                           "OR proportionality_result = 'affirmative'", name="restrictive_needs_affirmative"),
        sa.UniqueConstraint("review_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(sa.ForeignKey("threshold_reviews.id"))
    panel_decision: Mapped[str] = mapped_column(sa.String(30))
    barrier_remediation_status: Mapped[str] = mapped_column(sa.String(20))
    proportionality_result: Mapped[str] = mapped_column(sa.String(20))
    proportionality_rationale: Mapped[str] = mapped_column(sa.Text)
    unresolved_dependency_count: Mapped[int]
    # The record the panel was shown: counted events' classifications and the latest disposition.
    counted_classifications: Mapped[list] = mapped_column(sa.JSON, default=list)
    latest_disposition_id: Mapped[int | None] = mapped_column(sa.ForeignKey("recovery_dispositions.id"))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())

    review: Mapped[ThresholdReview] = relationship(back_populates="determination")
    reviewer: Mapped[User] = relationship()

    @property
    def restrictive(self) -> bool:
        return self.panel_decision in vocab.RESTRICTIVE_DECISIONS


class DecisionCommunication(StepRecord, db.Model):
    """3c: the decision explained to the person, with an alternative pathway and an appeal route."""

    __tablename__ = "decision_communications"
    __table_args__ = (
        enum_check("decision_explained", vocab.DECISION_EXPLAINED),
        enum_check("objection_raised", vocab.YES_NO),
        enum_check("control_status", vocab.CONTROL_STATUSES),
        sa.UniqueConstraint("review_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(sa.ForeignKey("threshold_reviews.id"))
    decision_explained: Mapped[str] = mapped_column(sa.String(30))
    contact_route_id: Mapped[int | None] = mapped_column(sa.ForeignKey("contact_routes.id"))
    alternative_pathway_offered: Mapped[str | None] = mapped_column(sa.Text)
    appeal_route_provided: Mapped[str] = mapped_column(sa.Text)
    objection_raised: Mapped[str] = mapped_column(sa.String(3))
    objection_detail: Mapped[str | None] = mapped_column(sa.Text)
    review_date: Mapped[date]

    review: Mapped[ThresholdReview] = relationship(back_populates="communication")
    contact_route: Mapped[ContactRoute | None] = relationship()
    reviewer: Mapped[User] = relationship()


class Restriction(db.Model):
    """A warning, service-intensity change or closure implemented after 3a–3c authorised it."""

    __tablename__ = "restrictions"
    __table_args__ = (
        enum_check("kind", vocab.RESTRICTION_KINDS),
        enum_check("source", vocab.RESTRICTION_SOURCES),
        sa.UniqueConstraint("review_id", "kind"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id"), index=True)
    review_id: Mapped[int] = mapped_column(sa.ForeignKey("threshold_reviews.id"))
    determination_id: Mapped[int] = mapped_column(sa.ForeignKey("panel_determinations.id"))
    communication_id: Mapped[int] = mapped_column(sa.ForeignKey("decision_communications.id"))
    kind: Mapped[str] = mapped_column(sa.String(30))
    source: Mapped[str] = mapped_column(sa.String(20))
    detail: Mapped[str | None] = mapped_column(sa.Text)
    requested_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    implemented_at: Mapped[datetime] = mapped_column(UTCDateTime())

    case: Mapped[Case] = relationship(lazy="joined")
    review: Mapped[ThresholdReview] = relationship(back_populates="restrictions")
