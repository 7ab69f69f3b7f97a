"""Pure tests of who may do what (pwa.governance.access): the roles said once, and the record guards."""
from types import SimpleNamespace

import pytest

from pwa.governance import access
from pwa.governance.vocab import ROLES


def user(*roles, id=1):
    return SimpleNamespace(id=id, roles=list(roles), has_role=lambda *wanted: bool(set(wanted) & set(roles)))


def test_every_role_named_is_a_role_of_the_spec():
    named = {role for value in vars(access).values() if isinstance(value, tuple) for role in value}
    assert named and named <= set(ROLES)


@pytest.mark.parametrize(("roles", "attempt", "disposition"), [
    (("outreach_worker",), True, False), (("service_supervisor",), False, True), (("coordinator",), False, False),
    (("outreach_worker", "service_supervisor"), True, True)])
def test_attempts_are_the_outreach_workers_and_dispositions_the_service_supervisors(roles, attempt, disposition):
    assert access.can_log_attempt(user(*roles)) is attempt
    assert access.can_record_disposition(user(*roles)) is disposition


@pytest.mark.parametrize(("roles", "assigned_to", "sees", "works"), [
    (("outreach_worker",), 1, True, True), (("outreach_worker",), 2, False, False),
    (("service_supervisor",), 2, True, False), (("service_supervisor",), 1, True, True)])
def test_a_recovery_case_is_its_workers_and_every_supervisors(roles, assigned_to, sees, works):
    recovery = SimpleNamespace(assigned_worker_id=assigned_to)
    assert access.can_see_recovery_case(user(*roles, id=1), recovery) is sees
    assert access.is_assigned_worker(user(*roles, id=1), recovery) is works


@pytest.mark.parametrize(("roles", "level", "allowed"), [
    (("manager",), "manager", True), (("executive",), "manager", False), (("admin",), "manager", False)])
def test_an_escalation_is_acknowledged_by_a_holder_of_its_level(roles, level, allowed):
    assert access.can_acknowledge(user(*roles), SimpleNamespace(level=level)) is allowed
