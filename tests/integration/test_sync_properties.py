"""Stateful property test of the sync protocol against the real endpoint and database.

Hypothesis drives a model of a device's outbox through any interleaving of: saving entries (some
the server will refuse), sending any subset in any order with duplicates, losing the response (the
server applied the batch, the device never saw the answer), retrying, the worker discarding a
refused entry, and a misbehaving device that reuses an id for a different entry. After every step:

- exactly one record per client_id the server accepted, none for an entry it refused;
- an entry leaves the outbox only on a per-entry acknowledgement (created or duplicate);
- every entry the worker saved is acknowledged, still waiting, or discarded by the worker after a
  refusal: nothing is lost and nothing is duplicated;
- a client_id always answers with the same record id, and the device's own resends never conflict.
"""
import uuid

import sqlalchemy as sa
from hypothesis import HealthCheck, settings, strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test

from pwa.clock import utcnow
from pwa.extensions import db
from tests.support.payloads import attempt_payload
from tests.support.worlds import W2

OUTCOMES = ("reached", "no_answer", "declined")


def machine_for(w2: W2, case_id: int):
    class Outbox(RuleBasedStateMachine):
        """One device; `outbox` is what waits on it, in the order the worker saved it."""

        def __init__(self):
            super().__init__()
            self.entries: dict[str, dict] = {}    # every entry the worker saved, by client_id
            self.valid: dict[str, bool] = {}      # would the server accept it?
            self.outbox: list[str] = []
            self.acked: set[str] = set()
            self.discarded: set[str] = set()
            self.reached_server: set[str] = set()  # sent at least once, answer seen or not
            self.ids: dict[str, int] = {}          # the record id the server answered with

        # --- the worker ---
        @rule(valid=st.booleans(), outcome=st.sampled_from(OUTCOMES))
        def save(self, valid, outcome):
            at = utcnow()
            payload = attempt_payload(at, outcome=outcome)
            del payload["client_id"]
            if not valid:
                payload["rescue_detail"] = "Please call us back"  # refused: a generic callback
            entry = {"client_id": str(uuid.uuid4()), "kind": "attempt", "recovery_case_id": case_id,
                     "recorded_at": at.isoformat(), "payload": payload}
            self.entries[entry["client_id"]] = entry
            self.valid[entry["client_id"]] = valid
            self.outbox.append(entry["client_id"])

        @precondition(lambda self: any(not self.valid[c] and c in self.reached_server for c in self.outbox))
        @rule(data=st.data())
        def discard_refused(self, data):
            """The worker reads the server's reasons and discards the entry (the only other way out)."""
            refused = [c for c in self.outbox if not self.valid[c] and c in self.reached_server]
            client_id = data.draw(st.sampled_from(refused))
            self.outbox.remove(client_id)
            self.discarded.add(client_id)

        # --- the network ---
        @rule(data=st.data(), lose_response=st.booleans())
        def send(self, data, lose_response):
            """Any subset of everything saved (an acknowledged entry too: a stale outbox copy), in any
            order, with duplicates; the answer may be lost on the way back."""
            pool = self.outbox or list(self.entries)
            if not pool:
                return
            chosen = data.draw(st.lists(st.sampled_from(pool), min_size=1, max_size=8))
            if self.acked and data.draw(st.booleans()):
                chosen.append(data.draw(st.sampled_from(self._in_saved_order(self.acked))))
            self._post([self.entries[c] for c in chosen], lose_response)

        @precondition(lambda self: bool(self.acked))
        @rule(data=st.data())
        def reuse_an_id(self, data):
            """A misbehaving device sends a different entry under an id the server already holds."""
            client_id = data.draw(st.sampled_from(self._in_saved_order(self.acked)))
            original = self.entries[client_id]
            other = {**original, "payload": {**original["payload"], "outcome": "wrong_route"}}
            if other["payload"] == original["payload"]:
                other["payload"]["outcome"] = "declined"
            answer = self._post([other], lose_response=False, check=False)
            assert answer[0]["status"] == "conflict" and answer[0]["id"] is None

        def _in_saved_order(self, ids) -> list[str]:
            # Not sorted by id: ids are random, and the draws must not depend on them.
            return [c for c in self.entries if c in ids]

        def _post(self, entries, lose_response, check=True):
            body = {"device_id": "phone-prop", "sent_at": utcnow().isoformat(), "entries": entries}
            response = w2.post("/api/v1/sync", body, "olu")
            assert response.status_code == 200, response.get_json()
            results = response.get_json()["results"]
            assert [r["client_id"] for r in results] == [e["client_id"] for e in entries]
            for entry, result in zip(entries, results):
                client_id = entry["client_id"]
                self.reached_server.add(client_id)
                if not check:
                    continue
                if self.valid[client_id]:
                    assert result["status"] in ("created", "duplicate"), result
                    assert self.ids.setdefault(client_id, result["id"]) == result["id"]
                else:
                    assert result["status"] == "rejected" and result["errors"], result
                if lose_response:
                    continue  # the server did its part; the device saw nothing
                if result["status"] in ("created", "duplicate") and client_id in self.outbox:
                    self.outbox.remove(client_id)
                    self.acked.add(client_id)
            return results

        # --- what must always hold ---
        @invariant()
        def one_record_per_accepted_client_id(self):
            if not self.entries:
                return
            with w2.app.app_context():
                rows = db.session.execute(sa.text(
                    "SELECT client_id, id FROM recovery_attempts WHERE client_id IN :ids").bindparams(
                    sa.bindparam("ids", expanding=True)), {"ids": list(self.entries)}).all()
                db.session.remove()
            on_server = {}
            for client_id, record_id in rows:
                assert client_id not in on_server, f"two records for {client_id}"
                on_server[client_id] = record_id
            expected = {c for c in self.reached_server if self.valid[c]}
            assert set(on_server) == expected
            for client_id, record_id in self.ids.items():
                assert on_server[client_id] == record_id

        @invariant()
        def every_entry_is_accounted_for_once(self):
            waiting = set(self.outbox)
            assert len(waiting) == len(self.outbox), "an entry is twice in the outbox"
            assert not (waiting & self.acked) and not (waiting & self.discarded) and not (self.acked & self.discarded)
            assert waiting | self.acked | self.discarded == set(self.entries)
            assert all(self.valid[c] for c in self.acked)  # only what the server holds leaves the outbox
            assert all(c in self.reached_server and not self.valid[c] for c in self.discarded)

    return Outbox


def test_any_interleaving_of_sends_duplicates_reorders_lost_responses_and_retries(app, auth, factory, now):
    w2 = W2(app, auth, factory, now)
    case_id = w2.opened_case()
    run_state_machine_as_test(machine_for(w2, case_id), settings=settings(
        max_examples=30, stateful_step_count=20, deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]))
