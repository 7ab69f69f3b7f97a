"""Malformed input at every field of every mutating JSON endpoint of workflow 1, at the query parameters of
the list endpoints, and at the fields of the HTML forms: always a clear 4xx naming what is wrong, never a
500, and nothing saved.

Each endpoint is a table: its valid base body (posted last, to prove the base is valid so that each case
fails only because of its one change) and, per field, the kind of field; the bad values come from the kind.
"""
import json
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from urllib.parse import quote, urlsplit

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings, strategies as st

from conftest import PASSWORD, csrf_from
from pwa.extensions import db
from pwa.governance import vocab
from pwa.governance.vocab import ROLES
from tests.support.clock import NY
from tests.support.payloads import classification_payload, event_payload, release_payload

MISSING = object()
HUGE = "x" * 100_000


# --- bad values by kind of field -------------------------------------------------------------------

def wrong_types(*, null=True, missing=True, number=True, string=None):
    cases = [("object", {"a": 1}), ("list", ["a"]), ("bool", True)]
    if number:
        cases.append(("number", 42))
    if string is not None:
        cases.append(("string", string))
    if null:
        cases.append(("null", None))
    if missing:
        cases.append(("missing", MISSING))
    return cases


def text(required=True, pattern=False):
    cases = wrong_types(null=required, missing=required) + [("huge", HUGE), ("float", 1.5), ("NUL", "C-1\x00")]
    if required:
        cases += [("empty", "")]
    if pattern:
        cases += [("bad characters", "C 1/../<script>"), ("newline", "C-1\n")]
    return cases


def choice(values, required=True):
    values = tuple(values)
    return wrong_types(null=required, missing=required) + [
        ("unknown value", "maybe"), ("upper case", values[0].upper()), ("padded", f" {values[0]} "),
        ("label instead of value", values[0].replace("_", " ").capitalize() + "!"), ("empty", ""), ("huge", HUGE),
        ("NUL", values[0] + "\x00")]


def a_date():
    return wrong_types(number=False) + [
        ("number", 20261120), ("day first", "20/11/2026"), ("month 13", "2026-13-01"), ("30 February", "2026-02-30"),
        ("word", "tomorrow"), ("datetime", "2026-11-20T10:00:00"), ("empty", ""), ("huge", HUGE),
        ("long ago", "0001-01-01"), ("far future", "9999-12-31"), ("NUL", "2026-11-20\x00")]


def a_datetime(required=True):
    return wrong_types(number=False, null=required, missing=required) + [
        ("epoch number", 1763391600), ("naive", "2026-11-17T09:40:00"), ("naive with space", "2026-11-17 09:40:00"),
        ("date only", "2026-11-17"), ("day first", "17/11/2026 09:40"), ("hour 25", "2026-11-17T25:00:00Z"),
        ("offset +25:00", "2026-11-17T09:40:00+25:00"), ("word", "yesterday"), ("empty", ""), ("huge", HUGE),
        ("year 9999 west of UTC", "9999-12-31T23:30:00-05:00"), ("year 1 east of UTC", "0001-01-01T00:10:00+05:00"),
        ("year 9999 in UTC", "9999-12-31T23:59:00Z"), ("NUL", "2026-11-17T09:40:00-05:00\x00")]


def count():
    return wrong_types(number=False, string="three") + [
        ("negative", -1), ("too big", 1001), ("fraction", 1.5), ("enormous", 10 ** 30), ("digits", "9" * 5000),
        ("NaN", float("nan")), ("infinity", float("inf")), ("empty", ""), ("huge", HUGE)]


def whole_number_optional():
    return wrong_types(missing=False, number=False, string="sixty") + [
        ("zero", 0), ("too big", 601), ("fraction", 30.5), ("enormous", 10 ** 30), ("huge", HUGE)]


def boolean(required=True):
    return [("object", {"a": 1}), ("list", [True]), ("null", None), ("string", "perhaps"), ("number 7", 7),
            ("fraction", 0.5), ("huge", HUGE)] + ([("missing", MISSING)] if required else [])


def a_list(values):
    return wrong_types(number=True, string=values[0]) + [
        ("unknown item", ["nonsense"]), ("number item", [1]), ("nested list", [[values[0]]]),
        ("null item", [None]), ("too many", [values[0]] * 50), ("huge item", [HUGE])]


