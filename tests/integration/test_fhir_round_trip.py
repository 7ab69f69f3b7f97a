"""FHIR round trip: an EHR's Bundle goes in through the schedule feed's operations, workflows 1 and 2 run
as people use them, and the governed record comes back out as Task, Communication and Provenance, each
parsed back by fhir.resources with no validation error."""
import uuid
from datetime import UTC, timedelta

from fhir.resources.R4B.appointment import Appointment
from fhir.resources.R4B.auditevent import AuditEvent
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.communication import Communication
from fhir.resources.R4B.provenance import Provenance
from fhir.resources.R4B.task import Task

from pwa.fhir import terms
from tests.support.clock import ny
from tests.support.fhir import Ehr, appointment, patient, transaction
from tests.support.payloads import attempt_payload, classification_payload, event_payload, open_payload, release_payload
from tests.support.worlds import workflow_counts


def _ext(resource, url):
    return next(e for e in resource.extension if e.url == url)


def _cast(auth):
    for name, role in {"cora": "coordinator", "sam": "attendance_supervisor", "olu": "outreach_worker",
                       "sade": "service_supervisor"}.items():
        auth.user(name, role)


def test_an_ehr_no_show_runs_workflows_1_and_2_and_a_fulfilled_make_up_closes_the_task(app, auth, now, time_machine):
    _cast(auth)
    ehr = Ehr(app)
    start = now - timedelta(minutes=20)
    bundle = transaction(patient("C-FH1"), appointment("EHR-A1", "C-FH1", start, status="noshow",
                                                       patient_url="urn:uuid:00000000-0000-4000-8000-000000000000"))
    answer = ehr.post(bundle)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    reply = Bundle.model_validate_json(answer.get_data(as_text=True))
    assert reply.type == "transaction-response"
    assert [(e.response.status, e.response.location) for e in reply.entry] == [
        ("201 Created", "Patient/C-FH1"), ("201 Created", "Appointment/EHR-A1")]

    # The same Bundle again changes nothing.
    before = workflow_counts(app)
    again = ehr.post(bundle)
    assert again.status_code == 200
    assert [e["response"]["status"] for e in again.get_json()["entry"]] == ["200 OK", "200 OK"]
    assert workflow_counts(app) == before

    # The no-show is a detected miss on Today, and workflow 1 runs on it as usual.
    auth.login("cora")
    assert "EHR-A1" in auth.get("/today").text
    missed = {"appointment_ref": "EHR-A1", "case_ref": "C-FH1", "scheduled_at": start.isoformat()}
    event = auth.post("/api/v1/missed-contacts", event_payload(missed))
    assert event.status_code == 201, event.get_json()
    # Not released yet: the EHR still sees it booked (a miss is workflow 1's to code).
    assert [e.resource.status for e in ehr.search("/fhir/Appointment?patient=C-FH1").entry] == ["booked"]
    auth.login("sam")
    assert auth.post(f"/api/v1/missed-contacts/{event.get_json()['id']}/classification",
                     classification_payload()).status_code == 201
    auth.login("cora")
    released = auth.post(f"/api/v1/missed-contacts/{event.get_json()['id']}/release", release_payload())
    assert released.status_code in (200, 201), released.get_json()
    case_id = released.get_json()["recovery_case_id"]
    noshows = ehr.search("/fhir/Appointment?patient=Patient/C-FH1&status=noshow")
    assert [e.resource.id for e in noshows.entry] == ["EHR-A1"]

    task = ehr.search("/fhir/Task?patient=C-FH1").entry[0].resource
    assert isinstance(task, Task) and task.id == str(case_id)
    assert (task.status, task.businessStatus.coding[0].code) == ("ready", "instructed")
    assert task.owner.identifier.value == "olu" and task.for_fhir.reference == "Patient/C-FH1"
    assert task.focus.reference == "Appointment/EHR-A1"
    assert _ext(task, terms.OPEN_DUE).valueDateTime is not None and task.restriction.period.end is not None

    # Workflow 2: olu opens the case and reaches the person, who accepts a make-up session.
    auth.login("olu")
    route = next(r["id"] for r in auth.get(f"/api/v1/recovery-cases/{case_id}").get_json()["contact_routes"])
    assert auth.post(f"/api/v1/recovery-cases/{case_id}/open", open_payload(route)).status_code == 200
    slot = ny(2026, 11, 18, 14, 0)
    # Saved on olu's phone with no signal, its clock 90 s slow, and sent when the signal is back.
    time_machine.move_to(now + timedelta(minutes=10), tick=True)
    device_clock = now + timedelta(minutes=10) - timedelta(seconds=90)
    payload = attempt_payload(device_clock - timedelta(seconds=30), outcome="reached", rescue_option="make_up_session",
                              rescue_detail="Make-up session Wednesday 18 Nov at 14:00 with the same counsellor",
                              offer_accepted="yes", makeup_at=slot.isoformat())
    del payload["client_id"]
    synced = auth.post("/api/v1/sync", {"device_id": "phone-7", "sent_at": device_clock.isoformat(),
                                        "entries": [{"client_id": str(uuid.uuid4()), "kind": "attempt",
                                                     "recovery_case_id": case_id, "payload": payload,
                                                     "recorded_at": (device_clock - timedelta(seconds=30)).isoformat()}]})
    assert synced.status_code == 200 and synced.get_json()["results"][0]["status"] == "created", synced.get_json()
    attempt = auth.get(f"/api/v1/recovery-cases/{case_id}")
    makeup_ref = attempt.get_json()["makeup_appointment_ref"]
    assert makeup_ref
    assert ehr.search("/fhir/Task?patient=C-FH1&status=in-progress").entry[0].resource.businessStatus.text == "open"

    # The make-up happens: the EHR marks it fulfilled with the arrival time; the Task completes as reengaged.
    time_machine.move_to(slot + timedelta(minutes=30), tick=True)
    fulfilled = ehr.post(transaction(appointment(makeup_ref, "C-FH1", slot, status="fulfilled",
                                                 period={"start": (slot + timedelta(minutes=2)).isoformat()})))
    assert fulfilled.status_code == 200, fulfilled.get_data(as_text=True)
    assert fulfilled.get_json()["entry"][0]["response"]["status"] == "200 OK"  # the make-up was ours already
    task = ehr.search("/fhir/Task?patient=C-FH1").entry[0].resource
    assert task.status == "completed" and task.businessStatus.text == "closed:reengaged"
    assert task.statusReason.text == "reengaged" and task.executionPeriod.end is not None
    # Its last update is the closure: _lastUpdated finds it from then on, and not after.
    assert task.meta.lastUpdated == task.executionPeriod.end
    closed = task.meta.lastUpdated.astimezone(UTC)
    assert ehr.search(f"/fhir/Task?_lastUpdated=ge{closed:%Y-%m-%dT%H:%M:%S}Z").total == 1
    assert ehr.search(f"/fhir/Task?_lastUpdated=gt{closed + timedelta(seconds=1):%Y-%m-%dT%H:%M:%S}Z").total == 0
    assert ehr.search(f"/fhir/Task?status=ready,in-progress").total == 0
    auth.login("sade")
    assert auth.get(f"/api/v1/recovery-cases/{case_id}").get_json()["reengaged_appointment_ref"] == makeup_ref
    made_up = ehr.search(f"/fhir/Appointment?patient=C-FH1&status=fulfilled").entry[0].resource
    assert isinstance(made_up, Appointment) and made_up.id == makeup_ref
    assert _ext(made_up, terms.MAKEUP_FOR).valueReference.reference == "Appointment/EHR-A1"
    assert made_up.participant[0].period.start.isoformat().startswith((slot + timedelta(minutes=2)).astimezone(
        made_up.participant[0].period.start.tzinfo).isoformat()[:16])

    # The attempt as Communication: sent, medium and status, device and server times.
    communication = ehr.search("/fhir/Communication?patient=C-FH1").entry[0].resource
    assert isinstance(communication, Communication)
    assert communication.status == "completed" and communication.basedOn[0].reference == f"Task/{case_id}"
    assert communication.medium[0].coding[0].code == "PHONE" and communication.sent is not None
    device_time = _ext(communication, terms.DEVICE_RECORDED).valueDateTime
    server_time = _ext(communication, terms.SERVER_RECEIVED).valueDateTime
    assert device_time < server_time and _ext(communication, terms.ATTEMPT_OUTCOME).valueCode == "reached"

    # Its Provenance: recorded (server) against occurred (device), the device and its clock offset.
    provenance = ehr.search("/fhir/Provenance?patient=C-FH1").entry[0].resource
    assert isinstance(provenance, Provenance)
    assert provenance.id == f"attempt-{communication.id}"
    assert provenance.target[0].reference == f"Communication/{communication.id}"
    assert provenance.recorded == server_time and provenance.occurredDateTime == device_time
    assert _ext(provenance, terms.DEVICE_ID).valueString == "phone-7"
    assert 85 <= float(_ext(provenance, terms.CLOCK_OFFSET).valueDecimal) <= 120  # the phone's clock was 90 s slow
    assert provenance.agent[0].who.identifier.value == "olu"

    # Each step is in the archive, as AuditEvents carrying the entry's hash.
    audits = ehr.search("/fhir/AuditEvent?patient=C-FH1&_count=100")
    actions = [e.resource.subtype[0].code for e in audits.entry]
    assert "closed_reengaged" in actions and "arrived" in actions
    entry = next(e.resource for e in audits.entry if e.resource.subtype[0].code == "closed_reengaged")
    assert isinstance(entry, AuditEvent)
    auth.user("audrey", "auditor")
    auth.login("audrey")
    archived = {e["seq"]: e for e in auth.get("/api/v1/archive/recovery-action?per_page=500").get_json()["items"]}
    hashes = {d.type: d.valueString for d in entry.entity[0].detail}
    assert hashes["hash"] == archived[int(entry.id)]["hash"]
