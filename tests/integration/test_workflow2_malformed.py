"""Malformed input at every field of workflow 2's endpoints and screen forms: always 422 naming the
field (never a 500) and nothing saved.

One test per field sends every bad value for that field to the same case (a 422 changes nothing, so
the values cannot disturb each other) and reports all values that were not refused; the valid body is
sent last to prove the refusals came from the field under test.
"""
import json
import re
import uuid

import pytest

from conftest import csrf_from
from tests.support.payloads import attempt_payload, disposition_payload, open_payload
from tests.support.worlds import UNAPPROVED_EMAIL, W2, recovery_counts

MISSING = object()
HUGE = "x" * 100_000

ENUM_BAD = [MISSING, None, "", "unknown", "  ", "a\x00b", 7, 1.5, True, ["x"], {"a": 1}, HUGE]
INT_BAD = [MISSING, None, "", "abc", "1.5", 1.5, True, False, [1], {"a": 1}, float("nan"), float("inf"), HUGE]
ROUTE_BAD = INT_BAD + [0, -1, 10 ** 30, "9" * 400]
DATE_BAD = [MISSING, None, "", "2026-13-01", "2026-02-30", "tomorrow", "19/11/2026", 20261119,
            "2026-11-19T10:00:00", "0001-01-01", "9999-12-31", "12026-01-01", [], {"d": 1}, HUGE]
_DATETIME_GARBAGE = ["2026-11-17T10:00:00", "2026-11-17 10:00", "2026-11-17", "not a time", "",
                     "2026-11-17T25:00:00-05:00", "2026-11-17T10:00:00+25:00", "9999-12-31T23:59:59-05:00",
                     "0001-01-01T00:00:00Z", 1763391600, 1.5, True, [], {"t": 1}, HUGE]
DATETIME_REQUIRED_BAD = [MISSING, None] + _DATETIME_GARBAGE  # naive times are refused: the offset is required
DATETIME_OPTIONAL_BAD = _DATETIME_GARBAGE
TEXT_BAD = [123, 1.5, True, [], ["a"], {"a": "b"}, "Thu 19 Nov 14:00 \x00", HUGE]
UUID_BAD = ["not-a-uuid", "", "zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz", "1234", 123, True, [], {}, HUGE,
            str(uuid.uuid4()) + "0"]
EVIDENCE_BAD = [MISSING, None, "1", 1, True, {"a": 1}, ["abc"], [None], [1.5], [True], [[1]], [{"id": 1}],
                list(range(1, 102)), [10 ** 30], HUGE, [HUGE]]


def short(value) -> str:
    text = "MISSING" if value is MISSING else repr(value)
    return text if len(text) < 60 else text[:40] + f"...({len(text)} chars)"


def with_value(body: dict, field: str, value) -> dict:
    body = dict(body)
    if value is MISSING:
        body.pop(field, None)
    else:
        body[field] = value
    return body


def names(response, field) -> bool:
    if response.status_code != 422 or not response.is_json:
        return False
    errors = response.get_json().get("errors") or {}
    return any(key == field or key.startswith(field + ".") for key in errors) and all(
        isinstance(m, str) and m for messages in errors.values() for m in messages)


# --- the four POST endpoints, each with a case in the state it needs --------------------------------

class Target:
    def __init__(self, w2: W2, path: str, body: dict, as_user: str, ok: int, fresh_client_id=False):
        self.w2, self.path, self.body, self.as_user, self.ok = w2, path, body, as_user, ok
        self.fresh_client_id = fresh_client_id

    def send(self, body):
        if self.fresh_client_id and "client_id" in body and body["client_id"] == self.body["client_id"]:
            body = {**body, "client_id": str(uuid.uuid4())}
        return self.w2.post(self.path, body, self.as_user)

    def send_raw(self, data, content_type="application/json"):
        self.w2.as_user(self.as_user)
        return self.w2.auth.client.post(self.path, data=data, content_type=content_type,
                                        headers=self.w2.auth.headers())