def routes():
    good = {"channel": "sms", "value": "+1 555 0100", "approved": True}
    return wrong_types(string="sms") + [
        ("number item", [1]), ("empty item", [{}]), ("unknown channel", [{**good, "channel": "pigeon"}]),
        ("approved not bool", [{**good, "approved": "perhaps"}]), ("extra key", [{**good, "owner": "x"}]),
        ("huge value", [{**good, "value": HUGE}]), ("too many", [good] * 21)]


# --- the endpoints ---------------------------------------------------------------------------------

@dataclass
class Endpoint:
    path: str                       # with {ids} from `world`
    base: object                    # w -> a valid body
    fields: dict                    # field -> [(label, bad value)]
    success: int                    # the status of the valid base body
    extra: list = field(default_factory=list)  # (label, w -> body, field named in errors)
    # Whole-body or field cases answered with another documented status: label -> status.
    other_status: dict = field(default_factory=dict)


def _future(days):
    return (date(2026, 11, 17) + timedelta(days=days)).isoformat()


ENDPOINTS = {
    "session": Endpoint(
        # A user whose role takes no second factor: the base body is the whole sign-in.
        "/api/v1/session", lambda w: {"username": "cora", "password": PASSWORD},
        {"username": text(), "password": text()}, 200,
        # A sign-in that is well formed but wrong is a 401 (the contract), not a 422.
        other_status={"username huge": 401, "username empty": 401, "password huge": 401, "password empty": 401}),
    "cases": Endpoint(
        "/api/v1/cases",
        lambda w: {"case_ref": "C-NEW", "display_name": "New Person", "team": "North", "risk_flags": ["crisis"],
                   "contact_routes": [{"channel": "sms", "value": "+1 555 0199", "approved": True, "preferred": True}],
                   "assigned_outreach_worker": "olu"},
        {"case_ref": text(pattern=True), "display_name": text(), "team": text(required=False),
         "risk_flags": a_list(vocab.RISK_FLAGS), "contact_routes": routes(),
         "assigned_outreach_worker": text(required=False)},
        201,
        extra=[("unknown worker", lambda w: {**ENDPOINTS["cases"].base(w), "assigned_outreach_worker": "nobody"},
                "assigned_outreach_worker"),
               ("worker who is not an outreach worker",
                lambda w: {**ENDPOINTS["cases"].base(w), "assigned_outreach_worker": "cora"},
                "assigned_outreach_worker")]),
    "appointments": Endpoint(
        "/api/v1/appointments",
        lambda w: {"appointment_ref": "A-NEW", "case_ref": w["case_ref"], "scheduled_at": "2026-11-18T10:00:00-05:00",
                   "service": "Counselling", "modality": "virtual", "duration_minutes": 50, "cancelled": False},
        {"appointment_ref": text(pattern=True), "case_ref": text(), "scheduled_at": a_datetime(),
         "service": text(), "modality": choice(vocab.MODALITIES), "duration_minutes": whole_number_optional(),
         "cancelled": boolean(required=False), "attendance_code": text(required=False)},
        201,
        extra=[("unknown case", lambda w: {**ENDPOINTS["appointments"].base(w), "case_ref": "C-NOPE"}, "case_ref"),
               ("appointment of another case",
                lambda w: {**ENDPOINTS["appointments"].base(w), "appointment_ref": w["appts"]["fresh"]["appointment_ref"],
                           "case_ref": w["other_case_ref"]}, "case_ref")]),
    "attendance": Endpoint(
        "/api/v1/appointments/{signal_ref}/attendance",
        lambda w: {"joined_at": "2026-11-17T09:56:00-05:00", "left_at": "2026-11-17T09:58:00-05:00"},
        {"joined_at": a_datetime(required=False), "left_at": a_datetime(required=False),
         "arrived_at": a_datetime(required=False)},
        200,
        extra=[("left before joining", lambda w: {"joined_at": "2026-11-17T09:56:00-05:00",
                                                  "left_at": "2026-11-17T09:50:00-05:00"}, "left_at"),
               ("no time at all", lambda w: {}, "_schema"),
               ("all times null", lambda w: {"joined_at": None, "left_at": None, "arrived_at": None}, "_schema")]),
    "attendance-codes": Endpoint(
        "/api/v1/attendance-codes",
        lambda w: {"appointment_ref": w["appts"]["released"]["appointment_ref"], "code": "NS-ACCESS"},
        {"appointment_ref": text(), "code": text()},
        200,
        extra=[("unknown appointment", lambda w: {"appointment_ref": "A-NOPE", "code": "NS-ACCESS"},
                "appointment_ref")]),
    "missed-contacts": Endpoint(
        "/api/v1/missed-contacts",
        lambda w: event_payload(w["appts"]["fresh"], note="Called twice."),
        {"case_ref": text(), "appointment_ref": text(), "scheduled_at": a_datetime(),
         "event_type": choice(vocab.EVENT_TYPES), "service_disruption_known": choice(vocab.YES_NO),
         "contactability_status": choice(vocab.CONTACTABILITY),
         "next_checkpoint_date": a_date(), "note": text(required=False)},
        201,
        extra=[("scheduled_at not the live schedule",
                lambda w: {**ENDPOINTS["missed-contacts"].base(w), "scheduled_at": "2026-11-17T08:00:00-05:00"},
                "scheduled_at"),
               ("checkpoint in the past",
                lambda w: {**ENDPOINTS["missed-contacts"].base(w), "next_checkpoint_date": "2026-11-16"},
                "next_checkpoint_date"),
               ("unknown appointment",
                lambda w: {**ENDPOINTS["missed-contacts"].base(w), "appointment_ref": "A-NOPE"}, "appointment_ref"),
               ("unknown case", lambda w: {**ENDPOINTS["missed-contacts"].base(w), "case_ref": "C-NOPE"},
                "case_ref")]),
    "classification": Endpoint(
        "/api/v1/missed-contacts/{queued}/classification",
        lambda w: classification_payload(),
        {"final_classification": choice(vocab.CLASSIFICATIONS), "outcome": choice(vocab.CLASSIFICATION_OUTCOMES),
         "access_barrier_likelihood": choice(vocab.LIKELIHOODS),
         "service_failure_contribution": choice(vocab.SERVICE_CONTRIBUTIONS), "contributing_factors": a_list(vocab.CONTRIBUTING_FACTORS),
         "unresolved_dependency_count": count(), "evidence_summary": text()},
        201,
        extra=[("undetermined but confirmed",
                lambda w: classification_payload(final_classification="undetermined"), "outcome"),
               ("no service contribution despite transport",
                lambda w: classification_payload(service_failure_contribution="none"),
                "service_failure_contribution")]),
    "evidence": Endpoint(
        "/api/v1/missed-contacts/{returned}/evidence",
        lambda w: {"evidence": "The bus company confirmed the cancellation.", "contactability_status": "reachable"},
        {"evidence": text(), "contactability_status": choice(vocab.CONTACTABILITY, required=False)},
        201),
    "release": Endpoint(
        "/api/v1/missed-contacts/{confirmed}/release",
        lambda w: release_payload(review_date=_future(7)),
        {"permanent_code": choice(vocab.PERMANENT_CODES.values()), "follow_up_required": choice(vocab.YES_NO),
         "follow_up_route": choice(vocab.FOLLOW_UP_ROUTES),
         "review_date": a_date()},
        201,
        extra=[("code that does not match", lambda w: release_payload(permanent_code="NS-REFUSAL",
                                                                       review_date=_future(7)), "permanent_code"),
               ("follow-up required with no route",
                lambda w: release_payload(follow_up_route="none", review_date=_future(7)), "follow_up_route"),
               ("review date in the past", lambda w: release_payload(review_date="2026-11-01"), "review_date")]),
    "acknowledge": Endpoint(
        "/api/v1/escalations/{escalation}/acknowledge",
        lambda w: {"note": "Checked the schedule feed; the code came from the import."},
        {"note": text() + [("blank", "   ")]},
        200),
}

