"""POST /fhir: each Appointment status and the patient participant go through the same operations as the
JSON schedule feed (arrival, attendance signal, notice of absence, a detected miss); the transaction is
all-or-nothing; roles and CSRF as the rest of the app."""
from datetime import timedelta

import sqlalchemy as sa

from pwa.extensions import db
from pwa.fhir import terms
from tests.support.fhir import FHIR_JSON, Ehr, appointment, patient, transaction
from tests.support.worlds import workflow_counts


def _stored(app, ref) -> dict:
    with app.app_context():
        row = db.session.execute(sa.text("SELECT * FROM appointments WHERE appointment_ref = :r"), {"r": ref})
        found = dict(row.mappings().one())
        db.session.remove()
    return found


def _archive_actions(app) -> list[str]:
    with app.app_context():
        actions = list(db.session.scalars(sa.text("SELECT action FROM archive_entries ORDER BY seq")))
        db.session.remove()
    return actions


def _ok(response):
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == FHIR_JSON
    return response.get_json()


def test_booked_then_cancelled_updates_the_live_schedule_by_identifier(app, auth, now):
    auth.user("olu", "outreach_worker")
    ehr = Ehr(app)
    later = now + timedelta(days=2)
    _ok(ehr.post(transaction(patient("C-S1"), appointment("A-S1", "C-S1", later, minutes=45))))
    stored = _stored(app, "A-S1")
    assert stored["duration_minutes"] == 45 and not stored["cancelled"] and stored["modality"] == "in_person"
    with app.app_context():
        case = db.session.execute(sa.text("SELECT display_name FROM cases WHERE case_ref = 'C-S1'")).one()
    assert case.display_name == "Alex Rivera"
    _ok(ehr.post(transaction(appointment("A-S1", "C-S1", later, status="cancelled"))))
    assert _stored(app, "A-S1")["cancelled"]
    assert ehr.search("/fhir/Appointment?patient=C-S1&status=cancelled").total == 1


def test_arrived_records_the_arrival_once(app, auth, now):
    ehr = Ehr(app)
    start = now - timedelta(minutes=5)
    bundle = transaction(patient("C-S2", worker=None), appointment(
        "A-S2", "C-S2", start, status="arrived", period={"start": (start + timedelta(minutes=3)).isoformat()}))
    _ok(ehr.post(bundle))
    assert _stored(app, "A-S2")["arrived_at"] is not None
    _ok(ehr.post(bundle))
    assert _archive_actions(app).count("arrived") == 1


def test_a_fulfilled_virtual_session_is_an_attendance_signal_from_the_participant_period(app, now):
    ehr = Ehr(app)
    start = now - timedelta(minutes=70)
    period = {"start": start.isoformat(), "end": (start + timedelta(minutes=55)).isoformat()}
    _ok(ehr.post(transaction(patient("C-S3", worker=None), appointment(
        "A-S3", "C-S3", start, status="fulfilled", modality="virtual", period=period))))
    stored = _stored(app, "A-S3")
    assert stored["joined_at"] is not None and stored["left_at"] is not None and stored["miss_detected_at"] is None
    # Left after ten minutes of sixty: the same detection as the JSON feed calls it a miss (left early).
    period["end"] = (start + timedelta(minutes=10)).isoformat()
    _ok(ehr.post(transaction(appointment("A-S3", "C-S3", start, status="fulfilled", modality="virtual", period=period))))
    assert _stored(app, "A-S3")["detected_event_type"] == "left_early"


def test_noshow_is_a_detected_miss_and_refused_before_the_grace_period_ends(app, now):
    ehr = Ehr(app)
    _ok(ehr.post(transaction(patient("C-S4", worker=None),
                             appointment("A-S4", "C-S4", now - timedelta(minutes=30), status="noshow"))))
    stored = _stored(app, "A-S4")
    assert stored["detected_event_type"] == "missed_appointment" and stored["event_due_at"] is not None

    before = workflow_counts(app)
    early = ehr.post(transaction(appointment("A-S5", "C-S4", now - timedelta(minutes=5), status="noshow")))
    assert early.status_code == 422
    issue = early.get_json()["issue"][0]
    assert issue["expression"] == ["Bundle.entry[0].resource.status"] and "grace" in issue["diagnostics"]
    assert workflow_counts(app) == before


