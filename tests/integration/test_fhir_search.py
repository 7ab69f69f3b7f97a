"""GET /fhir/<resource>: searchset Bundles filtered by patient, status and _lastUpdated (ge/le/gt/lt and a
plain day), paged by _count with next and previous links that lead through every match exactly once."""
from datetime import UTC, timedelta

import pytest
from fhir.resources.R4B.bundle import Bundle

from tests.support.fhir import FHIR_JSON, Ehr, appointment, patient, transaction


def z(moment) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture
def schedule(app, now, time_machine):
    """Five appointments of C-P1 fed one an hour apart (10:00 to 14:00 New York), one of C-P2, and one of
    C-P1 cancelled."""
    ehr = Ehr(app)
    ehr.post(transaction(patient("C-P1", worker=None), patient("C-P2", worker=None)))
    for hour in range(5):
        time_machine.move_to(now + timedelta(hours=hour), tick=False)
        assert ehr.post(transaction(appointment(f"A-P{hour}", "C-P1", now + timedelta(days=3, hours=hour)))).status_code == 200
    time_machine.move_to(now + timedelta(hours=5), tick=False)
    ehr.post(transaction(appointment("B-P1", "C-P2", now + timedelta(days=3)),
                         appointment("X-P1", "C-P1", now + timedelta(days=4), status="cancelled")))
    return ehr


def _ids(bundle: Bundle) -> list[str]:
    return [entry.resource.id for entry in bundle.entry or []]


def test_patient_and_status_narrow_the_search(schedule):
    assert _ids(schedule.search("/fhir/Appointment?patient=C-P2")) == ["B-P1"]
    assert _ids(schedule.search("/fhir/Appointment?patient=Patient/C-P1&status=cancelled")) == ["X-P1"]
    booked = schedule.search("/fhir/Appointment?patient=C-P1&status=booked")
    assert booked.total == 5 and _ids(booked) == [f"A-P{h}" for h in range(5)]  # oldest update first
    assert schedule.search("/fhir/Appointment?patient=C-P1&status=booked,cancelled").total == 6
    assert schedule.search("/fhir/Appointment?patient=C-NONE").total == 0


def test_last_updated_takes_ge_le_gt_lt_and_a_day(schedule, now):
    second = now + timedelta(hours=1)
    fourth = now + timedelta(hours=3)
    base = "/fhir/Appointment?patient=C-P1&status=booked"
    assert _ids(schedule.search(f"{base}&_lastUpdated=ge{z(second)}&_lastUpdated=le{z(fourth)}")) == ["A-P1", "A-P2", "A-P3"]
    assert _ids(schedule.search(f"{base}&_lastUpdated=gt{z(second)}&_lastUpdated=lt{z(fourth)}")) == ["A-P2"]
    assert schedule.search(f"{base}&_lastUpdated={now.astimezone(UTC).date().isoformat()}").total == 5
    assert schedule.search(f"{base}&_lastUpdated=lt{now.astimezone(UTC).date().isoformat()}").total == 0


def test_count_pages_with_next_and_previous_links(schedule):
    seen, url, pages = [], "/fhir/Appointment?patient=C-P1&_count=2", 0
    while url:
        page = schedule.search(url)
        assert page.total == 6 and len(page.entry) <= 2
        links = {link.relation: link.url for link in page.link}
        assert "_count=2" in links["self"] and "patient=C-P1" in links["self"]
        assert ("previous" in links) == (pages > 0)
        seen += _ids(page)
        pages += 1
        url = links.get("next", "").replace("http://localhost", "")
    assert pages == 3 and sorted(seen) == sorted({*seen}) and len(seen) == 6
    last = schedule.search("/fhir/Appointment?patient=C-P1&_count=2&_offset=4")
    back = {link.relation: link.url for link in last.link}["previous"]
    assert _ids(schedule.search(back.replace("http://localhost", ""))) == _ids(
        schedule.search("/fhir/Appointment?patient=C-P1&_count=2&_offset=2"))