# Whole-body cases, the same for every endpoint: (label, request kwargs, expected status).
BODIES = [
    ("invalid JSON bytes", {"data": b'{"note": ', "content_type": "application/json"}, 422),
    ("not UTF-8", {"data": b'{"note": "\xff\xfe"}', "content_type": "application/json"}, 422),
    ("a JSON list", {"json": [{"note": "x"}]}, 422),
    ("a JSON string", {"json": "note"}, 422),
    ("a JSON number", {"json": 7}, 422),
    ("JSON null", {"data": b"null", "content_type": "application/json"}, 422),
    ("empty body", {"data": b"", "content_type": "application/json"}, 422),
    ("no body, no content type", {}, 422),
    ("a form instead of JSON", {"data": "note=x&username=y", "content_type": "application/x-www-form-urlencoded"},
     422),
    ("XML", {"data": "<note>x</note>", "content_type": "application/xml"}, 422),
    ("deeply nested JSON", {"data": b"[" * 50_000 + b"]" * 50_000, "content_type": "application/json"}, 422),
    ("an integer literal of 5000 digits", {"data": b'{"note": ' + b"9" * 5000 + b"}",
                                           "content_type": "application/json"}, 422),
    ("2 MB body", {"data": b'{"note": "' + b"x" * (2 * 1024 * 1024) + b'"}', "content_type": "application/json"},
     413),
]


