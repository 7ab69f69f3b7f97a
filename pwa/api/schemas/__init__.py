"""Output schemas of the JSON API (also the OpenAPI components), by area. Times are UTC with Z."""
from .common import UTC, UserOut, SessionOut, StepOut, ErrorOut  # noqa: F401
from .intake import (  # noqa: F401
    ContactRouteOut, CaseOut, AppointmentOut, ClassificationOut, EvidenceOut, ReleaseOut,
    MissedContactOut, AttendanceCodeOut,
)
from .recovery import (  # noqa: F401
    RouteOut, OfflineOut, AttemptOut, DispositionOut, RecoveryCaseOut, RecoveryCaseDetailOut,
    SyncResultOut, SyncOut, SupportRequestOut,
)
from .escalations import EscalationOut, ArchiveEntryOut, ArchivePageOut  # noqa: F401
from .push import PushPublicKeyOut, PushSubscriptionOut  # noqa: F401
from .access import AccessRecordOut, AccessPageOut  # noqa: F401
from .review import (  # noqa: F401
    ThresholdPolicyOut, EventRecordOut, RecoveryRecordOut, EventFigureOut, RateFigureOut,
    LatestDispositionOut, FiguresOut, DeterminationOut, CommunicationOut, RestrictionOut,
    ThresholdReviewOut, ThresholdReviewDetailOut, BreachOut, WeeklyGovernanceOut,
)