@pytest.mark.parametrize("query, parameter", [
    ("_count=0", "_count"), ("_count=101", "_count"), ("_count=two", "_count"), ("_offset=-1", "_offset"),
    ("_lastUpdated=yesterday", "_lastUpdated"), ("_lastUpdated=ge2026-13-40", "_lastUpdated"),
    ("_lastUpdated=ge2026-11-17T10:00:00", "_lastUpdated"), ("status=arrived", "status"),
    ("patient=a%20b", "patient"), ("name=Alex", "name"), ("patient=" + "x" * 65, "patient"),
])
def test_a_bad_search_parameter_is_an_operation_outcome_naming_it(app, query, parameter):
    ehr = Ehr(app)
    response = ehr.get(f"/fhir/Appointment?{query}")
    assert response.status_code == 400 and response.mimetype == FHIR_JSON
    assert response.get_json()["issue"][0]["expression"] == [parameter]


@pytest.mark.parametrize("resource", ["Provenance", "AuditEvent"])
def test_resources_without_a_status_refuse_the_status_parameter(app, resource):
    assert Ehr(app).get(f"/fhir/{resource}?status=completed").status_code == 400


def test_an_unknown_resource_or_method_is_an_operation_outcome(app):
    ehr = Ehr(app)
    for response in (ehr.get("/fhir/Patient"), ehr.get("/fhir/Appointment/A-1/_history"),
                     ehr.client.delete("/fhir/Appointment", headers=ehr.headers())):
        assert response.status_code in (404, 405) and response.get_json()["resourceType"] == "OperationOutcome"


def test_provenance_pages_through_attempts_and_dispositions_with_their_device_times(app, w2):
    case_id = w2.opened_case()
    attempt = w2.attempted(case_id)
    disposed = w2.dispose(case_id, evidence=[attempt["id"]])
    assert disposed.status_code == 201, disposed.get_json()
    ehr = Ehr(app)
    case_ref = w2.read(case_id).get_json()["case_ref"]
    first = ehr.search(f"/fhir/Provenance?patient={case_ref}&_count=1")
    assert first.total == 2 and _ids(first) == [f"attempt-{attempt['id']}"]
    assert first.entry[0].resource.target[0].reference == f"Communication/{attempt['id']}"
    following = {link.relation: link.url for link in first.link}["next"].replace("http://localhost", "")
    second = ehr.search(following).entry[0].resource
    assert second.id == f"disposition-{disposed.get_json()['id']}" and second.target[0].reference == f"Task/{case_id}"
    assert second.recorded is not None and second.occurredDateTime is not None
    assert _ids(ehr.search(f"/fhir/Communication?patient={case_ref}&status=completed")) == [str(attempt["id"])]
    task = ehr.search(f"/fhir/Task?patient={case_ref}").entry[0].resource
    assert task.businessStatus.coding[0].code == "dispositioned" and task.meta.lastUpdated == second.recorded


def test_each_fhir_search_writes_the_access_record_of_the_people_it_returns(app, w2):
    import sqlalchemy as sa

    from pwa.extensions import db

    case_id = w2.opened_case()
    attempt = w2.attempted(case_id)
    assert w2.dispose(case_id, evidence=[attempt["id"]]).status_code == 201
    case_ref = w2.read(case_id).get_json()["case_ref"]
    ehr = Ehr(app, name="ehr-reader")
    for kind in ("Appointment", "Task", "Communication", "Provenance", "AuditEvent"):
        assert ehr.search(f"/fhir/{kind}?patient={case_ref}").total >= 1
    ehr.search("/fhir/Task?patient=C-NONE")  # nobody returned: nobody read
    with app.app_context():
        rows = db.session.execute(sa.text(
            "SELECT a.case_ref, a.what, a.via FROM access_records a JOIN users u ON u.id = a.user_id "
            "WHERE u.username = 'ehr-reader' ORDER BY a.id")).all()
        db.session.remove()
    assert [(r.case_ref, r.what, r.via) for r in rows] == [
        (case_ref, "GET fhir.search_type", "token") for _ in range(5)]