NOT_JSON = {"no body, no content type", "a form instead of JSON", "XML"}


# --- the world the endpoints act on ----------------------------------------------------------------

def world(app, auth, factory) -> dict:
    from pwa.accounts.models import User
    from pwa.errors import WorkflowRefused
    from pwa.intake import operations as ops

    auth.user("cora", "coordinator")
    auth.user("sam", "attendance_supervisor")
    auth.user("olu", "outreach_worker")
    auth.user("multi", *ROLES)
    case_ref = factory.case(worker="olu")
    other_case_ref = factory.case()
    appts = {name: factory.appointment(case_ref, minutes_ago=minutes)
             for name, minutes in (("fresh", 20), ("queued", 25), ("returned", 30), ("confirmed", 35),
                                   ("released", 40), ("e1", 45))}
    signal = factory.appointment(case_ref, minutes_ago=5, modality="virtual")
    with app.app_context():
        cora, sam = db.session.get(User, auth.users["cora"]), db.session.get(User, auth.users["sam"])
        events = {name: ops.open_missed_contact(event_payload(appts[name]), cora).id
                  for name in ("queued", "returned", "confirmed", "released")}
        ops.classify_missed_contact(events["returned"], classification_payload(
            final_classification="undetermined", outcome="return_for_evidence"), sam)
        ops.classify_missed_contact(events["confirmed"], classification_payload(), sam)
        ops.classify_missed_contact(events["released"], classification_payload(), sam)
        ops.release_code(events["released"], release_payload(review_date=_future(7)), cora)
        db.session.commit()
        with pytest.raises(WorkflowRefused) as refused:
            ops.apply_attendance_code({"appointment_ref": appts["e1"]["appointment_ref"], "code": "NS-ACCESS"},
                                      cora, source="the test")
        db.session.commit()
        db.session.remove()
    return {"case_ref": case_ref, "other_case_ref": other_case_ref, "appts": appts, **events,
            "signal_ref": signal["appointment_ref"], "escalation": refused.value.escalation_id}


# Written by design on any request, not half-saved records: a failed sign-in is counted for throttling
# (pwa/accounts/throttle.py), a read of a person's data is in the access record (pwa/access_log).
THROTTLE_TABLES = {"sign_in_failures", "access_records"}


def row_counts(app) -> dict:
    with app.app_context():
        tables = [t for t in db.metadata.sorted_tables if t.name not in THROTTLE_TABLES]
        query = sa.select(*[sa.select(sa.func.count()).select_from(t).scalar_subquery().label(t.name)
                            for t in tables])
        row = db.session.execute(query).one()
        db.session.remove()
    return dict(row._mapping)


def snapshot(app) -> dict:
    """Every row of every table, but the sign-in sessions' idle clock."""
    out = {}
    with app.app_context():
        with db.engine.connect() as conn:
            for table in db.metadata.sorted_tables:
                if table.name in THROTTLE_TABLES:
                    continue
                columns = [c for c in table.c if c.name != "last_seen_at"]
                out[table.name] = sorted(map(repr, conn.execute(sa.select(*columns)).all()))
        db.session.remove()
    return out


def names_field(body: dict, name: str) -> bool:
    errors = body.get("errors") or {}
    return any(key == name or key.startswith(name + ".") for key in errors)