def test_a_declined_patient_participant_is_notice_of_absence(app, now):
    ehr = Ehr(app)
    later = now + timedelta(hours=3)
    notice = appointment("A-S6", "C-S6", later, participant_status="declined", comment="Hospital visit for her son",
                         extension=[{"url": terms.ABSENCE_CHANNEL, "valueCode": "portal"}])
    _ok(ehr.post(transaction(patient("C-S6", worker=None), notice)))
    stored = _stored(app, "A-S6")
    assert stored["absence_channel"] == "portal" and stored["absence_reason"] == "Hospital visit for her son"
    _ok(ehr.post(transaction(notice)))  # resent: harmless
    assert _archive_actions(app).count("absence_notified") == 1
    found = ehr.search("/fhir/Appointment?patient=C-S6").entry[0].resource
    assert found.status == "cancelled" and found.participant[0].status == "declined"

    without_channel = appointment("A-S7", "C-S6", later, participant_status="declined", comment="Ill")
    refused = ehr.post(transaction(without_channel))
    assert refused.status_code == 422
    assert refused.get_json()["issue"][0]["expression"] == ["Bundle.entry[0].resource.extension"]


def test_one_bad_entry_keeps_nothing_of_the_bundle(app, now):
    ehr = Ehr(app)
    before = workflow_counts(app)
    bundle = transaction(patient("C-S8", worker=None), appointment("A-S8", "C-S8", now + timedelta(days=1)),
                         appointment("A-S9", "C-S8", now + timedelta(days=1), minutesDuration=1))
    refused = ehr.post(bundle)
    assert refused.status_code == 422 and refused.mimetype == FHIR_JSON
    assert refused.get_json()["issue"] == [{"severity": "error", "code": "invalid",
                                            "diagnostics": "Give 5 to 600 minutes.",
                                            "expression": ["Bundle.entry[2].resource.minutesDuration"]}]
    assert workflow_counts(app) == before


def test_only_integration_writes_and_auditors_read(app, auth, now):
    client = app.test_client()
    body = transaction(patient("C-S10", worker=None))
    unsigned = client.post("/fhir", json=body)
    assert unsigned.status_code == 401 and unsigned.get_json()["resourceType"] == "OperationOutcome"
    auth.as_role("auditor")
    assert auth.get("/fhir/AuditEvent").status_code == 200
    refused = auth.post("/fhir", body)
    assert refused.status_code == 403 and refused.get_json()["issue"][0]["code"] == "forbidden"
    auth.as_role("coordinator")
    assert auth.get("/fhir/Task").status_code == 403
    # A signed-in integration user writing with its cookie needs the CSRF token, as every cookie write does.
    auth.as_role("integration")
    no_token = auth.client.post("/fhir", json=body)
    assert no_token.status_code == 400 and no_token.get_json()["issue"][0]["code"] == "security"
    assert auth.post("/fhir", body).status_code == 200


def test_metadata_is_a_capability_statement_for_r4(client):
    from fhir.resources.R4B.capabilitystatement import CapabilityStatement

    response = client.get("/fhir/metadata")
    assert response.status_code == 200 and response.mimetype == FHIR_JSON
    statement = CapabilityStatement.model_validate_json(response.get_data(as_text=True))
    assert statement.fhirVersion == "4.0.1" and statement.rest[0].interaction[0].code == "transaction"
    searched = {r.type: {p.name for p in r.searchParam or []} for r in statement.rest[0].resource}
    assert searched["Task"] == {"patient", "status", "_lastUpdated", "_count"}
    assert set(searched) == {"Appointment", "Task", "Communication", "Provenance", "AuditEvent", "Patient"}
