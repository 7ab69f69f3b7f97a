"""The identifier systems, code systems and extension URLs the adapter reads and writes."""

BASE = "https://continuity.example.org/fhir"
CASE_REF_SYSTEM = f"{BASE}/sid/case-ref"                 # Patient.identifier → case_ref
APPOINTMENT_REF_SYSTEM = f"{BASE}/sid/appointment-ref"   # Appointment.identifier → appointment_ref
USER_SYSTEM = f"{BASE}/sid/username"                     # the people behind a record (owner, author, agent)
ARCHIVE_SYSTEM = f"{BASE}/CodeSystem/archive-folder"     # AuditEvent.type: the archive folder
ARCHIVE_ACTION_SYSTEM = f"{BASE}/CodeSystem/archive-action"
RECOVERY_STATUS_SYSTEM = f"{BASE}/CodeSystem/recovery-status"   # Task.businessStatus
CHANNEL_SYSTEM = f"{BASE}/CodeSystem/contact-channel"
RISK_FLAG_SYSTEM = f"{BASE}/CodeSystem/risk-flag"


def ext(name: str) -> str:
    return f"{BASE}/StructureDefinition/{name}"


MODALITY = ext("modality")                    # valueCode: in_person, virtual, home_visit, phone
MAKEUP_FOR = ext("makeup-for")                # valueReference: the missed Appointment
ABSENCE_CHANNEL = ext("absence-channel")      # valueCode: how the person gave notice
RISK_FLAG = ext("risk-flag")                  # valueCode, repeated on Patient
APPROVED_ROUTE = ext("approved-route")        # valueBoolean on Patient.telecom
DEVICE_RECORDED = ext("device-recorded")      # valueDateTime: the device's clock, as sent
SERVER_RECEIVED = ext("server-received")      # valueDateTime: the server's clock
CORRECTED_RECORDED = ext("corrected-recorded")
DEVICE_ID = ext("device-id")                  # valueString
CLOCK_OFFSET = ext("clock-offset")            # valueDecimal: seconds, server minus device
CLOCK_FLAGGED = ext("clock-flagged")          # valueBoolean: beyond CLOCK_TOLERANCE_SECONDS
ATTEMPT_OUTCOME = ext("attempt-outcome")      # valueCode: reached, no_answer, declined, wrong_route
OPEN_DUE = ext("open-due")                    # valueDateTime on Task: 2a deadline
DISPOSITION_DUE = ext("disposition-due")      # valueDateTime on Task: 2c deadline
PREV_HASH = "prev_hash"
HASH = "hash"

# Continuity's contact channels as HL7 v3 ParticipationMode (Communication.medium).
PARTICIPATION_MODE = "http://terminology.hl7.org/CodeSystem/v3-ParticipationMode"
MEDIUM = {"phone_call": "PHONE", "sms": "ELECTRONIC", "email": "EMAILWRIT", "video": "VIDEOCONF",
          "home_visit": "FACE", "letter": "MAILWRIT", "emergency_contact": "PHONE"}
# Patient.telecom.system → contact channel (the feed's routes).
TELECOM_CHANNEL = {"phone": "phone_call", "sms": "sms", "email": "email"}
