"""Who may do what: every route of the app x every role (and anonymous), CSRF, security headers and sessions.

The expected access below is written by hand from SPEC.md ("Roles", each step's role) and API.md (the
"who" column). It is deliberately NOT read from the views' `allowed_roles`: a table copied from the
code could never fail. A guard test fails when a route exists that this table does not name.
"""
import logging
import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from conftest import PASSWORD, TUESDAY_10AM, csrf_from
from pwa.extensions import db
from pwa.governance.vocab import ROLES
from tests.support.payloads import classification_payload, event_payload, release_payload

MARKER = "PRIVATE-BODY-MARKER-7f3a"  # sent in every request body; must never reach a log line
HOST = "continuity.test"

# --- role groups, by hand --------------------------------------------------------------------------
SUPERVISORS = {"attendance_supervisor", "service_supervisor"}
LEADS = {"governance_lead", "panel_chair"}
RECIPIENTS = {"manager", "duty_manager", "quality_lead", "executive", "director", "chief_operating"}
# Archives: supervisors, leads, escalation recipients, admin, auditors; never coordinator, outreach, integration.
ARCHIVE = SUPERVISORS | LEADS | RECIPIENTS | {"admin", "auditor"}
# Escalation inbox and API list: escalation recipients and supervisors (admin and auditor read all).
INBOX = SUPERVISORS | RECIPIENTS | {"admin", "auditor"}
# The escalation made by `world` is an E1, addressed to the attendance supervisor: only its level acknowledges.
E1_LEVEL = {"attendance_supervisor"}
# Workflow 3: reviews are read by those who act on them (3a governance lead, 3b panel chair, 3c coordinator).
REVIEW_READERS = {"governance_lead", "panel_chair", "coordinator"}
# The weekly attendance governance review: governance, quality and the senior escalation levels, admin, auditors.
WEEKLY = {"governance_lead", "quality_lead", "executive", "director", "chief_operating", "admin", "auditor"}
# The outcomes dashboard and the governance review pack (SPEC.md "Outcomes (what leaders look at)"): the
# escalation recipients (managers and up), governance, admin and auditors.
OUTCOMES = RECIPIENTS | {"governance_lead", "admin", "auditor"}
# Section 4 (API.md Additions): support requests for tech support and the supervisors; the schedule with its
# make-ups for coordinators, supervisors and integrations.
SUPPORT = {"tech_support", "attendance_supervisor", "service_supervisor"}
SCHEDULE_READERS = {"coordinator", "attendance_supervisor", "service_supervisor", "integration"}
PUBLIC = "public"        # anyone, signed in or not
SIGNED_IN = "signed-in"  # any signed-in user, whatever the role

