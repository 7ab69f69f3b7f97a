"""The FHIR R4 (4.0.1) adapter at /fhir: an EHR's schedule in (transaction Bundles of Patient and
Appointment, through the schedule feed's operations), the governed record out (searchset Bundles of
Appointment, Task, Communication, Provenance and AuditEvent). It keeps no rules of its own; resources are
built and validated with fhir.resources' R4B models, which match R4 for the elements used here."""
