"""Imports every area's models so metadata (and Alembic) sees all tables."""
from .accounts.models import ApiToken, SignInSession, User, UserRole  # noqa: F401
from .access_log.models import AccessRecord  # noqa: F401
from .accounts.mfa import RecoveryCode, TotpCredential  # noqa: F401
from .accounts.throttle import SignInFailure, SignInLockout  # noqa: F401
from .archive.checkpoint import ArchiveCheckpoint  # noqa: F401
from .archive.models import ArchiveEntry  # noqa: F401
from .cases.models import Appointment, Case, CaseRiskFlag, ContactRoute  # noqa: F401
from .escalations.models import Escalation  # noqa: F401
from .intake.models import (  # noqa: F401
    AttendanceCode, Classification, ClinicalFollowUp, EvidenceAddition, MissedContact, Release,
)
from .ops.models import SweepHeartbeat  # noqa: F401
from .push.models import PushDelivery, PushSubscription  # noqa: F401
from .recovery.models import RecoveryAttempt, RecoveryCase, RecoveryDisposition, SyncConflict  # noqa: F401
from .support.models import SupportRequest  # noqa: F401
from .review.models import (  # noqa: F401
    DecisionCommunication, PanelDetermination, Restriction, ThresholdPolicy, ThresholdReview,
)
from .outcomes.models import INDEXES  # noqa: F401,E402  (the outcome figures' indexes on the tables above)