# (method, url rule, concrete path with {ids} from `world`, who may)
ROUTES = [
    ("GET", "/", "/", PUBLIC),
    ("GET", "/sign-in", "/sign-in", PUBLIC),
    ("GET", "/account", "/account", SIGNED_IN),
    ("GET", "/glossary", "/glossary", SIGNED_IN),
    ("GET", "/today", "/today", {"coordinator"}),
    ("GET", "/queue", "/queue", {"attendance_supervisor"}),
    ("GET", "/recovery", "/recovery", {"outreach_worker", "service_supervisor"}),
    # The recovery case of `world` is assigned to the user named "outreach_worker".
    ("GET", "/recovery/<int:recovery_id>", "/recovery/{recovery}", {"outreach_worker", "service_supervisor"}),
    ("POST", "/recovery/<int:recovery_id>/open", "/recovery/{recovery}/open", {"outreach_worker"}),
    ("POST", "/recovery/<int:recovery_id>/attempts", "/recovery/{recovery}/attempts", {"outreach_worker"}),
    ("GET", "/close-the-day", "/close-the-day", {"service_supervisor"}),
    # Section 4: the supervisor's closure; the coordinator's notice of absence; tech support's screen (request
    # 999999 does not exist: the allowed call reaches a 404).
    ("GET", "/recovery/<int:recovery_id>/close", "/recovery/{recovery}/close", {"service_supervisor"}),
    ("POST", "/recovery/<int:recovery_id>/close", "/recovery/{recovery}/close", {"service_supervisor"}),
    ("GET", "/appointments/<ref>/absence-notice", "/appointments/{fresh_ref}/absence-notice", {"coordinator"}),
    ("POST", "/appointments/<ref>/absence-notice", "/appointments/{fresh_ref}/absence-notice", {"coordinator"}),
    ("GET", "/support", "/support", SUPPORT),
    ("POST", "/support/<int:request_id>/resolve", "/support/999999/resolve", SUPPORT),
    ("GET", "/api/v1/appointments", "/api/v1/appointments?case_ref={case_ref}", SCHEDULE_READERS),
    ("POST", "/api/v1/appointments/<ref>/arrival", "/api/v1/appointments/{fresh_ref}/arrival",
     {"integration", "coordinator"}),
    ("POST", "/api/v1/appointments/<ref>/absence-notice", "/api/v1/appointments/{fresh_ref}/absence-notice",
     {"integration", "coordinator"}),
    ("POST", "/api/v1/recovery-cases/<int:case_id>/close", "/api/v1/recovery-cases/{recovery}/close",
     {"service_supervisor"}),
    ("GET", "/api/v1/support-requests", "/api/v1/support-requests", SUPPORT),
    ("POST", "/api/v1/support-requests/<int:request_id>/resolve", "/api/v1/support-requests/999999/resolve",
     SUPPORT),
    ("GET", "/recovery/<int:recovery_id>/disposition", "/recovery/{recovery}/disposition", {"service_supervisor"}),
    ("POST", "/recovery/<int:recovery_id>/disposition", "/recovery/{recovery}/disposition", {"service_supervisor"}),
    ("POST", "/recovery/<int:recovery_id>/attempts/<int:attempt_id>/exception",
     "/recovery/{recovery}/attempts/999999/exception", {"service_supervisor"}),
    ("GET", "/missed-contacts/new", "/missed-contacts/new?appointment_ref={fresh_ref}", {"coordinator"}),
    ("POST", "/missed-contacts/new", "/missed-contacts/new?appointment_ref={fresh_ref}", {"coordinator"}),
    ("GET", "/missed-contacts/<int:event_id>", "/missed-contacts/{event}", {"coordinator", "attendance_supervisor"}),
    ("GET", "/missed-contacts/<int:event_id>/classify", "/missed-contacts/{event}/classify", {"attendance_supervisor"}),
    ("POST", "/missed-contacts/<int:event_id>/classify", "/missed-contacts/{event}/classify", {"attendance_supervisor"}),
    ("GET", "/missed-contacts/<int:event_id>/evidence", "/missed-contacts/{event}/evidence", {"coordinator"}),
    ("POST", "/missed-contacts/<int:event_id>/evidence", "/missed-contacts/{event}/evidence", {"coordinator"}),
    ("GET", "/missed-contacts/<int:event_id>/release", "/missed-contacts/{event}/release", {"coordinator"}),
    ("POST", "/missed-contacts/<int:event_id>/release", "/missed-contacts/{event}/release", {"coordinator"}),
    ("POST", "/appointments/<ref>/attendance-code", "/appointments/{fresh_ref}/attendance-code", {"coordinator"}),
    ("GET", "/escalations", "/escalations", INBOX),
    ("POST", "/escalations/<int:escalation_id>/acknowledge", "/escalations/{escalation}/acknowledge", E1_LEVEL),
    ("GET", "/archive", "/archive", ARCHIVE),
    ("GET", "/archive/<folder>", "/archive/missed-contact", ARCHIVE),
    ("GET", "/archive/<folder>.csv", "/archive/missed-contact.csv", ARCHIVE),
    ("GET", "/archive/entries/<int:seq>", "/archive/entries/{seq}", ARCHIVE),
    ("GET", "/api/v1/openapi.json", "/api/v1/openapi.json", PUBLIC),
    ("GET", "/api/v1/session", "/api/v1/session", SIGNED_IN),
    ("POST", "/api/v1/cases", "/api/v1/cases", {"admin", "integration"}),
    ("POST", "/api/v1/appointments", "/api/v1/appointments", {"admin", "integration"}),
    # API.md: attendance signals come from the session platform (integration), not from admins.
    ("POST", "/api/v1/appointments/<ref>/attendance", "/api/v1/appointments/{fresh_ref}/attendance", {"integration"}),
    ("POST", "/api/v1/attendance-codes", "/api/v1/attendance-codes", {"integration", "coordinator"}),
    ("POST", "/api/v1/missed-contacts", "/api/v1/missed-contacts", {"coordinator"}),
    ("GET", "/api/v1/missed-contacts", "/api/v1/missed-contacts", {"coordinator", "attendance_supervisor"}),
    ("GET", "/api/v1/missed-contacts/<int:event_id>", "/api/v1/missed-contacts/{event}",
     {"coordinator", "attendance_supervisor"}),
    ("POST", "/api/v1/missed-contacts/<int:event_id>/classification",
     "/api/v1/missed-contacts/{event}/classification", {"attendance_supervisor"}),
    ("POST", "/api/v1/missed-contacts/<int:event_id>/evidence", "/api/v1/missed-contacts/{event}/evidence",
     {"coordinator"}),
    ("POST", "/api/v1/missed-contacts/<int:event_id>/release", "/api/v1/missed-contacts/{event}/release",
     {"coordinator"}),
    ("GET", "/api/v1/recovery-cases", "/api/v1/recovery-cases", {"outreach_worker", "service_supervisor"}),
    # The recovery case of `world` is assigned to the user named "outreach_worker": its worker may read it.
    ("GET", "/api/v1/recovery-cases/<int:case_id>", "/api/v1/recovery-cases/{recovery}",
     {"outreach_worker", "service_supervisor"}),
    # Workflow 2: the assigned outreach worker opens and logs attempts; the service supervisor disposes and
    # decides emergency exceptions (attempt 999999 does not exist: the allowed call reaches a 404).
    ("POST", "/api/v1/recovery-cases/<int:case_id>/open", "/api/v1/recovery-cases/{recovery}/open",
     {"outreach_worker"}),
    ("POST", "/api/v1/recovery-cases/<int:case_id>/attempts", "/api/v1/recovery-cases/{recovery}/attempts",
     {"outreach_worker"}),
    ("POST", "/api/v1/recovery-cases/<int:case_id>/attempts/<int:attempt_id>/exception",
     "/api/v1/recovery-cases/{recovery}/attempts/999999/exception", {"service_supervisor"}),
    ("POST", "/api/v1/recovery-cases/<int:case_id>/disposition", "/api/v1/recovery-cases/{recovery}/disposition",
     {"service_supervisor"}),
    # API.md: a device's outbox of attempts (outreach worker) and dispositions (service supervisor).
    ("POST", "/api/v1/sync", "/api/v1/sync", {"outreach_worker", "service_supervisor"}),
    ("GET", "/api/v1/escalations", "/api/v1/escalations", INBOX),
    ("POST", "/api/v1/escalations/<int:escalation_id>/acknowledge", "/api/v1/escalations/{escalation}/acknowledge",
     E1_LEVEL),
    ("GET", "/api/v1/archive/<folder>", "/api/v1/archive/missed-contact", ARCHIVE),
    # Workflow 3 (API.md): the threshold policy is the admin's (governance leads read it); 3a governance lead,
    # 3b panel chair, 3c coordinator; restrictions come from integrations or a governance lead.
    ("GET", "/api/v1/threshold-policies", "/api/v1/threshold-policies", {"admin", "governance_lead"}),
    ("POST", "/api/v1/threshold-policies", "/api/v1/threshold-policies", {"admin"}),
    ("GET", "/api/v1/threshold-reviews", "/api/v1/threshold-reviews", REVIEW_READERS),
    ("GET", "/api/v1/threshold-reviews/<int:review_id>", "/api/v1/threshold-reviews/{review}", REVIEW_READERS),
    ("POST", "/api/v1/threshold-reviews/<int:review_id>/review", "/api/v1/threshold-reviews/{review}/review",
     {"governance_lead"}),
    ("POST", "/api/v1/threshold-reviews/<int:review_id>/determination",
     "/api/v1/threshold-reviews/{review}/determination", {"panel_chair"}),
    ("POST", "/api/v1/threshold-reviews/<int:review_id>/communication",
     "/api/v1/threshold-reviews/{review}/communication", {"coordinator"}),
    ("POST", "/api/v1/cases/<ref>/restrictions", "/api/v1/cases/{case_ref}/restrictions",
     {"integration", "governance_lead"}),
    ("GET", "/api/v1/governance/weekly", "/api/v1/governance/weekly", WEEKLY),
    # API.md "managers and up" (OUTCOMES above): the outcome figures and their CSV tables.
    ("GET", "/api/v1/outcomes", "/api/v1/outcomes", OUTCOMES),
    ("GET", "/api/v1/outcomes.csv", "/api/v1/outcomes.csv", OUTCOMES),
    # Workflow 3 screens (SPEC.md 3a governance_lead, 3b panel_chair, 3c coordinator): the list, the review page and
    # the decision letter for those three; the policy screen is the admin's (governance leads read it); the weekly
    # governance review for governance, quality, senior escalation levels, admin and auditors. A governance lead
    # implements an authorised restriction from the review page (API.md: restrictions by integration or governance lead).
    ("GET", "/threshold-reviews", "/threshold-reviews", REVIEW_READERS),
    ("GET", "/threshold-reviews/<int:review_id>", "/threshold-reviews/{review}", REVIEW_READERS),
    ("POST", "/threshold-reviews/<int:review_id>/review", "/threshold-reviews/{review}/review", {"governance_lead"}),
    ("POST", "/threshold-reviews/<int:review_id>/determination", "/threshold-reviews/{review}/determination",
     {"panel_chair"}),
    ("POST", "/threshold-reviews/<int:review_id>/communication", "/threshold-reviews/{review}/communication",
     {"coordinator"}),
    ("POST", "/threshold-reviews/<int:review_id>/restrictions", "/threshold-reviews/{review}/restrictions",
     {"governance_lead"}),
    ("GET", "/threshold-reviews/<int:review_id>/letter", "/threshold-reviews/{review}/letter", REVIEW_READERS),
    ("GET", "/threshold-policy", "/threshold-policy", {"admin", "governance_lead"}),
    ("POST", "/threshold-policy", "/threshold-policy", {"admin"}),
    ("GET", "/governance/weekly", "/governance/weekly", WEEKLY),
    # Outcomes screens: the dashboard, the records behind a figure, the governance pack (HTML; the PDF is asked
    # for a period that does not exist, so the allowed call is a quick 422 instead of a rendered PDF).
    ("GET", "/outcomes", "/outcomes", OUTCOMES),
    ("GET", "/outcomes/<key>", "/outcomes/opened_within_30_minutes", OUTCOMES),
    ("GET", "/outcomes/pack", "/outcomes/pack", OUTCOMES),
    ("GET", "/outcomes/pack.pdf", "/outcomes/pack.pdf?period=fortnight", OUTCOMES),
    # Push (API.md: signed-in users): the service worker is public (a browser fetches it without credentials);
    # the alerts settings screen and its device removal (device 999999 does not exist: the allowed call is a 404),
    # the VAPID public key and this device's subscription are for any signed-in user.
    ("GET", "/sw.js", "/sw.js", PUBLIC),
    # Offline (SPEC.md "Sync"): the manifest, the offline page and the outbox view are the same for everyone (the
    # service worker stores them without a sign-in; the outbox's entries live in the browser, never on this page).
    ("GET", "/manifest.webmanifest", "/manifest.webmanifest", PUBLIC),
    ("GET", "/offline", "/offline", PUBLIC),
    ("GET", "/healthz", "/healthz", PUBLIC),
    ("GET", "/outbox", "/outbox", PUBLIC),
    ("GET", "/settings/alerts", "/settings/alerts", SIGNED_IN),
    ("POST", "/settings/alerts/devices/<int:device_id>/remove", "/settings/alerts/devices/999999/remove", SIGNED_IN),
    # FHIR (API.md Additions): the CapabilityStatement for anyone; Bundles in from integrations; searches
    # for integrations and auditors.
    ("GET", "/fhir/metadata", "/fhir/metadata", PUBLIC),
    ("POST", "/fhir", "/fhir", {"integration"}),
    ("GET", "/fhir/<kind>", "/fhir/Task", {"integration", "auditor"}),
    ("GET", "/api/v1/push/public-key", "/api/v1/push/public-key", SIGNED_IN),
    ("POST", "/api/v1/push/subscriptions", "/api/v1/push/subscriptions", SIGNED_IN),
    ("DELETE", "/api/v1/push/subscriptions", "/api/v1/push/subscriptions", SIGNED_IN),
    # These four change the session: run last, and each is followed by a fresh sign-in.
    ("POST", "/api/v1/session", "/api/v1/session", PUBLIC),
    ("POST", "/sign-in", "/sign-in", PUBLIC),
    ("DELETE", "/api/v1/session", "/api/v1/session", SIGNED_IN),
    ("POST", "/sign-out", "/sign-out", PUBLIC),
    # Sign-in security: the second sign-in step (with no password step behind it: back to /sign-in), the
    # account's own security screens, and the lockouts for admins and auditors.
    ("GET", "/sign-in/code", "/sign-in/code", PUBLIC),
    ("POST", "/sign-in/code", "/sign-in/code", PUBLIC),
    ("GET", "/sign-in/enrol", "/sign-in/enrol", PUBLIC),
    ("POST", "/sign-in/enrol", "/sign-in/enrol", PUBLIC),
    ("GET", "/account/security", "/account/security", SIGNED_IN),
    ("GET", "/account/password", "/account/password", SIGNED_IN),
    ("POST", "/account/password", "/account/password", SIGNED_IN),
    ("GET", "/account/two-factor", "/account/two-factor", SIGNED_IN),
    ("POST", "/account/two-factor", "/account/two-factor", SIGNED_IN),
    ("GET", "/admin/sign-in-lockouts", "/admin/sign-in-lockouts", {"admin", "auditor"}),
    # Who has seen a person's record (HIPAA 164.312(b)): the auditors' question.
    ("GET", "/access-record", "/access-record?case_ref={case_ref}", {"auditor"}),
    ("GET", "/api/v1/access-records", "/api/v1/access-records?case_ref={case_ref}", {"auditor"}),
]
SIGN_IN_STEPS = {"/sign-in/code", "/sign-in/enrol"}
SESSION_CHANGING = {("POST", "/api/v1/session"), ("POST", "/sign-in"), ("DELETE", "/api/v1/session"),
                    ("POST", "/sign-out")}