def field_cases(endpoint: Endpoint, w: dict):
    base = endpoint.base(w)
    for name, bad_values in endpoint.fields.items():
        for label, value in bad_values:
            body = dict(base)
            if value is MISSING:
                body.pop(name, None)
            else:
                body[name] = value
            yield f"{name} {label}", body, name
    for label, make, name in endpoint.extra:
        yield label, make(w), name
    yield "unknown extra field", {**base, "is_admin": True}, "is_admin"


# --- JSON endpoints, field by field ----------------------------------------------------------------

@pytest.mark.parametrize("name", list(ENDPOINTS))
def test_every_field_of_the_endpoint_refuses_malformed_values(name, app, client, auth, factory, now):
    endpoint = ENDPOINTS[name]
    w = world(app, auth, factory)
    auth.login("multi")
    path = endpoint.path.format(**w)
    before, failures = snapshot(app), []
    counts = row_counts(app)
    for label, body, field_name in field_cases(endpoint, w):
        response = auth.post(path, body)
        status = response.status_code
        expected = endpoint.other_status.get(label, 422)
        if status != expected:
            failures.append(f"{label}: {status}, expected {expected} {response.get_data(as_text=True)[:200]}")
        elif not response.is_json:
            failures.append(f"{label}: the error is not JSON")
        elif expected == 422 and not names_field(response.get_json(), field_name):
            failures.append(f"{label}: errors do not name {field_name}: {response.get_json().get('errors')}")
        if row_counts(app) != counts:
            failures.append(f"{label}: saved something")
            counts = row_counts(app)
    assert not failures, f"{name}:\n" + "\n".join(failures)
    assert snapshot(app) == before, f"{name}: a refused request changed a record"
    # The base body was valid: each case failed only because of its one change.
    done = auth.post(path, endpoint.base(w))
    assert done.status_code == endpoint.success, done.get_json()


@pytest.mark.parametrize("name", list(ENDPOINTS))
def test_malformed_bodies_are_refused_whole(name, app, client, auth, factory, now):
    endpoint = ENDPOINTS[name]
    w = world(app, auth, factory)
    auth.login("multi")
    path = endpoint.path.format(**w)
    before, failures = snapshot(app), []
    for label, kwargs, expected in BODIES:
        if name == "session" and label in NOT_JSON:
            expected = 415  # sign-in takes JSON only: another site's form cannot sign a browser in
        response = client.post(path, headers=auth.headers(), **kwargs)
        if response.status_code != expected:
            failures.append(f"{label}: {response.status_code}, expected {expected}")
        elif not response.is_json or not response.get_json().get("errors"):
            failures.append(f"{label}: no JSON errors")
    assert not failures, f"{name}:\n" + "\n".join(failures)
    assert snapshot(app) == before


def test_path_ids_that_do_not_exist(app, client, auth, factory, now):
    w = world(app, auth, factory)
    auth.login("multi")
    for path, body in [
        ("/api/v1/appointments/A-NOPE/attendance", {"joined_at": "2026-11-17T09:56:00-05:00"}),
        (f"/api/v1/appointments/{quote('A /../x')}/attendance", {"joined_at": "2026-11-17T09:56:00-05:00"}),
        ("/api/v1/missed-contacts/999999/classification", classification_payload()),
        ("/api/v1/missed-contacts/999999/evidence", {"evidence": "x"}),
        ("/api/v1/missed-contacts/999999/release", release_payload()),
        ("/api/v1/escalations/999999/acknowledge", {"note": "x"}),
        ("/api/v1/missed-contacts/abc/release", release_payload()),
        ("/api/v1/missed-contacts/-1/release", release_payload()),
        ("/api/v1/missed-contacts/99999999999999999999999/release", release_payload()),
    ]:
        response = auth.post(path, body)
        assert response.status_code == 404, (path, response.status_code)
        assert response.is_json, path
    assert w


# --- query parameters ------------------------------------------------------------------------------