def open_target(w2) -> Target:
    case_id = w2.case()
    return Target(w2, f"/api/v1/recovery-cases/{case_id}/open", open_payload(w2.route(case_id)), "olu", 200)


def attempt_target(w2) -> Target:
    case_id = w2.opened_case()
    return Target(w2, f"/api/v1/recovery-cases/{case_id}/attempts", attempt_payload(w2.now), "olu", 201,
                  fresh_client_id=True)


def disposition_target(w2) -> Target:
    case_id = w2.opened_case()
    body = disposition_payload(w2.route(case_id), continuity_restored="no", locked_instruction="welfare_escalation",
                               instruction_detail=None)
    return Target(w2, f"/api/v1/recovery-cases/{case_id}/disposition", body, "sade", 201, fresh_client_id=True)


def exception_target(w2) -> Target:
    case_id = w2.opened_case(routes=UNAPPROVED_EMAIL)
    attempt = w2.attempted(case_id, channel="email", emergency_exception_reason="Phone disconnected")
    return Target(w2, f"/api/v1/recovery-cases/{case_id}/attempts/{attempt['id']}/exception",
                  {"decision": "approved", "note": "Checked: the phone line is down"}, "sade", 200)


TARGETS = {"open": open_target, "attempts": attempt_target, "disposition": disposition_target,
           "exception": exception_target}

FIELDS = [
    ("open", "recovery_priority_tier", ENUM_BAD + ["4", "0", "1 ", 0, 4, -1]),
    ("open", "approved_contact_route", ROUTE_BAD),
    ("open", "immediate_welfare_concern", ENUM_BAD + ["YES", "Yes", "y", "true"]),
    ("open", "service_impact_score", INT_BAD + [0, 6, -3, 10 ** 30, "3.5", "6"]),
    ("open", "next_checkpoint_date", DATE_BAD + ["2020-01-01"]),
    ("attempts", "attempt_at", DATETIME_REQUIRED_BAD + ["2000-01-01T10:00:00Z", "2099-01-01T10:00:00Z"]),
    ("attempts", "channel", ENUM_BAD + ["Phone_call", "fax", "email"]),
    ("attempts", "outcome", ENUM_BAD + ["REACHED", "answered"]),
    ("attempts", "barrier_signal", ENUM_BAD + ["active risk", "other"]),
    ("attempts", "rescue_option", ENUM_BAD + ["tech_support", "none"]),
    ("attempts", "rescue_detail", TEXT_BAD + [MISSING, None, "", "   ", "Please call us back", "next week"]),
    ("attempts", "emergency_exception_reason", TEXT_BAD),
    ("attempts", "client_id", UUID_BAD),
    ("attempts", "recorded_at", DATETIME_OPTIONAL_BAD),
    ("disposition", "continuity_restored", ENUM_BAD + ["Yes", "restored"]),
    ("disposition", "continuity_evidence", EVIDENCE_BAD),
    ("disposition", "replacement_contact_route", ROUTE_BAD),
    ("disposition", "unresolved_barrier_count", INT_BAD + [-1, 1001, 10 ** 30, "2.5", 2.5]),
    ("disposition", "locked_instruction", ENUM_BAD + ["rebook,continued_outreach", ["rebook", "welfare_escalation"]]),
    ("disposition", "instruction_detail", TEXT_BAD),
    ("disposition", "rebook_at", DATETIME_OPTIONAL_BAD),
    ("disposition", "review_date", DATE_BAD + ["2020-01-01"]),
    ("disposition", "client_id", UUID_BAD),
    ("disposition", "recorded_at", DATETIME_OPTIONAL_BAD),
    ("exception", "decision", ENUM_BAD + ["pending", "Approved", "approve"]),
    ("exception", "note", TEXT_BAD),
]


@pytest.mark.parametrize(("endpoint", "field", "values"),
                         [pytest.param(*row, id=f"{row[0]}-{row[1]}") for row in FIELDS])