# What an allowed request must answer when it is not the default (GET 200; POST anything but 401/403/5xx).
ALLOWED_STATUS = {
    ("GET", "/"): {302},
    ("GET", "/sign-in"): {200, 302},
    ("POST", "/sign-in"): {302},
    ("POST", "/sign-out"): {302},
    ("POST", "/api/v1/session"): {200},
    ("DELETE", "/api/v1/session"): {204},
    # The disposition form of a case not yet opened may be refused by the workflow order rather than shown.
    ("GET", "/recovery/<int:recovery_id>/disposition"): {200, 409},
    ("GET", "/outcomes/pack.pdf"): {422},
    ("GET", "/sign-in/code"): {302},
    ("POST", "/sign-in/code"): {302},
    ("GET", "/sign-in/enrol"): {302},
    ("POST", "/sign-in/enrol"): {302},
}


def _may(who, role: str) -> bool:
    if who == PUBLIC:
        return True
    if who == SIGNED_IN:
        return role != "anonymous"
    return role in who


# --- a small world with real ids -------------------------------------------------------------------

def _users(app, auth):
    from pwa.accounts.models import User

    for role in ROLES:
        auth.user(role, role)
    return {name: db.session.get(User, uid) for name, uid in auth.users.items()}


def world(app, auth, factory) -> dict:
    """Users named after each role; a released event with a recovery case assigned to "outreach_worker";
    a second appointment with no event and an E1 escalation (level attendance_supervisor)."""
    from pwa.archive.models import ArchiveEntry
    from pwa.clock import utcnow
    from pwa.errors import WorkflowRefused
    from pwa.intake import operations as ops
    from pwa.ops.models import SweepHeartbeat
    from pwa.recovery.queries import recovery_case_for

    for role in ROLES:
        auth.user(role, role)
    case_ref = factory.case(worker="outreach_worker")
    released = factory.appointment(case_ref)
    fresh = factory.appointment(case_ref, minutes_ago=40)
    more = [factory.appointment(case_ref, minutes_ago=minutes) for minutes in (90, 120)]
    with app.app_context():
        users = _users(app, auth)
        event = ops.open_missed_contact(event_payload(released), users["coordinator"])
        ops.classify_missed_contact(event.id, classification_payload(), users["attendance_supervisor"])
        release = ops.release_code(event.id, release_payload(), users["coordinator"])
        recovery = recovery_case_for(release)
        db.session.commit()
        ids = {"event": event.id, "recovery": recovery.id, "fresh_ref": fresh["appointment_ref"],
               "released_ref": released["appointment_ref"], "case_ref": case_ref}
        ids["review"] = _threshold_review(more, users)
        with pytest.raises(WorkflowRefused) as refused:
            ops.apply_attendance_code({"appointment_ref": fresh["appointment_ref"], "code": "NS-ACCESS"},
                                      users["coordinator"], source="the test")
        db.session.commit()
        ids["escalation"] = refused.value.escalation_id
        ids["seq"] = db.session.scalar(sa.select(sa.func.min(ArchiveEntry.seq)))
        # The sweeper is running (its heartbeat is fresh), so /healthz answers 200.
        db.session.add(SweepHeartbeat(name="sweep", last_sweep_at=utcnow(), duration_ms=0, instance="test", runs=1))
        db.session.commit()
        db.session.remove()
    assert ids["escalation"] and ids["seq"]
    return ids