QUERIES = [
    # (path, parameter named in the errors)
    ("/api/v1/missed-contacts?status=bogus", "status"),
    ("/api/v1/missed-contacts?status=QUEUED", "status"),
    ("/api/v1/missed-contacts?status=" + "q" * 100_00, "status"),
    ("/api/v1/recovery-cases?status=bogus", "status"),
    ("/api/v1/escalations?status=closed", "status"),
    ("/api/v1/escalations?level=ceo", "level"),
    ("/api/v1/escalations?level=admin", "level"),
    ("/api/v1/archive/missed-contact?page=abc", "page"),
    ("/api/v1/archive/missed-contact?page=0", "page"),
    ("/api/v1/archive/missed-contact?page=-1", "page"),
    ("/api/v1/archive/missed-contact?page=1.5", "page"),
    ("/api/v1/archive/missed-contact?page=", "page"),
    ("/api/v1/archive/missed-contact?page=10000000", "page"),
    ("/api/v1/archive/missed-contact?page=" + "9" * 5000, "page"),
    ("/api/v1/archive/missed-contact?page=%C2%B2", "page"),          # superscript two: a "digit" int() refuses
    ("/api/v1/archive/missed-contact?page=%EF%BC%91", "page"),       # fullwidth one
    ("/api/v1/archive/missed-contact?per_page=0", "per_page"),
    ("/api/v1/archive/missed-contact?per_page=501", "per_page"),
    ("/api/v1/archive/missed-contact?per_page=ten", "per_page"),
    ("/api/v1/archive/missed-contact?per_page=%C2%B3", "per_page"),
    ("/api/v1/archive/missed-contact?per_page=-5", "per_page"),
]


def test_query_parameters_are_checked(app, client, auth, factory, now):
    w = world(app, auth, factory)
    auth.login("multi")
    failures = []
    for path, name in QUERIES:
        response = client.get(path)
        if response.status_code != 422 or not names_field(response.get_json() or {}, name):
            failures.append(f"{path[:80]}: {response.status_code} {response.get_data(as_text=True)[:160]}")
    assert not failures, "\n".join(failures)
    # Well-formed values are answered; an unknown folder is a 404; the screens never fail on odd pages.
    # An empty filter (as a GET form leaves it) is no filter: schemathesis found `level=` refused.
    for path in ("/api/v1/missed-contacts?status=", "/api/v1/escalations?status=open&level=",
                 "/api/v1/missed-contacts?status=queued", "/api/v1/recovery-cases?status=instructed",
                 "/api/v1/escalations?status=open&level=attendance_supervisor",
                 "/api/v1/archive/missed-contact?page=2&per_page=500",
                 "/api/v1/archive/missed-contact?case_ref=" + "c" * 10_000):
        assert client.get(path).status_code == 200, path
    assert client.get("/api/v1/archive/no-such-folder").status_code == 404
    for page in ("abc", "0", "-1", "%C2%B2", "%EF%BC%91", "9" * 5000, ""):
        response = client.get(f"/archive/missed-contact?page={page}")
        assert response.status_code == 200, (page, response.status_code)
    assert w


def test_a_nul_character_anywhere_is_refused_not_a_server_error(app, client, auth, factory, now):
    """PostgreSQL cannot compare or store text with NUL: the lookups themselves would fail."""
    w = world(app, auth, factory)
    auth.login("multi")
    before = snapshot(app)
    for path in ("/api/v1/archive/missed-contact?case_ref=%00", "/api/v1/recovery-cases?status=open%00",
                 "/api/v1/missed-contacts?%00=1", "/archive/missed-contact?case_ref=C%00",
                 f"/missed-contacts/new?appointment_ref={w['appts']['fresh']['appointment_ref']}%00"):
        response = client.get(path)
        assert response.status_code == 400, (path, response.status_code)
        assert response.is_json == path.startswith("/api/"), path
    for path, body in (("/api/v1/appointments/A%00/attendance", {"joined_at": "2026-11-17T09:56:00-05:00"}),
                       ("/api/v1/attendance-codes", {"appointment_ref": "A\x00", "code": "NS-ACCESS"}),
                       ("/api/v1/session", {"username": "multi\x00", "password": PASSWORD}),
                       ("/api/v1/cases", {"case_ref": "C-1", "display_name": "N", "risk_flags": [],
                                          "contact_routes": [{"channel": "sms", "value": "1\x00", "approved": True}]}),
                       ("/api/v1/cases", {"case_ref\x00": "C-1"})):
        response = auth.post(path, body)
        assert response.status_code in (400, 422), (path, response.status_code)
        assert response.get_json()["errors"], path
    token = csrf_from(client.get("/escalations").text)
    for path, data in ((f"/missed-contacts/new?appointment_ref={w['appts']['fresh']['appointment_ref']}",
                        {"appointment_ref": w["appts"]["fresh"]["appointment_ref"] + "\x00"}),
                       (f"/missed-contacts/{w['queued']}/classify", {"evidence_summary": "a\x00b"}),
                       (f"/escalations/{w['escalation']}/acknowledge", {"note": "\x00"}),
                       (f"/appointments/{w['appts']['fresh']['appointment_ref']}%00/attendance-code", {"code": "NS"}),
                       ("/sign-in", {"username": "cora\x00", "password": "x"})):
        response = client.post(path, data={**data, "csrf_token": token})
        assert response.status_code == 400, (path, response.status_code)
    assert snapshot(app) == before