def test_every_bad_value_of_a_field_is_a_422_naming_it(w2, app, endpoint, field, values):
    target = TARGETS[endpoint](w2)
    before = recovery_counts(app)
    problems = []
    for value in values:
        response = target.send(with_value(target.body, field, value))
        if not names(response, field):
            problems.append((short(value), response.status_code, response.get_json()))
    assert recovery_counts(app) == before, "a refused request saved something"
    assert not problems, problems
    # The same body with a good value goes through: the refusals were about this field.
    response = target.send(dict(target.body))
    assert response.status_code == target.ok, response.get_json()


@pytest.mark.parametrize("endpoint", TARGETS)
def test_an_unknown_field_is_named_and_refused(w2, app, endpoint):
    target = TARGETS[endpoint](w2)
    before = recovery_counts(app)
    for field in ("reviewer_id", "validation_timestamp", "escalation_status", "x" * 200, "__proto__"):
        response = target.send({**target.body, field: 1})
        assert names(response, field), (field[:20], response.get_json())
    assert recovery_counts(app) == before


RAW_BODIES = [
    pytest.param(b"", "application/json", id="empty"),
    pytest.param(b"{not json", "application/json", id="bad-json"),
    pytest.param(b'{"recovery_priority_tier": "1",', "application/json", id="truncated-json"),
    pytest.param(b"[]", "application/json", id="json-list"),
    pytest.param(b'[{"decision": "approved"}]', "application/json", id="json-list-of-object"),
    pytest.param(b'"approved"', "application/json", id="json-string"),
    pytest.param(b"null", "application/json", id="json-null"),
    pytest.param(b"42", "application/json", id="json-number"),
    pytest.param(b"\xff\xfe\x00garbage", "application/json", id="not-utf8"),
    pytest.param(b"decision=approved&channel=sms", "application/x-www-form-urlencoded", id="form-encoded"),
    pytest.param(b'{"a": ' * 5000 + b"1" + b"}" * 5000, "application/json", id="deeply-nested"),
]


@pytest.mark.parametrize("endpoint", TARGETS)
def test_a_body_that_is_not_a_json_object_is_a_422(w2, app, endpoint):
    target = TARGETS[endpoint](w2)
    before = recovery_counts(app)
    problems = []
    for param in RAW_BODIES:
        data, content_type = param.values
        response = target.send_raw(data, content_type)
        if response.status_code != 422 or "_schema" not in (response.get_json() or {}).get("errors", {}):
            problems.append((param.id, response.status_code, response.get_data(as_text=True)[:200]))
    assert recovery_counts(app) == before
    assert not problems, problems


def test_a_body_over_the_size_limit_is_refused_without_a_500(w2, app):
    target = attempt_target(w2)
    before = recovery_counts(app)
    response = target.send_raw(json.dumps({**target.body, "rescue_detail": "x" * 2_000_000}).encode())
    assert response.status_code == 413
    assert recovery_counts(app) == before


@pytest.mark.parametrize("bad_id", ["99999999999999999999999", "9223372036854775808", "2147483648"])
def test_huge_ids_in_the_path_are_404(w2, bad_id):
    case_id = w2.opened_case(routes=UNAPPROVED_EMAIL)
    attempt = w2.attempted(case_id, channel="email", emergency_exception_reason="Phone disconnected")
    base = "/api/v1/recovery-cases"
    assert w2.get(f"{base}/{bad_id}", "olu").status_code == 404
    assert w2.post(f"{base}/{bad_id}/open", {}, "olu").status_code == 404
    assert w2.post(f"{base}/{bad_id}/attempts", {}, "olu").status_code == 404
    assert w2.get(f"{base}/{bad_id}", "sade").status_code == 404
    assert w2.post(f"{base}/{bad_id}/disposition", {}, "sade").status_code == 404
    assert w2.post(f"{base}/{bad_id}/attempts/{attempt['id']}/exception", {"decision": "approved"},
                   "sade").status_code == 404
    assert w2.post(f"{base}/{case_id}/attempts/{bad_id}/exception", {"decision": "approved"},
                   "sade").status_code == 404
    assert w2.get(f"/recovery/{bad_id}", "sade").status_code == 404
    assert w2.get(f"/recovery/{bad_id}/disposition", "sade").status_code == 404