def _threshold_review(appointments, users) -> int:
    """Two more released codes: the case reaches the warning level and a threshold review opens."""
    from pwa.intake import operations as ops
    from pwa.review.restrictions import latest_review

    for appointment in appointments:
        event = ops.open_missed_contact(event_payload(appointment), users["coordinator"])
        ops.classify_missed_contact(event.id, classification_payload(), users["attendance_supervisor"])
        ops.release_code(event.id, release_payload(follow_up_route="clinical"), users["coordinator"])
    db.session.commit()
    return latest_review(event.case_id).id


def snapshot(app) -> dict:
    """Every row of every table (sign-in sessions: only whether each is still live)."""
    out = {}
    with app.app_context():
        with db.engine.connect() as conn:
            for table in db.metadata.sorted_tables:
                if table.name == "sign_in_sessions":
                    rows = conn.execute(sa.select(table.c.id, table.c.ended_at)).all()
                else:
                    rows = conn.execute(sa.select(table)).all()
                out[table.name] = sorted(map(repr, rows))
        db.session.remove()
    return out


def _anonymous_token(client) -> str:
    page = client.get("/sign-in")
    assert page.status_code == 200
    return csrf_from(page.text)


# --- the matrix ------------------------------------------------------------------------------------

def test_every_route_is_in_the_access_table(app):
    """A new route must be added to ROUTES (with who may use it) before this passes."""
    actual = {(method, rule.rule) for rule in app.url_map.iter_rules() if rule.endpoint != "static"
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    table = {(method, rule) for method, rule, _path, _who in ROUTES}
    assert not actual - table, f"routes missing from the access table: {sorted(actual - table)}"
    assert not table - actual, f"routes in the table that no longer exist: {sorted(table - actual)}"
    assert len(table) == len(ROUTES), "a route is listed twice"


@pytest.mark.parametrize("role", [*ROLES, "anonymous"])
def test_role_matrix(role, app, client, auth, factory, now, caplog):
    ids = world(app, auth, factory)
    caplog.set_level(logging.INFO, logger="continuity")
    state = {}

    def begin():
        if role == "anonymous":
            state["client"] = app.test_client()
            state["token"] = _anonymous_token(state["client"])
        else:
            state["client"] = client
            auth.login(role)
            state["token"] = auth.csrf_token

    begin()
    failures = []
    for method, rule, template, who in ROUTES:
        path = template.format(**ids)
        c, token = state["client"], state["token"]
        signer = "coordinator" if role == "anonymous" else role
        headers = {"X-CSRFToken": token}
        if (method, rule) == ("POST", "/api/v1/session"):
            response = c.post(path, json=auth.credentials(signer))
        elif (method, rule) == ("POST", "/sign-in"):
            response = c.post(path, data={"username": signer, "password": PASSWORD, "csrf_token": token})
        elif method == "GET":
            response = c.get(path)
        elif method == "DELETE":
            response = c.delete(path, headers=headers)
        elif path.startswith("/api/"):
            response = c.post(path, json={"note": MARKER}, headers=headers)
        else:
            response = c.post(path, data={"note": MARKER, "csrf_token": token})
        logged = list(caplog.records)
        if any(MARKER in r.getMessage() for r in logged):
            failures.append(f"{role} {method} {path}: the request body reached a log line")
        status = response.status_code
        where = f"{role} {method} {path} -> {status}"
        if status >= 500:
            failures.append(f"{where}: server error")
        elif _may(who, role):
            expected = ALLOWED_STATUS.get((method, rule), {200} if method == "GET" else None)
            if status in (401, 403) or (expected and status not in expected):
                failures.append(f"{where}: allowed, expected {sorted(expected) if expected else 'not 401/403'}")
            if status == 302 and urlsplit(response.headers["Location"]).path == "/sign-in" \
                    and (method, rule) not in SESSION_CHANGING and rule != "/" \
                    and rule not in SIGN_IN_STEPS:
                failures.append(f"{where}: allowed but sent to sign-in")
        elif role == "anonymous":
            if path.startswith("/api/"):
                if status != 401 or not response.is_json or "errors" not in response.get_json():
                    failures.append(f"{where}: anonymous API call must be a 401 with JSON errors")
            elif path.startswith("/fhir"):
                if status != 401 or response.get_json(force=True).get("resourceType") != "OperationOutcome":
                    failures.append(f"{where}: anonymous FHIR call must be a 401 OperationOutcome")
            elif status != 302 or urlsplit(response.headers["Location"]).path != "/sign-in":
                failures.append(f"{where}: anonymous screen must redirect to /sign-in")
        else:
            if status != 403:
                failures.append(f"{where}: refused, expected 403")
            else:
                refusals = [r for r in logged if r.name == "continuity.access" and r.levelno == logging.WARNING
                            and path.split("?")[0] in r.getMessage()]
                if not refusals:
                    failures.append(f"{where}: 403 without a warning on continuity.access")
                if path.startswith(("/api/", "/fhir")) and response.get_json(force=True, silent=True) is None:
                    failures.append(f"{where}: an API 403 must be JSON")
        caplog.clear()
        if (method, rule) in SESSION_CHANGING:
            begin()
    assert not failures, "\n".join(failures)


def test_refusal_log_names_who_and_where_but_not_the_body(app, auth, factory, now, caplog):
    ids = world(app, auth, factory)
    auth.login("outreach_worker")
    caplog.set_level(logging.INFO, logger="continuity")
    body = {**event_payload({"appointment_ref": ids["fresh_ref"], "case_ref": ids["case_ref"],
                             "scheduled_at": "2026-11-17T09:40:00-05:00"}), "note": MARKER}
    response = auth.post("/api/v1/missed-contacts", body)
    assert response.status_code == 403
    lines = [r for r in caplog.records if r.name == "continuity.access"]
    assert len(lines) == 1 and lines[0].levelno == logging.WARNING
    message = lines[0].getMessage()
    assert f"user_id={auth.users['outreach_worker']}" in message
    assert "POST /api/v1/missed-contacts" in message
    for value in (MARKER, ids["case_ref"], ids["fresh_ref"], "missed_appointment"):
        assert value not in message
    # An ownership refusal after the role check (acknowledging another level's escalation) logs the same way.
    auth.login("admin")
    caplog.clear()
    refused = auth.post(f"/api/v1/escalations/{ids['escalation']}/acknowledge", {"note": MARKER})
    assert refused.status_code == 403
    lines = [r for r in caplog.records if r.name == "continuity.access" and r.levelno == logging.WARNING]
    assert lines and f"/api/v1/escalations/{ids['escalation']}/acknowledge" in lines[0].getMessage()
    assert all(MARKER not in r.getMessage() for r in caplog.records)


# --- ownership of recovery cases -------------------------------------------------------------------

def _recovery_for(app, factory, coordinator, supervisor, worker: str, name: str) -> tuple[int, str]:
    from pwa.accounts.models import User
    from pwa.intake import operations as ops
    from pwa.recovery.queries import recovery_case_for

    case_ref = factory.case(worker=worker, ref=name)
    appointment = factory.appointment(case_ref)
    with app.app_context():
        coord, sup = db.session.get(User, coordinator), db.session.get(User, supervisor)
        event = ops.open_missed_contact(event_payload(appointment), coord)
        ops.classify_missed_contact(event.id, classification_payload(), sup)
        recovery = recovery_case_for(ops.release_code(event.id, release_payload(), coord))
        db.session.commit()
        result = recovery.id
        db.session.remove()
    return result, case_ref


def test_outreach_workers_see_only_their_own_recovery_cases(app, auth, factory, now):
    coordinator = auth.user("cora", "coordinator")
    supervisor = auth.user("sam", "attendance_supervisor")
    auth.user("olu", "outreach_worker")
    auth.user("wren", "outreach_worker")
    auth.user("sue", "service_supervisor")
    olu_id, olu_ref = _recovery_for(app, factory, coordinator, supervisor, "olu", "C-OLU")
    wren_id, wren_ref = _recovery_for(app, factory, coordinator, supervisor, "wren", "C-WREN")

    auth.login("wren")
    assert auth.get(f"/api/v1/recovery-cases/{wren_id}").status_code == 200
    refused = auth.get(f"/api/v1/recovery-cases/{olu_id}")
    assert refused.status_code == 403
    assert olu_ref not in refused.text and "Person" not in refused.text
    listed = auth.get("/api/v1/recovery-cases").get_json()["items"]
    assert [item["id"] for item in listed] == [wren_id]
    for status in ("instructed", "open", "dispositioned", "closed"):
        items = auth.get(f"/api/v1/recovery-cases?status={status}").get_json()["items"]
        assert olu_id not in [item["id"] for item in items]
    # Nor act on it: opening it or logging an attempt on it is refused before the body is read.
    for action in ("open", "attempts"):
        acted = auth.post(f"/api/v1/recovery-cases/{olu_id}/{action}", {})
        assert acted.status_code == 403, (action, acted.status_code)
        assert olu_ref not in acted.text
    detail = auth.get(f"/recovery/{olu_id}")
    assert detail.status_code == 403 and olu_ref not in detail.text
    assert auth.get(f"/recovery/{wren_id}").status_code == 200
    screen = auth.get("/recovery")
    assert screen.status_code == 200
    assert wren_ref in screen.text and olu_ref not in screen.text and f"Person {olu_ref}" not in screen.text
    # Guessing ids: nothing but its own case answers 200, nothing leaks in the bodies.
    for guess in range(1, max(olu_id, wren_id) + 20):
        response = auth.get(f"/api/v1/recovery-cases/{guess}")
        if guess == wren_id:
            assert response.status_code == 200
        else:
            assert response.status_code in (403, 404), (guess, response.status_code)
            assert olu_ref not in response.text

    auth.login("sue")
    listed = auth.get("/api/v1/recovery-cases").get_json()["items"]
    assert sorted(item["id"] for item in listed) == sorted([olu_id, wren_id])
    for rid, worker in ((olu_id, "olu"), (wren_id, "wren")):
        record = auth.get(f"/api/v1/recovery-cases/{rid}")
        assert record.status_code == 200 and record.get_json()["assigned_outreach_worker"] == worker
    screen = auth.get("/recovery").text
    assert olu_ref in screen and wren_ref in screen
    assert auth.get(f"/recovery/{olu_id}").status_code == 200


# --- CSRF ------------------------------------------------------------------------------------------

def csrf_world(app, auth, factory) -> dict:
    """Records in every state a mutating route needs, so that a request with its token would succeed."""
    from pwa.errors import WorkflowRefused
    from pwa.intake import operations as ops
    from pwa.recovery.queries import recovery_case_for

    auth.user("cora", "coordinator")
    auth.user("sam", "attendance_supervisor")
    auth.user("olu", "outreach_worker")
    auth.user("multi", *ROLES)
    case_ref = factory.case(worker="olu")
    appts = {name: factory.appointment(case_ref, minutes_ago=minutes)
             for name, minutes in (("fresh", 20), ("queued", 25), ("returned", 30), ("confirmed", 35),
                                   ("signal", 5), ("e1", 45), ("code", 50), ("released", 55))}
    with app.app_context():
        users = _users(app, auth)
        events = {}
        for name in ("queued", "returned", "confirmed"):
            events[name] = ops.open_missed_contact(event_payload(appts[name]), users["cora"]).id
        ops.classify_missed_contact(events["returned"], classification_payload(
            final_classification="undetermined", outcome="return_for_evidence"), users["sam"])
        ops.classify_missed_contact(events["confirmed"], classification_payload(), users["sam"])
        released = ops.open_missed_contact(event_payload(appts["released"]), users["cora"])
        ops.classify_missed_contact(released.id, classification_payload(), users["sam"])
        recovery = recovery_case_for(ops.release_code(released.id, release_payload(), users["cora"])).id
        db.session.commit()
        with pytest.raises(WorkflowRefused) as refused:
            ops.apply_attendance_code({"appointment_ref": appts["e1"]["appointment_ref"], "code": "NS-ACCESS"},
                                      users["cora"], source="the test")
        db.session.commit()
        db.session.remove()
    return {"case_ref": case_ref, "appts": appts, "events": events, "escalation": refused.value.escalation_id,
            "recovery": recovery}


def _local_minute(iso: str) -> str:
    from datetime import datetime

    from conftest import NY

    return datetime.fromisoformat(iso).astimezone(NY).strftime("%Y-%m-%dT%H:%M")


def _push_subscription() -> dict:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    from pwa.push.keys import b64url

    point = ec.generate_private_key(ec.SECP256R1()).public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return {"endpoint": "https://fcm.googleapis.com/fcm/send/csrf", "keys": {"p256dh": b64url(point),
                                                                        "auth": b64url(b"0123456789abcdef")}}


PUSH_SUBSCRIPTION = _push_subscription()


def csrf_requests(w: dict) -> list[tuple[str, str, dict]]:
    """(method, path, body) for every mutating route: valid bodies, so CSRF is the only thing missing."""
    events, appts = w["events"], w["appts"]
    fresh = appts["fresh"]
    new_event_form = {**event_payload(fresh), "scheduled_at": _local_minute(fresh["scheduled_at"])}
    return [
        ("POST", "/api/v1/cases", {"case_ref": "C-CSRF", "display_name": "Csrf", "risk_flags": [],
                                   "contact_routes": []}),
        ("POST", "/api/v1/appointments", {"appointment_ref": "A-CSRF", "case_ref": w["case_ref"],
                                          "scheduled_at": "2026-11-18T10:00:00-05:00", "service": "Group",
                                          "modality": "phone"}),
        ("POST", f"/api/v1/appointments/{appts['signal']['appointment_ref']}/attendance",
         {"arrived_at": "2026-11-17T09:56:00-05:00"}),
        ("POST", "/api/v1/attendance-codes", {"appointment_ref": appts["code"]["appointment_ref"], "code": "NS-ACCESS"}),
        ("POST", f"/api/v1/appointments/{appts['signal']['appointment_ref']}/arrival",
         {"arrived_at": "2026-11-17T09:56:00-05:00"}),
        ("POST", f"/api/v1/appointments/{appts['code']['appointment_ref']}/absence-notice",
         {"notified_at": "2026-11-16T09:00:00-05:00", "reason": "Ill", "channel": "phone_call"}),
        ("POST", f"/api/v1/recovery-cases/{w['recovery']}/close",
         {"closure_reason": "transferred", "evidence": "Transferred to the county team on request."}),
        ("POST", "/api/v1/support-requests/1/resolve", {"resolution": "resolved", "resolution_note": "Fixed the camera."}),
        ("POST", f"/recovery/{w['recovery']}/close",
         {"closure_reason": "transferred", "evidence": "Transferred to the county team on request."}),
        ("POST", f"/appointments/{appts['code']['appointment_ref']}/absence-notice",
         {"notified_at": "2026-11-16T09:00", "reason": "Ill", "channel": "phone_call"}),
        ("POST", "/support/1/resolve", {"resolution": "resolved", "resolution_note": "Fixed the camera."}),
        ("POST", "/api/v1/missed-contacts", event_payload(fresh)),
        ("POST", f"/api/v1/missed-contacts/{events['queued']}/classification", classification_payload()),
        ("POST", f"/api/v1/missed-contacts/{events['returned']}/evidence", {"evidence": "Bus company confirmed."}),
        ("POST", f"/api/v1/missed-contacts/{events['confirmed']}/release", release_payload()),
        ("POST", f"/api/v1/escalations/{w['escalation']}/acknowledge", {"note": "Checked the feed."}),
        ("POST", f"/api/v1/recovery-cases/{w['recovery']}/open", {"recovery_priority_tier": 2,
                                                                 "immediate_welfare_concern": "no"}),
        ("POST", f"/api/v1/recovery-cases/{w['recovery']}/attempts", {"channel": "sms", "outcome": "reached"}),
        ("POST", f"/api/v1/recovery-cases/{w['recovery']}/attempts/1/exception", {"decision": "approved"}),
        ("POST", f"/api/v1/recovery-cases/{w['recovery']}/disposition", {"continuity_restored": "yes"}),
        ("POST", "/api/v1/sync", {"device_id": "phone", "sent_at": "2026-11-17T10:00:00-05:00", "entries": [
            {"client_id": "8d1b6f0e-3c2a-4b7e-9f10-2a5c7d9e4b31", "kind": "attempt", "recovery_case_id": w["recovery"],
             "recorded_at": "2026-11-17T10:00:00-05:00", "payload": {"channel": "sms", "outcome": "reached"}}]}),
        ("POST", "/api/v1/threshold-policies", {"warning_count": 3, "step_up_count": 4, "closure_count": 6,
                                                "window_days": 60, "count_service_side_failures": False}),
        ("POST", f"/api/v1/threshold-reviews/{w.get('review', 1)}/review", {"continuity_risk_level": "low"}),
        ("POST", f"/api/v1/threshold-reviews/{w.get('review', 1)}/determination", {"panel_decision": "continue"}),
        ("POST", f"/api/v1/threshold-reviews/{w.get('review', 1)}/communication", {"objection_raised": "no"}),
        ("POST", f"/api/v1/cases/{w['case_ref']}/restrictions", {"kind": "warning", "source": "automatic"}),
        ("POST", "/threshold-policy", {"warning_count": "3", "step_up_count": "4", "closure_count": "6",
                                       "window_days": "60", "count_service_side_failures": "no"}),
        ("POST", f"/threshold-reviews/{w.get('review', 1)}/review", {"continuity_risk_level": "low"}),
        ("POST", f"/threshold-reviews/{w.get('review', 1)}/determination", {"panel_decision": "continue"}),
        ("POST", f"/threshold-reviews/{w.get('review', 1)}/communication", {"objection_raised": "no"}),
        ("POST", f"/threshold-reviews/{w.get('review', 1)}/restrictions", {"kind": "warning"}),
        ("POST", f"/recovery/{w['recovery']}/open", {"recovery_priority_tier": "2"}),
        ("POST", f"/recovery/{w['recovery']}/attempts", {"channel": "sms", "outcome": "reached"}),
        ("POST", f"/recovery/{w['recovery']}/disposition", {"continuity_restored": "yes"}),
        ("POST", f"/recovery/{w['recovery']}/attempts/1/exception", {"decision": "approved"}),
        ("POST", f"/missed-contacts/new?appointment_ref={fresh['appointment_ref']}", new_event_form),
        ("POST", f"/missed-contacts/{events['queued']}/classify", classification_payload()),
        ("POST", f"/missed-contacts/{events['returned']}/evidence", {"evidence": "Bus company confirmed."}),
        ("POST", f"/missed-contacts/{events['confirmed']}/release", release_payload()),
        ("POST", f"/appointments/{appts['code']['appointment_ref']}/attendance-code", {"code": "NS-ACCESS"}),
        ("POST", f"/escalations/{w['escalation']}/acknowledge", {"note": "Checked the feed."}),
        ("POST", "/fhir", {"resourceType": "Bundle", "type": "transaction", "entry": [
            {"resource": {"resourceType": "Patient", "identifier": [
                {"system": "https://continuity.example.org/fhir/sid/case-ref", "value": "C-FHIR"}],
                "name": [{"text": "Fhir"}]}, "request": {"method": "POST", "url": "Patient"}}]}),
        ("POST", "/api/v1/push/subscriptions", PUSH_SUBSCRIPTION),
        ("DELETE", "/api/v1/push/subscriptions", {"endpoint": PUSH_SUBSCRIPTION["endpoint"]}),
        ("POST", "/settings/alerts/devices/1/remove", {}),
        ("POST", "/sign-in", {"username": "multi", "password": PASSWORD}),
        ("POST", "/sign-in/code", {"otp": "123456"}),
        ("POST", "/sign-in/enrol", {"otp": "123456"}),
        ("POST", "/account/password", {"current_password": PASSWORD, "new_password": "a new long password 7",
                                       "repeat_password": "a new long password 7"}),
        ("POST", "/account/two-factor", {"otp": "123456"}),
        ("POST", "/sign-out", {}),
        ("DELETE", "/api/v1/session", None),
    ]


def test_csrf_table_covers_every_mutating_route(app):
    mutating = {(m, r) for m, r, _p, _w in ROUTES if m in ("POST", "DELETE")} - {("POST", "/api/v1/session")}
    covered = set()
    for method, path, _body in csrf_requests({"events": {"queued": 1, "returned": 2, "confirmed": 3},
                                              "appts": {k: {"appointment_ref": "A", "case_ref": "C",
                                                            "scheduled_at": "2026-11-17T09:40:00-05:00"}
                                                        for k in ("fresh", "signal", "code")},
                                              "case_ref": "C", "escalation": 1, "recovery": 1}):
        adapter = app.url_map.bind(HOST)
        endpoint, _args = adapter.match(path.split("?")[0], method=method)
        rule = next(r.rule for r in app.url_map.iter_rules(endpoint))
        covered.add((method, rule))
    assert mutating == covered


@pytest.mark.parametrize("bad_token", [None, "not-a-token"])
def test_mutating_requests_with_the_session_cookie_need_the_csrf_token(bad_token, app, client, auth, factory, now):
    w = csrf_world(app, auth, factory)
    auth.login("multi")
    before = snapshot(app)
    for method, path, body in csrf_requests(w):
        headers = {"X-CSRFToken": bad_token} if bad_token else {}
        if path.startswith(("/api/", "/fhir")):
            response = client.open(path, method=method, json=body, headers=headers)
        else:
            form = {**(body or {}), **({"csrf_token": bad_token} if bad_token else {})}
            response = client.open(path, method=method, data=form)
        assert response.status_code == 400, (method, path, response.status_code)
        if path.startswith("/fhir"):
            assert response.get_json()["issue"][0]["code"] == "security"
        elif path.startswith("/api/"):
            assert response.get_json()["errors"]["csrf"], path
        else:
            assert "Form expired" in response.text
        assert snapshot(app) == before, f"{method} {path} saved something without a CSRF token"
    # Still signed in: neither sign-out went through.
    assert client.get("/api/v1/session").status_code == 200


def test_api_writes_with_no_sign_in_at_all_are_refused_as_not_signed_in(app, auth, factory, now):
    """CSRF guards a sign-in: a write that carries no session and no token gets 401, not a CSRF 400."""
    w = csrf_world(app, auth, factory)
    before = snapshot(app)
    stranger = app.test_client()  # no cookie, no token
    api = [(m, p, b) for m, p, b in csrf_requests(w) if p.startswith("/api/")]
    assert any(p == "/api/v1/sync" for _m, p, _b in api)
    for method, path, body in api:
        response = stranger.open(path, method=method, json=body)
        assert response.status_code == 401, (method, path, response.status_code)
        assert response.get_json()["errors"]["session"], path
    assert snapshot(app) == before


def test_the_same_api_calls_succeed_with_the_token_or_a_bearer_token(app, client, auth, factory, now):
    from pwa.accounts.operations import create_token

    w = csrf_world(app, auth, factory)
    auth.login("multi")
    # Workflow 1 calls (their bodies are complete; workflows 2 and 3 have their own tests).
    api = [(m, p, b) for m, p, b in csrf_requests(w)
           if p.startswith("/api/") and m == "POST" and "/recovery-cases/" not in p
           and "/support-requests/" not in p  # section 4: its own tests
           and not any(w3 in p for w3 in ("/threshold-", "/restrictions"))]  # workflow 3: its own tests
    expected = {"/api/v1/cases": 201, "/api/v1/appointments": 201, "/api/v1/attendance-codes": 409,
                "/api/v1/missed-contacts": 201, "/api/v1/sync": 200}
    for method, path, body in api:
        response = auth.post(path, body)
        want = expected.get(path, 200 if path.endswith(("attendance", "acknowledge", "arrival", "absence-notice"))
                            else 201)
        assert response.status_code == want, (path, response.status_code, response.get_json())

    with app.app_context():
        token = create_token("feed", ["integration"])
        db.session.commit()
    feed = app.test_client()  # no cookie, no CSRF token: the bearer token is enough
    bearer = {"Authorization": f"Bearer {token}"}
    created = feed.post("/api/v1/cases", headers=bearer, json={"case_ref": "C-FEED", "display_name": "Feed",
                                                                "risk_flags": [], "contact_routes": []})
    assert created.status_code == 201, created.get_json()
    updated = feed.post("/api/v1/appointments", headers=bearer, json={
        "appointment_ref": "A-FEED", "case_ref": "C-FEED", "scheduled_at": "2026-11-18T10:00:00-05:00",
        "service": "Group", "modality": "virtual"})
    assert updated.status_code == 201
    signal = feed.post("/api/v1/appointments/A-FEED/attendance", headers=bearer,
                       json={"joined_at": "2026-11-18T10:01:00-05:00"})
    assert signal.status_code == 200
    # A bearer request from a client that also holds a session cookie needs no CSRF token either.
    both = client.post("/api/v1/cases", headers=bearer, json={"case_ref": "C-BOTH", "display_name": "Both",
                                                               "risk_flags": [], "contact_routes": []})
    assert both.status_code == 201
    # A wrong bearer token is not signed in (401), not a CSRF failure.
    wrong = app.test_client().post("/api/v1/cases", headers={"Authorization": "Bearer ct_wrong"}, json={})
    assert wrong.status_code == 401


def test_sign_in_is_exempt_from_csrf(app, client, auth):
    auth.user("cora", "coordinator")
    fresh = app.test_client()
    response = fresh.post("/api/v1/session", json={"username": "cora", "password": PASSWORD})
    assert response.status_code == 200
    assert response.get_json()["csrf_token"]
    # Signing in again over an existing session works too (no token needed to sign in).
    assert fresh.post("/api/v1/session", json={"username": "cora", "password": PASSWORD}).status_code == 200


# --- security headers ------------------------------------------------------------------------------

def _check_html_headers(response, where):
    assert response.mimetype == "text/html", where
    csp = response.headers.get("Content-Security-Policy", "")
    directives = {part.split()[0]: part.split()[1:] for part in csp.split(";") if part.strip()}
    assert directives.get("script-src") == ["'self'"], (where, csp)
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp, (where, csp)
    assert "hx-request" in {v.lower() for v in response.vary}, (where, response.headers.get("Vary"))
    html = response.text
    # With script-src 'self' and style-src 'self', inline code would be blocked: there must be none.
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), f"{where}: inline <script>"
    assert not re.search(r"\son[a-z]+\s*=", html), f"{where}: inline event handler"
    assert not re.search(r"\sstyle\s*=", html), f"{where}: inline style attribute"
    assert "javascript:" not in html.lower(), where