# --- HTML forms ------------------------------------------------------------------------------------

def _local(iso: str) -> str:
    return datetime.fromisoformat(iso).astimezone(NY).strftime("%Y-%m-%dT%H:%M")


@dataclass
class Form:
    path: str
    base: object        # w -> valid form data
    fields: dict        # field -> [bad values]
    success: int = 302
    # Fields a browser may leave out: optional ones, and a checkbox group (none ticked is an empty list).
    may_be_missing: tuple = ()


GARBAGE = ["nonsense", "-1", "<script>alert(1)</script>", "\u202e\u200b", HUGE[:5000]]

FORMS = {
    "new event": Form(
        "/missed-contacts/new?appointment_ref={fresh_ref}",
        lambda w: {**event_payload(w["appts"]["fresh"]), "scheduled_at": _local(w["appts"]["fresh"]["scheduled_at"]),
                   "note": "Called twice."},
        {"scheduled_at": GARBAGE + ["2026-11-17T08:00", "2026-13-45T99:99", "2026-11-17"],
         "event_type": GARBAGE, "service_disruption_known": GARBAGE, "contactability_status": GARBAGE,
         "next_checkpoint_date": GARBAGE + ["31/12/2026", "2026-11-01"], "note": [HUGE],
         "case_ref": ["C-NOPE", HUGE], "appointment_ref": ["A-NOPE", HUGE]}, may_be_missing=("note",)),
    "classify": Form(
        "/missed-contacts/{queued}/classify",
        lambda w: classification_payload(),
        {"final_classification": GARBAGE, "outcome": GARBAGE, "access_barrier_likelihood": GARBAGE,
         "service_failure_contribution": GARBAGE, "contributing_factors": GARBAGE,
         "unresolved_dependency_count": GARBAGE + ["0.5", "1.5", "1001", "1e3", "²"], "evidence_summary": [HUGE]},
        may_be_missing=("contributing_factors",)),
    "evidence": Form(
        "/missed-contacts/{returned}/evidence",
        lambda w: {"evidence": "The bus company confirmed it.", "contactability_status": "reachable"},
        {"evidence": [HUGE], "contactability_status": GARBAGE}, may_be_missing=("contactability_status",)),
    "release": Form(
        "/missed-contacts/{confirmed}/release",
        lambda w: release_payload(review_date=_future(7)),
        {"permanent_code": GARBAGE + ["NS-REFUSAL"], "follow_up_required": GARBAGE,
         "follow_up_route": GARBAGE, "review_date": GARBAGE + ["2026-11-01", "17/11/2026"]}),
}


def _form_post(client, path, data, token):
    return client.post(path, data={**data, "csrf_token": token})


@pytest.mark.parametrize("name", list(FORMS))
def test_every_form_field_shows_its_error_next_to_it(name, app, client, auth, factory, now):
    form = FORMS[name]
    w = world(app, auth, factory)
    w["fresh_ref"] = w["appts"]["fresh"]["appointment_ref"]
    auth.login("multi")
    path = form.path.format(**w)
    page = client.get(path)
    assert page.status_code == 200
    token = csrf_from(page.text)
    before, failures = snapshot(app), []
    base = form.base(w)
    for field_name, values in form.fields.items():
        for value in [*values, MISSING]:
            if value is MISSING and field_name in form.may_be_missing:
                continue
            data = {k: v for k, v in base.items() if k != field_name}
            if value is not MISSING:
                data[field_name] = value
            response = _form_post(client, path, data, token)
            label = f"{field_name}={str(value)[:30]!r}" if value is not MISSING else f"{field_name} missing"
            error_id = f"{field_name}-error"
            if response.status_code != 422:
                failures.append(f"{label}: {response.status_code}")
            elif f'class="error" id="{error_id}"' not in response.text:
                failures.append(f"{label}: no inline error for the field")
            elif "Not saved" not in response.text:
                failures.append(f"{label}: no summary")
    assert not failures, f"{name}:\n" + "\n".join(failures)
    assert snapshot(app) == before
    # Everything missing at once: one inline error per required field.
    empty = _form_post(client, path, {}, token)
    assert empty.status_code == 422
    assert snapshot(app) == before
    done = _form_post(client, path, base, token)
    assert done.status_code == form.success, done.text[:500]


