"""The threshold policy: versioned (a change is a new version; each review keeps the one it was judged under)."""
import sqlalchemy as sa

from ..archive.operations import append_entry
from ..clock import utcnow
from ..errors import InvalidInput
from ..extensions import db
from ..governance import threshold as rules
from ..governance.threshold import DEFAULT_POLICY
from ..schema_fields import load
from .models import ThresholdPolicy
from .schemas import ThresholdPolicyInput


def current_policy() -> ThresholdPolicy:
    """The newest policy version; version 1 (seed 002's three strikes) is created on first use."""
    policy = db.session.scalar(sa.select(ThresholdPolicy).order_by(ThresholdPolicy.version.desc()).limit(1))
    if policy is None:
        policy = ThresholdPolicy(version=1, warning_count=DEFAULT_POLICY.warning_count,
                                 step_up_count=DEFAULT_POLICY.step_up_count, closure_count=DEFAULT_POLICY.closure_count,
                                 window_days=DEFAULT_POLICY.window_days,
                                 count_service_side_failures=DEFAULT_POLICY.count_service_side_failures,
                                 note="Default: three strikes in 60 days (seed 002).", created_at=utcnow())
        db.session.add(policy)
        db.session.flush()
        append_entry(folder="threshold-governance", step="policy", action="policy_version_created", record=policy)
    return policy


def policy_versions() -> list[ThresholdPolicy]:
    current_policy()
    return db.session.scalars(sa.select(ThresholdPolicy).order_by(ThresholdPolicy.version.desc())).all()


def create_policy_version(data, actor) -> ThresholdPolicy:
    """A change of policy is a new version; earlier versions, and the reviews judged under them, stay as they were."""
    values = load(ThresholdPolicyInput(), data)
    errors = rules.policy_field_errors(warning_count=values["warning_count"], step_up_count=values["step_up_count"],
                                       closure_count=values["closure_count"])
    if errors:
        raise InvalidInput(errors)
    previous = current_policy()
    policy = ThresholdPolicy(version=previous.version + 1, created_at=utcnow(), created_by_id=actor.id,
                             note=(values.pop("note", None) or "").strip() or None, **values)
    db.session.add(policy)
    db.session.flush()
    append_entry(folder="threshold-governance", step="policy", action="policy_version_created", record=policy,
                 actor=actor, actor_role="admin")
    return policy
