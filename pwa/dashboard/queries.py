"""The dashboard's own reads: the choices of its filter selects."""
import sqlalchemy as sa

from ..accounts.models import User
from ..cases.models import Case
from ..extensions import db


# The roles whose work the figures count (events, classifications, releases, outreach, dispositions, support,
# reviews): managers, executives, admin and auditors read the figures but do none of it.
WORKING_ROLES = ("coordinator", "attendance_supervisor", "outreach_worker", "service_supervisor", "tech_support",
                 "governance_lead", "panel_chair")


def filter_choices() -> dict:
    """The team and worker selects: every team on a case or a user, every user who does the work."""
    teams = {t for t in db.session.scalars(sa.select(Case.team).distinct()) if t}
    teams |= {t for t in db.session.scalars(sa.select(User.team).distinct()) if t}
    users = db.session.scalars(sa.select(User).order_by(User.display_name)).all()
    workers = [(u.id, f"{u.display_name} · {', '.join(r.replace('_', ' ') for r in u.roles)}") for u in users
               if u.active and u.has_role(*WORKING_ROLES)]
    return {"teams": sorted(teams, key=str.casefold), "workers": workers}
