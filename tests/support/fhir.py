"""EHR-style FHIR calls for the adapter's tests: a Bundle like an EHR sends, and a client that posts and
searches with the integration's bearer token (no cookie)."""
from fhir.resources.R4B.bundle import Bundle

from pwa.extensions import db
from pwa.fhir import terms

FHIR_JSON = "application/fhir+json"


def patient(case_ref: str, *, worker: str | None = "olu", name="Alex Rivera", phone="+1 555 0100") -> dict:
    resource = {"resourceType": "Patient", "id": f"ehr-{case_ref}",
                "identifier": [{"system": "urn:oid:2.16.840.1.113883.19.5", "value": f"MRN{case_ref}"},
                               {"system": terms.CASE_REF_SYSTEM, "value": case_ref}],
                "name": [{"family": name.split()[-1], "given": name.split()[:-1]}],
                "telecom": [{"system": "phone", "value": phone, "rank": 1,
                             "extension": [{"url": terms.APPROVED_ROUTE, "valueBoolean": True}]}]}
    if worker:
        resource["generalPractitioner"] = [{"identifier": {"system": terms.USER_SYSTEM, "value": worker}}]
    return resource


def appointment(ref: str, case_ref: str, start, *, status="booked", minutes=60, modality=None,
                participant_status="accepted", period=None, patient_url=None, **extra) -> dict:
    resource = {"resourceType": "Appointment", "status": status,
                "identifier": [{"system": terms.APPOINTMENT_REF_SYSTEM, "value": ref}],
                "serviceType": [{"text": "Counselling"}], "start": start.isoformat(), "minutesDuration": minutes,
                "participant": [{"actor": {"reference": patient_url or f"Patient/{case_ref}"},
                                 "status": participant_status, **({"period": period} if period else {})}]}
    if modality:
        resource["extension"] = [{"url": terms.MODALITY, "valueCode": modality}]
    resource.update(extra)
    return resource


def transaction(*resources) -> dict:
    entries = []
    for i, resource in enumerate(resources):
        kind = resource["resourceType"]
        entries.append({"fullUrl": f"urn:uuid:00000000-0000-4000-8000-{i:012d}", "resource": resource,
                        "request": {"method": "PUT" if kind == "Appointment" else "POST", "url": kind}})
    return {"resourceType": "Bundle", "type": "transaction", "entry": entries}


class Ehr:
    """The EHR: an integration user's bearer token, posting Bundles and searching."""

    def __init__(self, app, name="ehr"):
        from pwa.accounts.operations import create_token

        self.app = app
        with app.app_context():
            self.token = create_token(name, ["integration"])
            db.session.commit()
        self.client = app.test_client()

    def headers(self) -> dict:
        return {"Authorization": f"Bearer {self.token}", "Accept": FHIR_JSON}

    def post(self, body):
        return self.client.post("/fhir", json=body, headers=self.headers())

    def get(self, path):
        return self.client.get(path, headers=self.headers())

    def search(self, path) -> Bundle:
        """A searchset, parsed back by the library (a validation error fails the test)."""
        response = self.get(path)
        assert response.status_code == 200, response.get_data(as_text=True)
        assert response.mimetype == FHIR_JSON
        bundle = Bundle.model_validate_json(response.get_data(as_text=True))
        assert bundle.type == "searchset"
        return bundle