def test_every_html_page_has_a_strict_csp_and_varies_on_hx_request(app, client, auth, factory, now):
    ids = world(app, auth, factory)
    auth.user("multi", *ROLES)
    anonymous = app.test_client()
    _check_html_headers(anonymous.get("/sign-in"), "anonymous /sign-in")
    _check_html_headers(anonymous.get("/sign-in", headers={"HX-Request": "true"}), "anonymous htmx /sign-in")
    auth.login("multi")
    pages = [template.format(**ids) for method, rule, template, who in ROUTES
             if method == "GET" and not template.startswith(("/api/", "/fhir/")) and not template.endswith((".csv", ".js", ".webmanifest")) and rule != "/healthz"
             and rule not in ("/", "/sign-in", *SIGN_IN_STEPS) and rule != "/outcomes/pack.pdf"]
    assert len(pages) > 10
    for path in pages:
        for headers in ({}, {"HX-Request": "true"}):
            response = client.get(path, headers=headers)
            assert response.status_code == 200, (path, response.status_code)
            _check_html_headers(response, f"{path} {headers}")
    # Error pages and form re-renders are HTML pages too.
    _check_html_headers(client.get("/no-such-page"), "404 page")
    _check_html_headers(client.get("/missed-contacts/999999"), "404 event")
    token = auth.csrf_token
    invalid = client.post(f"/missed-contacts/new?appointment_ref={ids['fresh_ref']}", data={"csrf_token": token})
    assert invalid.status_code == 422
    _check_html_headers(invalid, "422 form")
    auth.login("outreach_worker")
    refused = client.get("/archive")
    assert refused.status_code == 403
    _check_html_headers(refused, "403 page")
    # JSON answers vary on HX-Request as well (the service worker caches by URL).
    assert "hx-request" in {v.lower() for v in client.get("/api/v1/session").vary}