def test_the_acknowledge_form_refuses_a_blank_or_huge_note(app, client, auth, factory, now):
    w = world(app, auth, factory)
    auth.login("multi")
    page = client.get("/escalations")
    token = csrf_from(page.text)
    before = snapshot(app)
    path = f"/escalations/{w['escalation']}/acknowledge"
    for data in ({}, {"note": ""}, {"note": "   "}, {"note": HUGE[:5000]}):
        response = _form_post(client, path, data, token)
        assert response.status_code == 422, (data.get("note", "")[:10], response.status_code)
        assert f'class="error" id="note-{w["escalation"]}-error"' in response.text
        assert snapshot(app) == before
    for wrong in ("/escalations/999999/acknowledge",):
        assert _form_post(client, wrong, {"note": "x"}, token).status_code == 404
    assert _form_post(client, path, {"note": "Checked."}, token).status_code == 302


def test_the_sign_in_form_refuses_garbage_without_a_server_error(app, client, auth):
    auth.user("cora", "coordinator")
    token = csrf_from(client.get("/sign-in").text)
    before = row_counts(app)
    for data in ({}, {"username": ""}, {"username": "cora"}, {"username": "cora", "password": ""},
                 {"username": HUGE, "password": HUGE}, {"username": "cora\u202e", "password": "x"},
                 {"username": "<script>", "password": "x"}, {"username": ["a", "b"], "password": "x"},
                 {"username": "cora", "password": PASSWORD + "\u200b"}):
        response = client.post("/sign-in", data={**data, "csrf_token": token})
        # A failed sign-in is a 401 with the reason shown above the form (no field-by-field detail on purpose).
        assert response.status_code == 401, (str(data)[:60], response.status_code)
        assert 'class="alert"' in response.text and "do not match" in response.text
        assert row_counts(app) == before
    # The next= field cannot send a signed-in user to another site.
    for target in ("https://evil.example/", "//evil.example/", "javascript:alert(1)", "/\\evil.example"):
        fresh = app.test_client()
        token = csrf_from(fresh.get("/sign-in").text)
        answer = fresh.post("/sign-in", data={"username": "cora", "password": PASSWORD, "next": target,
                                              "csrf_token": token})
        assert answer.status_code == 302
        location = answer.headers["Location"]
        assert urlsplit(location).netloc in ("", "continuity.test"), (target, location)
        assert location.startswith("/") and not location.startswith("//") and "\\" not in location, location


# --- property: arbitrary JSON never makes a 500 ----------------------------------------------------

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12)


def _bodies(names):
    """Arbitrary JSON, and objects using the endpoint's own field names with arbitrary values."""
    keys = st.sampled_from(sorted(names)) | st.text(max_size=8)
    return JSON | st.dictionaries(keys, JSON, max_size=len(names) + 1) | st.fixed_dictionaries(
        {k: JSON for k in names})


@pytest.mark.parametrize("name", list(ENDPOINTS))
def test_arbitrary_json_never_causes_a_server_error(name, app, client, auth, factory, now):
    endpoint = ENDPOINTS[name]
    w = world(app, auth, factory)
    auth.login("multi")
    path = endpoint.path.format(**w)
    headers = auth.headers()
    names = set(endpoint.fields) | {"note"}

    @settings(max_examples=50, deadline=None, derandomize=True, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(body=_bodies(names))
    def post(body):
        response = client.post(path, data=json.dumps(body), content_type="application/json", headers=headers)
        assert response.status_code < 500, (body, response.get_data(as_text=True)[:300])
        if response.status_code == 422:
            assert response.get_json()["errors"]
        if name == "session" and response.status_code == 200:
            pytest.fail("arbitrary JSON signed in")

    post()
