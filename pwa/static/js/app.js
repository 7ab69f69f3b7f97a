// Continuity page behaviour (no inline scripts: the CSP forbids them). Sections: stamping entries ·
// the service worker and today's cases · offline navigation · the outbox on every page (status bar,
// the case's entries, the outbox view, correcting and discarding) · sign-out warning · the offline page.
// The outbox itself (IndexedDB, flush) is js/outbox.js, shared with the service worker.
(function () {
  "use strict";

  const Outbox = window.ContinuityOutbox || null;
  const PAGES_CACHE = "continuity-pages-v1";  // sw.js keeps workflow 2's pages here
  // Set by sw.js on a page it answered from the device (until a fresh page arrives from the server).
  let fromCache = document.documentElement.hasAttribute("data-from-cache");

  // --- stamping ------------------------------------------------------------------------------------
  // Attempt and disposition forms carry the device's own stamp: recorded_at is the moment the worker
  // taps save, and client_id makes a resend of the same entry harmless.
  function stamp(form) {
    if (!form.matches("form[data-outbox]")) return;
    const recorded = form.querySelector("input[name=recorded_at]");
    if (recorded) recorded.value = new Date().toISOString();
    const id = form.querySelector("input[name=client_id]");
    if (id && !id.value) id.value = newId();
  }

  function newId() {
    if (Outbox) return Outbox.newId();
    return window.crypto && crypto.randomUUID ? crypto.randomUUID() : "";
  }

  // The device's clock as the value of an <input type=datetime-local> (local time, minutes).
  function localInputNow() {
    const now = new Date();
    const local = new Date(now.getTime() - now.getTimezoneOffset() * 60000);
    return local.toISOString().slice(0, 16);
  }

  // A new view of an entry form gets its own client_id: a page kept on the device would otherwise
  // hand the same id to every attempt logged from it, and each would overwrite the last in the outbox.
  // A form sent back with errors has no data-fresh-id and keeps its id, so a corrected resend cannot
  // duplicate. Offline, or on a stored copy of the page, "when it happened" starts at the device's now.
  function freshen(root) {
    root.querySelectorAll("form[data-outbox][data-fresh-id]").forEach(function (form) {
      const id = form.querySelector("input[name=client_id]");
      if (id) id.value = newId();
      form.removeAttribute("data-fresh-id");
      const when = form.querySelector("input[name=attempt_at]");
      if (when && (fromCache || !navigator.onLine)) when.value = localInputNow();
    });
  }

  // A disposition is locked for good: unticked, the form is not sent (nor kept on the device); the
  // server refuses it the same way when JavaScript is off.
  function unconfirmed(form) {
    const box = form.querySelector("input[data-confirm-lock]");
    if (!box || box.checked) return false;
    const field = box.closest("fieldset");
    if (!field.querySelector(".error")) {
      field.querySelector("legend").after(el("p", { class: "error", id: "confirm_lock-error",
        text: "Tick this to confirm: the instruction cannot be changed once it is locked." }));
    }
    field.classList.add("invalid");
    field.setAttribute("aria-invalid", "true");
    field.setAttribute("aria-describedby", "confirm_lock-error");
    box.focus();
    return true;
  }

  // Capture phase: runs before htmx serialises a boosted form.
  document.addEventListener("submit", function (event) {
    if (event.target.matches("form") && unconfirmed(event.target)) {
      event.preventDefault();
      event.stopImmediatePropagation();
      return;
    }
    stamp(event.target);
  }, true);
  document.addEventListener("htmx:configRequest", function (event) {
    const form = event.detail.elt && event.detail.elt.closest && event.detail.elt.closest("form[data-outbox]");
    if (!form) return;
    if (event.detail.parameters && "recorded_at" in event.detail.parameters) {
      const recorded = form.querySelector("input[name=recorded_at]");
      event.detail.parameters.recorded_at = recorded ? recorded.value : new Date().toISOString();
    }
    // For the outbox's list if the network fails: whose case this was (the service worker reads it).
    if (form.dataset.caseLabel) event.detail.headers["X-Continuity-Case"] = encodeURIComponent(form.dataset.caseLabel);
  });
  // A corrected entry the server already held under another payload goes as a new entry; once it is
  // saved (sent or kept on the device) the old one leaves the outbox.
  document.addEventListener("htmx:afterRequest", function (event) {
    const form = event.detail.elt && event.detail.elt.closest && event.detail.elt.closest("form[data-outbox][data-replaces]");
    if (form && Outbox && event.detail.successful) {
      Outbox.remove(form.dataset.replaces, "replaced").catch(function () { /* it stays listed */ });
    }
  });

  // --- who is signed in on this device ----------------------------------------------------------------
  // body[data-user] names the signed-in user ("" when nobody is); the shell pages (offline, outbox)
  // leave it out and go by the last sign-in this device saw. Stored pages belong to one user: when
  // another signs in they are deleted (the outbox is never touched).
  let user = null;
  async function whoIsHere() {
    if (!Outbox) return null;
    if (!document.body.hasAttribute("data-user")) return (await Outbox.getMeta("user")) || null;
    const here = document.body.dataset.user || null;
    if (!here) {
      // Nobody is signed in (signed out, the idle timeout, any ending): no stored page stays behind.
      await Outbox.forgetPages("signed-out");
      return null;
    }
    if ((await Outbox.getMeta("user")) !== here) await Outbox.setMeta("user", here);
    if ((await Outbox.getMeta("last_user")) !== here) await Outbox.setMeta("last_user", here);
    if (here) {
      const owner = await Outbox.getMeta("pages_owner");
      if (owner && owner !== here && window.caches) {
        await caches.delete(PAGES_CACHE);
        await Outbox.setMeta("offline_lists", {});
      }
      if (owner !== here) await Outbox.setMeta("pages_owner", here);
    }
    return here;
  }

  // --- the service worker and today's cases -----------------------------------------------------------
  const worker = "serviceWorker" in navigator ? navigator.serviceWorker : null;

  function register() {
    // A stored copy of a page names the worker version of its day: only a fresh page registers (and
    // only online: the browser cannot fetch the worker's script otherwise).
    if (!worker || fromCache || !navigator.onLine) return;
    worker.register(document.body.dataset.serviceWorker || "/sw.js").then(function () {
      return worker.ready;
    }).then(function (registration) {
      // A page that loaded while the worker was still installing (the first screen after a quick sign-in)
      // is not the worker's yet: nothing sent from it could be kept on the device. The worker takes it now.
      if (!worker.controller && registration.active) registration.active.postMessage({ type: "claim" });
    }).catch(function () { /* no offline, no alerts */ });
  }

  // Resolves once the worker handles this page's requests (a save with no signal is kept on the device).
  function controlled() {
    if (worker.controller) return Promise.resolve();
    return new Promise(function (resolve) { worker.addEventListener("controllerchange", resolve, { once: true }); });
  }

  // My day / Close the day: the cases listed (links marked data-offline-case) are stored on the device
  // by the service worker, so they open with no signal; cases no longer listed are dropped.
  function offerPages() {
    const ready = document.getElementById("offline-ready");
    if (!worker || !ready || fromCache || !navigator.onLine || ready.dataset.offered) return;
    ready.dataset.offered = "1";
    const links = Array.from(document.querySelectorAll("#main a[data-offline-case]"), function (a) { return a.getAttribute("href"); });
    const urls = [location.pathname].concat(links);
    Promise.all([worker.ready, controlled()]).then(function ([registration]) {
      return new Promise(function (resolve) {
        const channel = new MessageChannel();
        channel.port1.onmessage = function (event) { resolve(event.data || {}); };
        registration.active.postMessage({ type: "cache-pages", list: location.pathname, urls: urls }, [channel.port2]);
      });
    }).then(function (answer) {
      if (!document.body.contains(ready)) return;
      const cases = Math.max(0, (answer.cached || 0) - 1);
      ready.textContent = answer.failed || !answer.cached ? "Could not store today's cases on this device."
        : "Ready offline: this page and " + cases + " case" + (cases === 1 ? "" : "s") + " are stored on this device.";
      ready.hidden = false;
      ready.dataset.cached = String(cases);
    });
  }

  // --- offline navigation --------------------------------------------------------------------------------
  // A boosted link that cannot reach the network becomes a plain navigation, which the service worker
  // answers from the device (the stored page, else the offline page).
  // Known offline: no doomed request at all, straight to the navigation.
  document.addEventListener("htmx:beforeRequest", function (event) {
    const config = event.detail.requestConfig || {};
    const path = (event.detail.pathInfo && event.detail.pathInfo.finalRequestPath) || config.path;
    if (!navigator.onLine && String(config.verb || "").toLowerCase() === "get" && path) {
      event.preventDefault();
      window.location.href = path;
    }
  });
  document.addEventListener("htmx:sendError", function (event) {
    const config = event.detail.requestConfig || {};
    const path = (event.detail.pathInfo && event.detail.pathInfo.finalRequestPath) || config.path;
    if (String(config.verb || "").toLowerCase() === "get" && path) {
      window.location.href = path;
    } else {
      say("No connection: that was not sent. Nothing was saved.");
    }
  });

  // --- the outbox on every page ----------------------------------------------------------------------------
  const bar = document.getElementById("outbox-bar");
  let syncing = false;
  let message = "";
  let refreshing = null;
  let again = false;

  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(function ([key, value]) {
      if (value === false || value == null) return;
      if (key === "text") node.textContent = value;
      else node.setAttribute(key, value === true ? "" : value);
    });
    (children || []).forEach(function (child) {
      if (child != null) node.append(child);
    });
    return node;
  }

  function label(value) {
    if (value === "sms") return "SMS";
    const text = String(value == null ? "" : value).replace(/_/g, " ");
    return text.charAt(0).toUpperCase() + text.slice(1);
  }

  const sameDay = function (a, b) { return a.toDateString() === b.toDateString(); };
  function clock(value) {
    const date = value instanceof Date ? value : new Date(value);
    if (isNaN(date)) return "";
    const time = date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
    return sameDay(date, new Date()) ? time : date.toLocaleDateString([], { weekday: "short", day: "numeric", month: "short" }) + " " + time;
  }
  // "2025-03-04T14:05" (datetime-local, the device's local time) as shown elsewhere.
  function localField(value) {
    return value && /^\d{4}-\d\d-\d\dT\d\d:\d\d/.test(value) ? clock(new Date(value)) : String(value || "");
  }

  function plural(n, word) { return n + " " + word + (n === 1 ? "" : "s"); }
  function countEntries(n) { return n + (n === 1 ? " entry" : " entries"); }

  function say(text) {
    message = text;
    refresh();
  }

  function describe(entry) {
    const p = entry.payload || {};
    if (entry.kind === "attempt") {
      return [localField(p.attempt_at), [label(p.channel), label(p.outcome)].filter(Boolean).join(" · "),
              p.rescue_option ? "Rescue: " + label(p.rescue_option) : ""].filter(Boolean).join(" · ");
    }
    return ["Disposition", p.continuity_restored ? "continuity restored: " + p.continuity_restored : "",
            p.locked_instruction ? label(p.locked_instruction) : ""].filter(Boolean).join(" · ");
  }

  function detailOf(entry) {
    const p = entry.payload || {};
    const text = String((entry.kind === "attempt" ? p.rescue_detail : p.instruction_detail) || "");
    return text.length > 140 ? text.slice(0, 139) + "…" : text;
  }

  function caseName(entry) { return entry.case_label || "Recovery case " + entry.recovery_case_id; }

  function correctUrl(entry) {
    const base = "/recovery/" + entry.recovery_case_id + (entry.kind === "disposition" ? "/disposition" : "");
    return base + "?outbox=" + encodeURIComponent(entry.client_id);
  }

  function errorLines(entry) {
    const lines = [];
    Object.entries(entry.errors || {}).forEach(function ([key, messages]) {
      const field = key.split(".")[0];
      [].concat(messages || []).forEach(function (m) { lines.push(field === "_schema" ? String(m) : label(field) + ": " + m); });
    });
    (entry.reasons || []).forEach(function (reason) { if (lines.indexOf(reason) < 0) lines.push(String(reason)); });
    if (!lines.length && entry.state === "conflict") lines.push("The server already holds a different entry with this id.");
    if (!lines.length) lines.push("The server did not accept this entry.");
    return lines;
  }

  function problemText(result, waiting) {
    if (!result || !waiting) return "";
    switch (result.status) {
      case "offline": return "No connection: they are sent when it is back.";
      case "signed-out": return "Sign in again to send them: they stay on this device until you do.";
      case "server": return "The server could not take them (" + (result.code ? "error " + result.code : "no answer") + "). They stay here and are sent later.";
      case "invalid": return "The server refused the batch: " + Object.values(result.errors || {}).flat().join(" ") + " They stay here.";
      default: return "";
    }
  }

  function refresh() {
    if (!Outbox) return Promise.resolve();
    if (refreshing) { again = true; return refreshing; }
    // A failure here is a bug to see (the console), not a reason to stop the page working.
    refreshing = draw().catch(function (err) { console.error("outbox view:", err); }).finally(function () {
      refreshing = null;
      if (again) { again = false; refresh(); }
    });
    return refreshing;
  }

  async function draw() {
    const entries = await Outbox.all();
    const lastSync = await Outbox.getMeta("last_sync");
    const result = await Outbox.getMeta("last_result");
    const mine = Outbox.mineOf(entries, user);
    const waiting = mine.filter(function (e) { return e.state === "waiting"; });
    const problems = mine.filter(function (e) { return e.state !== "waiting"; });
    const others = entries.filter(function (e) { return mine.indexOf(e) < 0; });
    drawBar(entries, waiting, problems, others, lastSync, result);
    drawCaseEntries(mine);
    drawOutboxView(waiting, problems, others, lastSync, result);
    drawSignOutWarning(mine.length);
    if (entries.length) askToPersist();
  }

  function authorsOf(others) {
    return Array.from(new Set(others.map(function (e) { return e.author; }).filter(Boolean))).join(", ") ||
      "the person who saved them";
  }

  function drawBar(entries, waiting, problems, others, lastSync, result) {
    if (!bar) return;
    const show = entries.length || document.body.hasAttribute("data-outbox-user") || document.querySelector("[data-outbox-view]") || message;
    bar.hidden = !show;
    if (!show) return;
    bar.classList.toggle("has-waiting", waiting.length > 0);
    bar.classList.toggle("has-problems", problems.length > 0);
    const line = el("p", { class: "outbox-line" }, [
      navigator.onLine ? null : el("span", { class: "tag offline", text: "Offline" }),
      fromCache ? el("span", { class: "tag stored", text: "Page as of " + (clock(document.documentElement.dataset.fromCache) || "earlier") }) : null,
      el("strong", { class: "outbox-count", text: waiting.length ? waiting.length + " waiting to send" : "Nothing waiting to send" }),
      lastSync ? el("span", { class: "outbox-sync", text: "Last sync " + clock(lastSync) }) : null,
    ]);
    // Only when something waits: after ordinary online saves there is nothing to sync, and a disabled
    // button (or "not synced yet") would say otherwise.
    const button = waiting.length || syncing
      ? el("button", { type: "button", class: "secondary sync-now", "data-sync-now": true, disabled: syncing }, [syncing ? "Syncing…" : "Sync now"]) : null;
    const lines = [el("div", { class: "outbox-main" }, [line, button])];
    const problem = problemText(result, waiting.length);
    if (problem) {
      const signIn = result.status === "signed-out" && document.body.dataset.user
        ? [" ", el("a", { href: "/sign-in", "hx-boost": "false", text: "Sign in" })] : [];
      lines.push(el("p", { class: "outbox-problem" }, [problem].concat(signIn)));
    }
    if (problems.length) {
      lines.push(el("p", { class: "outbox-rejected" }, [
        el("strong", { text: countEntries(problems.length) + " not accepted: " }),
        document.querySelector("[data-outbox-view]") ? "see below." : el("a", { href: "/outbox", text: "review and correct" }),
      ]));
    }
    if (others.length) {
      const names = authorsOf(others);
      lines.push(el("p", { class: "outbox-others", text: countEntries(others.length) + " saved by " + names + " wait for " + names + " to sign in on this device." }));
    }
    if (message) lines.push(el("p", { class: "outbox-message", text: message }));
    // Redrawn only when something changed: the bar is a live region and would repeat itself.
    const next = el("div", {}, lines);
    if (next.innerHTML !== bar.innerHTML) bar.replaceChildren.apply(bar, lines);
  }

  function stateTag(entry) {
    if (entry.state === "waiting") return el("span", { class: "tag", text: "Waiting" });
    return el("span", { class: "tag risk", text: entry.state === "conflict" ? "Conflict" : "Not accepted" });
  }

  function drawCaseEntries(mine) {
    const section = document.querySelector("#main #device-entries");
    if (!section) return;
    const id = Number(section.dataset.recoveryCase);
    const here = mine.filter(function (e) { return e.recovery_case_id === id; });
    section.hidden = !here.length;
    section.querySelector(".count").textContent = String(here.length);
    section.querySelector(".entries").replaceChildren.apply(section.querySelector(".entries"), here.map(function (entry) {
      return el("li", { "data-client-id": entry.client_id }, [
        el("span", { class: "what", text: entry.kind === "attempt" ? "Attempt" : "Disposition" }), " ",
        stateTag(entry), " ",
        el("span", { class: "meta", text: describe(entry) + " · saved " + clock(entry.recorded_at) }),
        entry.state === "waiting" ? null : el("a", { class: "correct", href: correctUrl(entry), text: "Correct" }),
      ]);
    }));
    drawCaseAttempts(here.filter(function (e) { return e.kind === "attempt"; }));
  }

  // The case's own count and timeline include the attempts still on this device, so a worker who
  // reloads the page offline sees the attempt they logged and does not log it twice.
  function drawCaseAttempts(attempts) {
    const count = document.querySelector("#main a.attempt-count");
    if (count) {
      const logged = Number(count.dataset.logged);
      count.textContent = logged + " logged" + (attempts.length ? " + " + attempts.length + " on this device" : "");
    }
    const heading = document.querySelector("#main #attempts-h .count");
    if (heading) heading.textContent = String(Number(heading.dataset.logged) + attempts.length);
    const timeline = document.querySelector("#main ol.timeline[aria-labelledby=attempts-h]");
    if (!timeline) return;
    timeline.querySelectorAll("li.from-device").forEach(function (li) { li.remove(); });
    const empty = timeline.querySelector("li.empty");
    if (empty) empty.hidden = attempts.length > 0;
    timeline.prepend.apply(timeline, attempts.map(function (entry) {
      return el("li", { class: "from-device", "data-client-id": entry.client_id }, [
        el("p", { class: "when", text: localField((entry.payload || {}).attempt_at) }),
        el("strong", { text: [label(entry.payload.channel), label(entry.payload.outcome)].filter(Boolean).join(" · ") }), " ",
        entry.state === "waiting" ? el("span", { class: "tag warn", text: "On this device: waiting to send" }) : stateTag(entry),
      ]);
    }));
  }

  function entryCard(entry) {
    const card = el("article", { class: "item outbox-entry " + entry.state, "data-client-id": entry.client_id,
                                  "aria-label": (entry.kind === "attempt" ? "Attempt" : "Disposition") + ": " + caseName(entry) }, [
      el("div", { class: "item-head" }, [
        el("a", { class: "strong", href: "/recovery/" + entry.recovery_case_id, text: caseName(entry) }), stateTag(entry)]),
      el("p", { class: "meta", text: (entry.kind === "attempt" ? "Attempt" : "Disposition") + " saved " + clock(entry.recorded_at) +
                                       " on this device" + (entry.author ? " by " + entry.author : "") }),
      el("p", { class: "entry-summary", text: describe(entry) }),
      detailOf(entry) ? el("p", { class: "entry-detail", text: "“" + detailOf(entry) + "”" }) : null,
    ]);
    if (entry.state !== "waiting") {
      card.append(el("ul", { class: "entry-errors" }, errorLines(entry).map(function (line) { return el("li", { class: "error", text: line }); })));
    }
    const actions = el("div", { class: "entry-actions" }, [
      entry.state === "waiting" ? null : el("a", { class: "button primary", href: correctUrl(entry), text: "Correct" }),
      el("button", { type: "button", class: "secondary", "data-discard": entry.client_id, text: "Discard" }),
    ]);
    card.append(actions, el("div", { class: "discard-confirm", hidden: true }, [
      el("p", { text: "Discard this " + entry.kind + "? It never reached the server and cannot be brought back." }),
      el("button", { type: "button", class: "danger", "data-discard-confirm": entry.client_id, text: "Discard for good" }),
      el("button", { type: "button", class: "secondary", "data-discard-cancel": entry.client_id, text: "Keep it" }),
    ]));
    return card;
  }

  function drawOutboxView(waiting, problems, others, lastSync, result) {
    const view = document.querySelector("[data-outbox-view]");
    if (!view) return;
    const open = Array.from(view.querySelectorAll(".discard-confirm:not([hidden])"), function (box) { return box.closest("[data-client-id]").dataset.clientId; });
    const parts = [];
    if (problems.length) {
      parts.push(el("h2", { id: "problems-h" }, ["Not accepted by the server ", el("span", { class: "count", text: String(problems.length) })]),
                 el("p", { class: "hint", text: "Correct opens the form with your answers and the server's reasons; saving sends it again." }),
                 el("div", { class: "entries", "aria-labelledby": "problems-h" }, problems.map(entryCard)));
    }
    if (waiting.length) {
      parts.push(el("h2", { id: "waiting-h" }, ["Waiting to be sent ", el("span", { class: "count", text: String(waiting.length) })]),
                 el("div", { class: "entries", "aria-labelledby": "waiting-h" }, waiting.map(entryCard)));
    }
    if (!problems.length && !waiting.length) parts.push(el("p", { class: "empty", text: "Nothing of yours is waiting on this device." }));
    if (others.length) {
      parts.push(el("p", { class: "hint others", text: countEntries(others.length) + " saved by another user (" +
        authorsOf(others) + ") stay here until they sign in on this device." }));
    }
    const status = (lastSync ? "Last sync " + clock(lastSync) + "." : "") +
      (problemText(result, waiting.length) ? " " + problemText(result, waiting.length) : "");
    if (status.trim()) parts.push(el("p", { class: "meta", text: status.trim() }));
    view.replaceChildren.apply(view, parts);
    open.forEach(function (id) { toggleConfirm(id, true); });
  }

  function toggleConfirm(id, show) {
    const card = document.querySelector('[data-outbox-view] [data-client-id="' + CSS.escape(id) + '"]');
    if (!card) return;
    card.querySelector(".discard-confirm").hidden = !show;
    card.querySelector(".entry-actions").hidden = show;
    const focus = card.querySelector(show ? "[data-discard-confirm]" : "[data-discard]");
    if (focus) focus.focus();
  }

  document.addEventListener("click", function (event) {
    const target = event.target.closest && event.target.closest("[data-sync-now], [data-discard], [data-discard-confirm], [data-discard-cancel], [data-signout-anyway], [data-signout-sync]");
    if (!target || !Outbox) return;
    if (target.hasAttribute("data-sync-now")) sync();
    else if (target.hasAttribute("data-discard")) toggleConfirm(target.dataset.discard, true);
    else if (target.hasAttribute("data-discard-cancel")) toggleConfirm(target.dataset.discardCancel, false);
    else if (target.hasAttribute("data-discard-confirm")) {
      Outbox.remove(target.dataset.discardConfirm, "discarded").then(function () { say("Entry discarded."); });
    } else if (target.hasAttribute("data-signout-anyway")) signOutNow();
    else if (target.hasAttribute("data-signout-sync")) sync();
  });

  async function sync() {
    if (!Outbox || syncing) return;
    syncing = true;
    message = "";
    refresh();
    try {
      const result = await Outbox.flush();
      if (result && result.status === "ok" && result.sent) message = countEntries(result.sent) + " sent.";
    } catch (err) {
      message = "The outbox could not be read on this device.";
    } finally {
      syncing = false;
      refresh();
    }
  }

  let persistAsked = false;
  function askToPersist() {
    if (persistAsked || !navigator.storage || !navigator.storage.persist) return;
    persistAsked = true;
    // Ask the browser not to clear the outbox under storage pressure (asked once, on the first entry).
    Outbox.getMeta("persist").then(function (done) {
      if (done) return;
      return navigator.storage.persist().then(function (granted) { return Outbox.setMeta("persist", { granted: granted, at: new Date().toISOString() }); });
    }).catch(function () { /* the browser decides */ });
  }

  // --- correcting an entry -------------------------------------------------------------------------------
  // /recovery/<id>?outbox=<client_id>: the form gets that entry's answers and the server's reasons;
  // saving sends it again under the same client_id (a conflict goes as a new entry replacing it).
  async function prefillCorrection() {
    const id = new URLSearchParams(location.search).get("outbox");
    const form = document.querySelector("#main form[data-outbox]");
    if (!id || !form || !Outbox || form.dataset.correcting) return;
    const entry = await Outbox.get(id);
    if (!entry || entry.kind !== form.dataset.outbox || String(entry.recovery_case_id) !== form.dataset.recoveryCase) {
      say("That entry is no longer on this device.");
      return;
    }
    form.dataset.correcting = entry.client_id;
    Object.entries(entry.payload || {}).forEach(function ([name, value]) {
      const values = [].concat(value).map(String);
      form.querySelectorAll('[name="' + CSS.escape(name) + '"]').forEach(function (field) {
        if (field.type === "radio" || field.type === "checkbox") field.checked = values.indexOf(field.value) >= 0;
        else if (field.type === "datetime-local") field.value = values[0].slice(0, 16);  // the offset was added on saving
        else field.value = values[0];
      });
    });
    const idField = form.querySelector("input[name=client_id]");
    if (entry.state === "conflict") {
      idField.value = newId();
      form.dataset.replaces = entry.client_id;
    } else {
      idField.value = entry.client_id;
    }
    const exception = form.querySelector("details.exception");
    if (exception && (exception.querySelector("input:checked") || (entry.payload.emergency_exception_reason || "").trim())) exception.open = true;
    showErrors(form, entry);
    // The rest of the attempt form opens when it holds a problem or an answer other than the common one.
    const more = form.querySelector("details[data-attempt-more]");
    if (more && (more.querySelector(".invalid") || (exception && exception.open) || (entry.payload.outcome && entry.payload.outcome !== "no_answer"))) more.open = true;
  }

  function showErrors(form, entry) {
    form.querySelectorAll("[data-device-error]").forEach(function (node) { node.remove(); });
    if (entry.state === "waiting") return;
    const heading = entry.state === "conflict"
      ? "The server holds a different entry under this one's id. Check the answers and save: it is sent as a new entry."
      : "The server did not accept this entry, saved " + clock(entry.recorded_at) + " on this device. Correct the answers and save it again.";
    const box = el("div", { class: "alert", role: "alert", "data-device-error": true }, [
      el("strong", { text: heading }), el("ul", {}, errorLines(entry).map(function (line) { return el("li", { text: line }); }))]);
    form.prepend(box);
    Object.entries(entry.errors || {}).forEach(function ([key, messages]) {
      const name = key.split(".")[0];
      const input = form.querySelector('[name="' + CSS.escape(name) + '"]');
      const field = input && input.closest(".field");
      if (!field) return;
      field.classList.add("invalid");
      const anchor = field.querySelector(":scope > .hint") || field.querySelector(":scope > legend, :scope > label");
      [].concat(messages || []).reverse().forEach(function (m) {
        const line = el("p", { class: "error", "data-device-error": true, text: String(m) });
        if (anchor) anchor.after(line); else field.prepend(line);
      });
    });
    box.scrollIntoView({ block: "start" });
  }

  // --- signing out with entries waiting -----------------------------------------------------------------
  // The sign-out form (not boosted) is held while this user's entries are on the device: a warning in
  // the page says they stay and offers "Sign out anyway" or "Sync first". Nothing is deleted either way.
  let signOutForm = null;
  document.addEventListener("submit", function (event) {
    const form = event.target;
    if (!form.matches || !form.matches("form.signout") || form.dataset.confirmed || !Outbox) return;
    event.preventDefault();
    signOutForm = form;
    Outbox.all().then(function (entries) {
      const mine = entries.filter(function (e) { return !e.author || e.author === user; });
      if (!mine.length) return signOutNow();
      showSignOutWarning(mine.length);
    }, signOutNow);
  });

  function signOutNow() {
    if (!signOutForm) return;
    signOutForm.dataset.confirmed = "1";
    signOutForm.submit();
  }

  function showSignOutWarning(count) {
    let box = document.getElementById("signout-warning");
    if (!box) {
      box = el("div", { id: "signout-warning", class: "alert signout-warning", role: "alert", tabindex: "-1" });
      bar.after(box);
    }
    drawSignOutWarning(count, box);
    box.focus();
  }

  function drawSignOutWarning(count, box) {
    box = box || document.getElementById("signout-warning");
    if (!box) return;
    box.replaceChildren(
      el("p", {}, [el("strong", { text: count ? countEntries(count) + (count === 1 ? " is" : " are") + " still on this device;" : "Everything is sent." }),
                   count === 1 ? " it stays here and is sent when you sign in again."
                     : count ? " they stay here and are sent when you sign in again." : " Nothing is left on this device."]),
      el("div", { class: "actions" }, [
        el("button", { type: "button", class: "primary", "data-signout-anyway": true, text: count ? "Sign out anyway" : "Sign out" }),
        count ? el("button", { type: "button", class: "secondary", "data-signout-sync": true, disabled: syncing, text: syncing ? "Syncing…" : "Sync first" }) : null,
      ]));
  }

  // --- the offline page: what this device holds -----------------------------------------------------------
  async function listStoredPages() {
    const section = document.getElementById("offline-pages");
    if (!section || !window.caches) return;
    const cache = await caches.open(PAGES_CACHE);
    const requests = await cache.keys();
    const items = [];
    for (const request of requests) {
      const response = await cache.match(request);
      const title = ((await response.text()).match(/<title>([^<]*)<\/title>/) || [])[1] || "";
      const url = new URL(request.url);
      items.push({ href: url.pathname + url.search, title: decode(title).replace(/ · Continuity$/, "") || url.pathname });
    }
    items.sort(function (a, b) { return a.href.length - b.href.length || a.href.localeCompare(b.href); });
    section.querySelector("ul").replaceChildren.apply(section.querySelector("ul"), items.map(function (item) {
      return el("li", {}, [el("a", { href: item.href, text: item.title })]);
    }));
    section.hidden = !items.length;
  }

  function decode(html) {
    const box = document.createElement("textarea");
    box.innerHTML = html;  // entities only: a textarea's content is never parsed as markup
    return box.value;
  }

  // --- wiring -------------------------------------------------------------------------------------------
  function settle() {
    freshen(document);
    document.querySelectorAll("#main time[data-local]").forEach(function (node) {
      const value = node.getAttribute("datetime");
      node.textContent = node.dataset.local === "datetime-local" ? localField(value) : clock(value);
    });
    offerPages();
    refresh();
  }

  document.addEventListener("htmx:afterSettle", function (event) {
    // A page the server just sent (not the worker's "saved on this device"): no longer a stored copy.
    const xhr = event.detail.xhr;
    if (fromCache && xhr && xhr.status >= 200 && xhr.status < 300 && xhr.status !== 202) {
      fromCache = false;
      document.documentElement.removeAttribute("data-from-cache");
    }
    message = "";
    settle();
  });
  // --- the attempt form -------------------------------------------------------------------------------
  // It starts from the common attempt (no barrier, nothing offered: see recovery/case.html). Any outcome
  // but "No answer" opens the rest of the form, and answers still at those defaults are cleared so that
  // a reached or declined person's barrier and offer are actively answered; back to "No answer", the
  // empty ones take their defaults again.
  const ATTEMPT_DEFAULTS = { barrier_signal: "none", rescue_option: "none_offered" };
  document.addEventListener("change", function (event) {
    const input = event.target;
    const form = input.closest && input.closest("form.attempt-form");
    if (!form) return;
    if (input.name in ATTEMPT_DEFAULTS) { form.dataset.answered = (form.dataset.answered || "") + " " + input.name; return; }
    if (input.name !== "outcome") return;
    const more = form.querySelector("details[data-attempt-more]");
    const common = input.value === "no_answer";
    if (!common && more) more.open = true;
    Object.entries(ATTEMPT_DEFAULTS).forEach(function ([name, value]) {
      if ((form.dataset.answered || "").indexOf(name) >= 0) return;
      const box = form.querySelector("input[name=" + name + "][value=" + value + "]");
      const chosen = form.querySelector("input[name=" + name + "]:checked");
      if (!box) return;
      if (!common && chosen === box) box.checked = false;
      if (common && !chosen) box.checked = true;
    });
  });

  window.addEventListener("online", function () { refresh(); sync(); });
  window.addEventListener("offline", function () { refresh(); });
  if (Outbox) Outbox.onChange(function () { refresh(); });

  async function start() {
    try { user = await whoIsHere(); } catch (err) { user = null; }
    register();
    settle();
    await prefillCorrection().catch(function () { /* the form stays as it came */ });
    listStoredPages().catch(function () { /* no list */ });
    if (Outbox && navigator.onLine) sync();
  }
  start();
})();
