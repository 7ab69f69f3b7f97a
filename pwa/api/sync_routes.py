"""POST /api/v1/sync: a device's outbox of offline attempts and dispositions, in batches."""
from datetime import UTC, timedelta

from flask import current_app, jsonify
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from sync.clock import ClockReading
from sync.envelope import EnvelopeError, parse_batch

from ..clock import utcnow
from ..errors import InvalidInput
from ..governance import access
from ..recovery.operations import Receipt
from ..recovery.sync_applier import ingest_batch
from ..security import requires
from ..transaction import retried
from .blueprint import bp, json_body


@bp.post("/sync")
@requires(*access.READ_RECOVERY)
def sync_entries():
    """Entries saved on a device with no signal, each with its client_id (unique forever) and the device's
    recorded_at. Every entry is answered in order: `created`, `duplicate` (stored before: nothing created,
    the stored id), `conflict` (the id was used for a different entry, which is kept as evidence) or
    `rejected` (the same field errors as the form or the API; `_schema` and `rule` for a refused step).
    The device's clock offset (server_time - sent_at) corrects its times; beyond the tolerance (default
    2 minutes) the entries are flagged. A bad envelope is refused whole (422) and nothing is applied.
    ---
    post:
      tags: [sync]
      requestBody: {content: {application/json: {schema: SyncBatchInput}}}
      responses:
        200: {content: {application/json: {schema: SyncOut}}}
        400:
          description: CSRF token missing or wrong (cookie sessions)
          content: {application/json: {schema: ErrorOut}}
        401: {content: {application/json: {schema: ErrorOut}}}
        403: {content: {application/json: {schema: ErrorOut}}}
        413: {description: The body is over 1 MiB}
        422:
          description: A bad envelope, errors by path (e.g. entries.3.client_id); nothing is applied
          content: {application/json: {schema: ErrorOut}}
    """
    received_at = utcnow()
    try:
        batch = parse_batch(json_body(refuse_nul=False))
    except EnvelopeError as err:
        raise InvalidInput(err.errors) from None
    reading = ClockReading(received_at=received_at, sent_at=batch.sent_at,
                           tolerance=timedelta(seconds=current_app.config["CLOCK_TOLERANCE_SECONDS"]))
    receipt = Receipt(received_at=received_at, clock_offset=reading.offset, device_id=batch.device_id)
    user = current_user._get_current_object()  # not the proxy: entries read the actor thousands of times
    # Another request may store one of these client_ids (or supersede the same disposition) while this one
    # runs: the batch is run once more, when the stored entries answer as duplicates or conflicts.
    results = retried(lambda: ingest_batch(batch, user, receipt), retry_on=IntegrityError)
    # The shape of SyncOut; the results are plain dicts already (no schema pass over 200 of them).
    return jsonify(server_time=received_at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
                   clock_offset_seconds=reading.offset_seconds, clock_flagged=reading.flagged,
                   results=[r.as_dict() for r in results])