# --- sessions --------------------------------------------------------------------------------------

def _copy_session(app, client):
    cookie = client.get_cookie("session", domain=HOST)
    assert cookie is not None, "no session cookie after sign-in"
    other = app.test_client()
    other.set_cookie("session", cookie.value, domain=HOST)
    return other


def test_a_copied_cookie_stops_working_after_api_sign_out(app, client, auth):
    auth.user("cora", "coordinator")
    auth.login("cora")
    thief = _copy_session(app, client)
    assert thief.get("/api/v1/session").status_code == 200
    assert auth.logout().status_code == 204
    assert thief.get("/api/v1/session").status_code == 401
    screen = thief.get("/today")
    assert screen.status_code == 302 and urlsplit(screen.headers["Location"]).path == "/sign-in"
    assert client.get("/api/v1/session").status_code == 401


def test_a_copied_cookie_stops_working_after_the_sign_out_form(app, client, auth):
    auth.user("cora", "coordinator")
    auth.login("cora")
    thief = _copy_session(app, client)
    assert thief.get("/today").status_code == 200
    page = client.get("/today")
    signed_out = client.post("/sign-out", data={"csrf_token": csrf_from(page.text)})
    assert signed_out.status_code == 302 and urlsplit(signed_out.headers["Location"]).path == "/sign-in"
    assert thief.get("/api/v1/session").status_code == 401
    assert thief.get("/today").status_code == 302
    # The ended session stays ended: signing in again makes a new one, the copy is still refused.
    auth.login("cora")
    assert thief.get("/api/v1/session").status_code == 401


