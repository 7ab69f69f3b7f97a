"""The API against its own OpenAPI document (schemathesis, bounded examples per operation), with an admin's token
and an outreach worker's: no server error, every response matching its documented schema and content type, every
status it returns documented, and no valid request refused (schemathesis's default checks). Every failure is
collected and reported together, by operation."""
import os

import pytest
import schemathesis
from schemathesis import checks
from hypothesis import HealthCheck, given, settings

from conftest import empty_database
from pwa.extensions import db

# A well-formed request naming a record that does not exist, or failing a workflow rule, is answered 422 or 409
# by design (API.md), so schemathesis's "positive data accepted" check is left out; the valid requests it
# found refused are tested one by one in tests/integration/test_api_contract.py.
CHECKS = [checks.not_a_server_error, checks.status_code_conformance, checks.response_schema_conformance,
          checks.content_type_conformance, checks.response_headers_conformance]
EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "20"))
ROLES = ("admin", "outreach_worker")


@pytest.fixture(scope="module")
def tokens(app):
    from pwa.accounts.operations import create_token

    with app.app_context():
        found = {role: create_token(f"fuzz-{role}", [role]) for role in ROLES}
        db.session.commit()
    yield found
    empty_database(app)


@pytest.fixture(autouse=True)
def _empty_after():  # the tokens stay for the module (emptied when it ends)
    yield


def _problems(app, token: str) -> list[str]:
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    found = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck),
                  derandomize=True)
        def run(case):
            case.call_and_validate(headers={"Authorization": f"Bearer {token}",
                                                     # Compressed answers are pwa/compression.py's own tests.
                                                     "Accept-Encoding": "identity"}, checks=CHECKS)

        try:
            run()
        except (Exception, BaseExceptionGroup) as err:  # noqa: BLE001 - every operation's failure is reported
            found.append(f"{operation.label}: {type(err).__name__}: {str(err)[:1500]}")
    return found


@pytest.mark.parametrize("role", ROLES)
def test_the_api_keeps_its_openapi_contract(app, tokens, role):
    problems = _problems(app, tokens[role])
    assert not problems, f"{len(problems)} operations broke the contract:\n\n" + "\n\n".join(problems)
