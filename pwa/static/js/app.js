// Continuity page behaviour (no inline scripts: the CSP forbids them).
// Attempt and disposition forms carry the device's own stamp: recorded_at is the moment the
// worker taps save, and client_id makes a resend of the same entry harmless.
(function () {
  "use strict";

  function stamp(form) {
    if (!form.matches("form[data-outbox]")) return;
    const recorded = form.querySelector("input[name=recorded_at]");
    if (recorded) recorded.value = new Date().toISOString();
    const id = form.querySelector("input[name=client_id]");
    if (id && !id.value && window.crypto && crypto.randomUUID) id.value = crypto.randomUUID();
  }

  // Capture phase: runs before htmx serialises a boosted form.
  document.addEventListener("submit", function (event) { stamp(event.target); }, true);
  document.addEventListener("htmx:configRequest", function (event) {
    const form = event.detail.elt && event.detail.elt.closest && event.detail.elt.closest("form[data-outbox]");
    if (form && event.detail.parameters && "recorded_at" in event.detail.parameters) {
      const recorded = form.querySelector("input[name=recorded_at]");
      event.detail.parameters.recorded_at = recorded ? recorded.value : new Date().toISOString();
    }
  });

  // The service worker (whole-site scope): push alerts now, offline work later.
  if ("serviceWorker" in navigator) {
    window.addEventListener("load", function () {
      navigator.serviceWorker.register("/sw.js").catch(function () { /* alerts simply stay off */ });
    });
  }
})();