def _session_row(app, user_id):
    from pwa.accounts.models import SignInSession

    with app.app_context():
        row = db.session.scalar(sa.select(SignInSession).filter_by(user_id=user_id)
                                .order_by(SignInSession.id.desc()))
        result = (row.last_seen_at, row.ended_at, row.end_reason)
        db.session.remove()
    return result


def test_a_session_idle_for_31_minutes_is_refused(app, client, auth, time_machine):
    time_machine.move_to(TUESDAY_10AM, tick=False)
    uid = auth.user("cora", "coordinator")
    auth.login("cora")
    time_machine.move_to(TUESDAY_10AM + timedelta(minutes=31), tick=False)
    assert client.get("/api/v1/session").status_code == 401
    assert client.get("/today").status_code == 302
    _seen, ended, reason = _session_row(app, uid)
    assert ended is not None and reason == "idle"
    # Coming back does not revive it.
    time_machine.move_to(TUESDAY_10AM + timedelta(minutes=32), tick=False)
    assert client.get("/api/v1/session").status_code == 401


def test_activity_within_29_minutes_keeps_the_session_and_refreshes_it(app, client, auth, time_machine):
    time_machine.move_to(TUESDAY_10AM, tick=False)
    uid = auth.user("cora", "coordinator")
    auth.login("cora")
    time_machine.move_to(TUESDAY_10AM + timedelta(minutes=29), tick=False)
    assert client.get("/api/v1/session").status_code == 200
    seen, ended, _reason = _session_row(app, uid)
    assert ended is None
    assert seen.replace(tzinfo=None) == (TUESDAY_10AM + timedelta(minutes=29)).astimezone(
        seen.tzinfo).replace(tzinfo=None)
    # 58 minutes after sign-in, but only 29 after the last request: still signed in.
    time_machine.move_to(TUESDAY_10AM + timedelta(minutes=58), tick=False)
    assert client.get("/today").status_code == 200
    time_machine.move_to(TUESDAY_10AM + timedelta(minutes=58 + 31), tick=False)
    assert client.get("/api/v1/session").status_code == 401


