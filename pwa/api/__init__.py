"""The JSON API (/api/v1): thin handlers over the same operations the screens use, by area."""
from .blueprint import bp  # noqa: F401
# The endpoints (each module registers its routes on bp).
from . import session_routes, schedule_routes, intake_routes, escalation_routes  # noqa: F401
from . import recovery_routes, review_routes, push_routes, outcome_routes, sync_routes  # noqa: F401
from . import back_in_care_routes  # noqa: F401
from . import access_routes  # noqa: F401
from . import openapi  # noqa: F401
