// The offline outbox: attempts (2b) and dispositions (2c) saved on this device while the network is
// down, kept in IndexedDB (the idb package, strict durability) until the server acknowledges each one.
// One classic script for both sides: the service worker loads it with importScripts, the pages with a
// script tag (after vendor/idb.umd.js, which defines the global `idb`). It defines self.ContinuityOutbox.
//
// Entries are keyed by client_id: {client_id, kind, recovery_case_id, recorded_at, payload, author,
// case_label, saved_at, state: "waiting" | "rejected" | "conflict", errors, rule}. Only a per-entry
// "created" or "duplicate" from POST /api/v1/sync removes one; a 401, 403, 422, 5xx, a redirect, a
// network error or an answer that is not JSON keeps every entry. flush() is the one way entries leave
// the device, whatever triggered it (Background Sync, `online`, page load, "Sync now").
(function (root) {
  "use strict";

  const DB_NAME = "continuity-outbox";
  const DB_VERSION = 1;
  const ENTRIES = "entries";
  const META = "meta";
  const STRICT = { durability: "strict" };
  const LOCK = "continuity-outbox-flush";
  const BATCH = 200;
  const KINDS = ["attempt", "disposition"];
  // Never part of an entry's payload: the form's own plumbing, sent beside it (confirm_lock is the
  // screen's confirmation before an irreversible lock, checked on the device before anything is saved).
  const NOT_PAYLOAD = ["csrf_token", "client_id", "recorded_at", "confirm_lock"];
  const channel = typeof BroadcastChannel === "function" ? new BroadcastChannel("continuity-outbox") : null;
  const listeners = [];
  let opening = null;

  function open() {
    if (!opening) {
      opening = root.idb.openDB(DB_NAME, DB_VERSION, {
        upgrade(db) {
          const entries = db.createObjectStore(ENTRIES, { keyPath: "client_id" });
          entries.createIndex("author", "author");
          db.createObjectStore(META);
        },
        terminated() { opening = null; },
      }).catch(function (err) { opening = null; throw err; });
    }
    return opening;
  }

  async function write(store, change) {
    const db = await open();
    const tx = db.transaction(store, "readwrite", STRICT);
    await change(tx.store);
    await tx.done;
  }

  // --- change notices: this context's listeners at once, every other page and the worker by broadcast
  function changed(reason) {
    const message = { type: "outbox-changed", reason: reason || "" };
    listeners.forEach(function (listener) { try { listener(message); } catch (err) { /* a view's problem */ } });
    if (channel) channel.postMessage(message);
  }
  if (channel) {
    channel.onmessage = function (event) {
      listeners.forEach(function (listener) { try { listener(event.data || {}); } catch (err) { /* ignore */ } });
    };
  }
  function onChange(listener) { listeners.push(listener); }

  // --- entries and meta -----------------------------------------------------------------------------
  async function all() {
    const db = await open();
    const entries = await db.getAll(ENTRIES);
    return entries.sort(function (a, b) { return String(a.saved_at).localeCompare(String(b.saved_at)); });
  }

  async function get(clientId) {
    if (!clientId) return undefined;
    return (await open()).get(ENTRIES, clientId);
  }

  async function put(entry) {
    await write(ENTRIES, function (store) { return store.put(entry); });
    changed("saved");
    return entry;
  }

  async function remove(clientId, reason) {
    await write(ENTRIES, function (store) { return store.delete(clientId); });
    changed(reason || "removed");
  }

  async function getMeta(key) { return (await open()).get(META, key); }

  async function setMeta(key, value) {
    await write(META, function (store) { return store.put(value, key); });
  }

  async function deviceId() {
    let id = await getMeta("device_id");
    if (!id) {
      id = newId();
      await setMeta("device_id", id);
    }
    return id;
  }

  function newId() {
    if (root.crypto && root.crypto.randomUUID) return root.crypto.randomUUID();
    const bytes = root.crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    const hex = Array.from(bytes, function (b) { return b.toString(16).padStart(2, "0"); }).join("");
    return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" + hex.slice(16, 20) + "-" + hex.slice(20);
  }

  // A date and time from <input type=datetime-local> ("2026-11-24T14:05", the device's wall clock)
  // with the device's UTC offset at that moment, as the server needs it ("2026-11-24T14:05-05:00").
  const LOCAL_DATETIME = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d)$/;
  function withOffset(value) {
    const m = LOCAL_DATETIME.exec(value);
    if (!m) return value;
    const minutes = -new Date(+m[1], +m[2] - 1, +m[3], +m[4], +m[5]).getTimezoneOffset();
    const abs = Math.abs(minutes);
    return value + (minutes < 0 ? "-" : "+") + String(Math.floor(abs / 60)).padStart(2, "0") + ":" + String(abs % 60).padStart(2, "0");
  }

  // An entry from a submitted attempt or disposition form (a FormData or [name, value] pairs): the
  // fields as strings, read as the server reads a posted form (pwa/web.py form_input): blanks left out
  // (so "required" speaks), a datetime-local value with its offset; continuity_evidence always a list
  // on dispositions.
  function entryFromForm(kind, recoveryCaseId, pairs, extra) {
    if (KINDS.indexOf(kind) < 0) throw new Error("not an outbox kind: " + kind);
    const payload = {};
    let clientId = "";
    let recordedAt = "";
    for (const [name, value] of pairs) {
      if (typeof value !== "string") continue;
      if (name === "client_id") { clientId = value; continue; }
      if (name === "recorded_at") { recordedAt = value; continue; }
      if (NOT_PAYLOAD.indexOf(name) >= 0) continue;
      if (name === "continuity_evidence") {
        payload[name] = payload[name] || [];
        if (value) payload[name].push(value);
      } else if (value.trim()) {
        payload[name] = withOffset(value.trim());
      }
    }
    if (kind === "disposition" && !payload.continuity_evidence) payload.continuity_evidence = [];
    const now = new Date().toISOString();
    return Object.assign({
      client_id: clientId || newId(), kind: kind, recovery_case_id: Number(recoveryCaseId),
      recorded_at: recordedAt || now, payload: payload, author: null, case_label: "",
      saved_at: now, state: "waiting", errors: {}, rule: null,
    }, extra || {});
  }

  // Entries are shown to the user who saved them, once signed in: nobody signed in sees none of them.
  function mineOf(entries, user) {
    return user ? entries.filter(function (e) { return !e.author || e.author === user; }) : [];
  }

  // The stored pages hold personal data: deleted on sign-out by any path, on a 401, when the sign-in ends
  // while idle and when unused too long (sw.js). The outbox is never touched: its entries wait for their
  // author, hidden (mineOf) until that user signs in again.
  const PAGES_CACHE = "continuity-pages-v1";
  async function forgetPages(why) {
    const had = root.caches ? await root.caches.delete(PAGES_CACHE) : false;
    if (!had && !(await getMeta("user")) && !(await getMeta("pages_owner"))) return;  // nothing of anyone's here
    // One durable write for the lot.
    await write(META, function (store) {
      const puts = [store.put({}, "offline_lists"), store.put(null, "pages_owner"), store.put(null, "pages_used_at"),
                    store.put(null, "user")];
      if (why) puts.push(store.put({ why: why, at: new Date().toISOString() }, "pages_forgotten"));
      return Promise.all(puts);
    });
    changed("signed-out");
  }

  function summary(entries, user) {
    const mine = mineOf(entries, user);
    return {
      waiting: mine.filter(function (e) { return e.state === "waiting"; }).length,
      problems: mine.filter(function (e) { return e.state !== "waiting"; }).length,
      others: entries.length - mine.length,
      total: entries.length,
    };
  }

  // --- flush ------------------------------------------------------------------------------------------
  function flush() {
    const locks = root.navigator && root.navigator.locks;
    // Web Locks: one flush at a time across every tab and the service worker (no double send).
    return locks && locks.request ? locks.request(LOCK, run) : run();
  }

  async function note(result) {
    await setMeta("last_result", Object.assign({ at: new Date().toISOString() }, result));
    changed("flush");
    return result;
  }

  async function readJson(response) {
    if ((response.headers.get("Content-Type") || "").indexOf("json") < 0) return null;
    try { return await response.json(); } catch (err) { return null; }
  }

  async function run() {
    const waiting = (await all()).filter(function (e) { return e.state === "waiting"; });
    if (!waiting.length) return { status: "nothing", sent: 0 };
    let session;
    try {
      session = await root.fetch("/api/v1/session", {
        credentials: "same-origin", redirect: "manual", cache: "no-store", headers: { Accept: "application/json" },
      });
    } catch (err) {
      return note({ status: "offline", sent: 0 });
    }
    if (session.status === 401 || session.type === "opaqueredirect") {
      await forgetPages("401");
      return note({ status: "signed-out", sent: 0 });
    }
    const who = session.ok ? await readJson(session) : null;
    if (!who || !who.user || !who.csrf_token) return note({ status: "server", code: session.status, sent: 0 });
    const user = who.user.username;
    // Only the signed-in user's entries: another user's wait for that user to sign in on this device.
    const mine = waiting.filter(function (e) { return !e.author || e.author === user; });
    if (!mine.length) return note({ status: "others", sent: 0 });
    const device = await deviceId();
    let sent = 0;
    let kept = 0;
    for (let start = 0; start < mine.length; start += BATCH) {
      const batch = mine.slice(start, start + BATCH).map(function (e) { return Object.assign(e, { author: e.author || user }); });
      const body = {
        device_id: device, sent_at: new Date().toISOString(),
        entries: batch.map(function (e) {
          return { client_id: e.client_id, kind: e.kind, recovery_case_id: e.recovery_case_id,
                   recorded_at: e.recorded_at, payload: e.payload, author: e.author };
        }),
      };
      let response;
      try {
        response = await root.fetch("/api/v1/sync", {
          method: "POST", credentials: "same-origin", redirect: "manual", cache: "no-store",
          headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": who.csrf_token },
          body: JSON.stringify(body),
        });
      } catch (err) {
        return note({ status: "offline", sent: sent });
      }
      if (response.type === "opaqueredirect" || (response.status >= 300 && response.status < 400)) {
        return note({ status: "server", code: response.status || 302, sent: sent });
      }
      if (response.status === 401) {
        await forgetPages("401");
        return note({ status: "signed-out", sent: sent });
      }
      const answer = await readJson(response);
      if (response.status === 422) return note({ status: "invalid", code: 422, errors: (answer && answer.errors) || {}, sent: sent });
      if (response.status !== 200 || !answer || !Array.isArray(answer.results)) {
        return note({ status: "server", code: response.status, sent: sent });
      }
      const results = {};
      answer.results.forEach(function (r) { if (r && r.client_id) results[r.client_id] = r; });
      const db = await open();
      const tx = db.transaction(ENTRIES, "readwrite", STRICT);
      for (const entry of batch) {
        const result = results[entry.client_id];
        if (!result) { kept += 1; continue; }
        if (result.status === "created" || result.status === "duplicate") {
          tx.store.delete(entry.client_id);
          sent += 1;
        } else if (result.status === "rejected" || result.status === "conflict") {
          tx.store.put(Object.assign({}, entry, {
            state: result.status, errors: result.errors || {}, rule: result.rule || null,
            reasons: result.reasons || [], checked_at: new Date().toISOString(),
          }));
          kept += 1;
        } else {
          kept += 1;
        }
      }
      await tx.done;
      await setMeta("last_sync", new Date().toISOString());
      await setMeta("clock", { offset_seconds: answer.clock_offset_seconds, flagged: Boolean(answer.clock_flagged),
                               server_time: answer.server_time });
    }
    return note({ status: "ok", sent: sent, kept: kept });
  }

  root.ContinuityOutbox = {
    KINDS: KINDS, all: all, get: get, put: put, remove: remove, getMeta: getMeta, setMeta: setMeta,
    deviceId: deviceId, newId: newId, entryFromForm: entryFromForm, withOffset: withOffset, summary: summary, flush: flush,
    onChange: onChange, changed: changed, mineOf: mineOf, forgetPages: forgetPages, PAGES_CACHE: PAGES_CACHE,
  };
})(self);