@pytest.mark.parametrize("path", ["/api/v1/recovery-cases/abc/open", "/api/v1/recovery-cases/-1/attempts",
                                  "/api/v1/recovery-cases/1.5/disposition",
                                  "/api/v1/recovery-cases/1/attempts/abc/exception"])
def test_ids_that_are_not_numbers_are_404(w2, path):
    as_user = "sade" if path.endswith(("disposition", "exception")) else "olu"
    assert w2.post(path, {"decision": "approved"}, as_user).status_code == 404


@pytest.mark.parametrize("query", ["status=bogus", "status=OPEN", "status=open%20", "status=" + "x" * 10_000,
                                   "status=%FF%FE", "status=open,closed", "status=open&status=bogus",
                                   "status=bogus&status=open", "status="])
def test_a_bad_status_filter_is_a_422_naming_status(w2, query):
    w2.case()
    response = w2.get(f"/api/v1/recovery-cases?{query}", "sade")
    if query in ("status=open&status=bogus", "status="):  # the first value counts; an empty one is no filter
        assert response.status_code == 200
        return
    assert names(response, "status"), (query[:30], response.status_code, response.get_json())
    assert "x" * 100 not in response.get_data(as_text=True)  # the bad value is not echoed back


def test_a_nul_character_in_the_query_is_refused_without_a_500(w2):
    w2.case()
    response = w2.get("/api/v1/recovery-cases?status=open%00", "sade")
    assert response.status_code == 400 and response.get_json()["errors"]["_schema"]


def test_an_unknown_query_parameter_is_ignored(w2):
    case_id = w2.case()
    response = w2.get("/api/v1/recovery-cases?state=bogus&status[]=open", "sade")
    assert response.status_code == 200 and [c["id"] for c in response.get_json()["items"]] == [case_id]


@pytest.mark.parametrize("status", ["instructed", "open", "dispositioned", "closed"])
def test_every_known_status_filters(w2, status):
    case_id = w2.case()
    items = w2.get(f"/api/v1/recovery-cases?status={status}", "sade").get_json()["items"]
    assert [c["id"] for c in items] == ([case_id] if status == "instructed" else [])


# --- the screen forms ---------------------------------------------------------------------------

def error_next_to(html: str, field: str) -> bool:
    """The field's error paragraph, rendered inside the field's own block."""
    return re.search(rf'<p class="error" id="{re.escape(field)}-error">[^<]+</p>', html) is not None


class Screen:
    def __init__(self, w2: W2, case_id: int, action: str, as_user: str, page: str):
        self.w2, self.case_id, self.action, self.as_user, self.page = w2, case_id, action, as_user, page

    def post(self, data: dict):
        self.w2.as_user(self.as_user)
        token = csrf_from(self.w2.auth.get(self.page).text)
        return self.w2.auth.client.post(self.action, data={**data, "csrf_token": token})


def open_screen(w2):
    case_id = w2.case()
    return Screen(w2, case_id, f"/recovery/{case_id}/open", "olu", f"/recovery/{case_id}")


def attempt_screen(w2):
    case_id = w2.opened_case()
    return Screen(w2, case_id, f"/recovery/{case_id}/attempts", "olu", f"/recovery/{case_id}")


def disposition_screen(w2):
    case_id = w2.opened_case()
    return Screen(w2, case_id, f"/recovery/{case_id}/disposition", "sade", f"/recovery/{case_id}/disposition")


SCREENS = {"open": open_screen, "attempts": attempt_screen, "disposition": disposition_screen}