def test_sign_in_logs_the_username_never_the_password(app, client, auth, caplog):
    auth.user("cora", "coordinator")
    caplog.set_level(logging.INFO, logger="continuity")
    wrong = "wrong-password-Zq81x"

    def lines():
        found = [r.getMessage() for r in caplog.records if r.name == "continuity.accounts"]
        caplog.clear()
        return found

    assert client.post("/api/v1/session", json={"username": "cora", "password": PASSWORD}).status_code == 200
    success = lines()
    assert any("cora" in line for line in success), success
    assert client.post("/api/v1/session", json={"username": "cora", "password": wrong}).status_code == 401
    failure = lines()
    assert any("cora" in line and "fail" in line for line in failure), failure
    assert client.post("/api/v1/session", json={"username": "nobody", "password": wrong}).status_code == 401
    unknown = lines()
    assert any("nobody" in line for line in unknown), unknown

    form = app.test_client()
    token = _anonymous_token(form)
    assert form.post("/sign-in", data={"username": "cora", "password": wrong, "csrf_token": token}).status_code == 401
    form_failure = lines()
    assert any("cora" in line for line in form_failure), form_failure
    assert form.post("/sign-in", data={"username": "cora", "password": PASSWORD,
                                       "csrf_token": token}).status_code == 302
    form_success = lines()
    assert any("cora" in line for line in form_success), form_success

    everything = success + failure + unknown + form_failure + form_success
    for line in everything:
        assert PASSWORD not in line and wrong not in line, line