FORM_GARBAGE = [
    pytest.param("open", {}, ["recovery_priority_tier", "approved_contact_route", "immediate_welfare_concern",
                              "service_impact_score", "next_checkpoint_date"], id="open-empty"),
    pytest.param("open", {"recovery_priority_tier": "9", "approved_contact_route": "abc",
                          "immediate_welfare_concern": "perhaps", "service_impact_score": "eleven",
                          "next_checkpoint_date": "31/02/2026"},
                 ["recovery_priority_tier", "approved_contact_route", "immediate_welfare_concern",
                  "service_impact_score", "next_checkpoint_date"], id="open-garbage"),
    pytest.param("open", {"recovery_priority_tier": HUGE, "approved_contact_route": "9" * 5000,
                          "immediate_welfare_concern": HUGE, "service_impact_score": "1.5",
                          "next_checkpoint_date": HUGE},
                 ["recovery_priority_tier", "approved_contact_route", "immediate_welfare_concern",
                  "service_impact_score", "next_checkpoint_date"], id="open-huge"),
    pytest.param("attempts", {}, ["attempt_at", "channel", "outcome", "barrier_signal", "rescue_option"],
                 id="attempts-empty"),
    pytest.param("attempts", {"attempt_at": "2026-99-99T99:99", "channel": "carrier_pigeon", "outcome": "maybe",
                              "barrier_signal": "?", "rescue_option": "prayer", "rescue_detail": HUGE,
                              "emergency_exception_reason": HUGE},
                 ["attempt_at", "channel", "outcome", "barrier_signal", "rescue_option", "rescue_detail",
                  "emergency_exception_reason"], id="attempts-garbage"),
    pytest.param("attempts", {"attempt_at": "2099-01-01T10:00", "channel": "letter", "outcome": "reached",
                              "barrier_signal": "none", "rescue_option": "alternate_slot",
                              "rescue_detail": "Please call us back"},
                 ["attempt_at", "channel", "rescue_detail"], id="attempts-rules"),
    pytest.param("disposition", {}, ["continuity_restored", "replacement_contact_route", "unresolved_barrier_count",
                                     "locked_instruction", "review_date"], id="disposition-empty"),
    pytest.param("disposition", {"continuity_restored": "sort of", "continuity_evidence": ["abc", "1.5"],
                                 "replacement_contact_route": "-3", "unresolved_barrier_count": "lots",
                                 "locked_instruction": "pray", "rebook_at": "soon", "instruction_detail": HUGE,
                                 "review_date": "never"},
                 ["continuity_restored", "continuity_evidence", "replacement_contact_route",
                  "unresolved_barrier_count", "locked_instruction", "rebook_at", "instruction_detail", "review_date"],
                 id="disposition-garbage"),
    pytest.param("disposition", {"continuity_restored": "yes", "replacement_contact_route": "999999",
                                 "unresolved_barrier_count": "0", "locked_instruction": "rebook",
                                 "review_date": "2020-01-01"},
                 ["continuity_evidence", "replacement_contact_route", "rebook_at", "review_date"],
                 id="disposition-rules"),
]


@pytest.mark.parametrize(("screen", "data", "fields"), FORM_GARBAGE)
def test_a_screen_form_with_garbage_shows_each_error_next_to_its_field(w2, app, screen, data, fields):
    form = SCREENS[screen](w2)
    before = recovery_counts(app)
    response = form.post(data)
    assert response.status_code == 422, response.status_code
    html = response.get_data(as_text=True)
    assert "Not saved" in html
    missing = [field for field in fields if not error_next_to(html, field)]
    assert not missing, missing
    assert recovery_counts(app) == before


@pytest.mark.parametrize("screen", SCREENS)
@pytest.mark.parametrize("hidden", [{"client_id": "not-a-uuid"}, {"recorded_at": "yesterday"},
                                    {"reviewer_id": "1"}])
def test_tampered_hidden_fields_are_refused_without_a_500(w2, app, screen, hidden):
    form = SCREENS[screen](w2)
    before = recovery_counts(app)
    response = form.post(hidden)
    assert response.status_code == 422
    assert "Not saved" in response.get_data(as_text=True)
    assert recovery_counts(app) == before
