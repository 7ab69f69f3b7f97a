// The alerts settings screen: "Turn on alerts on this device" asks for notification permission (only on
// that tap), subscribes with the server's VAPID key and sends the subscription to the API.
(function () {
  "use strict";

  function b64urlToBytes(text) {
    const padded = (text + "===".slice((text.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    const raw = atob(padded);
    const bytes = new Uint8Array(raw.length);
    for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
    return bytes;
  }

  function csrfToken() {
    try { return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || ""; }
    catch (err) { return ""; }
  }

  function say(text) {
    const status = document.getElementById("push-status");
    if (status) status.textContent = text;
  }

  async function turnOn(section) {
    if (!("serviceWorker" in navigator) || !("PushManager" in window) || !("Notification" in window)) {
      say("This browser cannot receive alerts.");
      return;
    }
    const permission = await Notification.requestPermission();
    if (permission !== "granted") {
      say("Alerts are blocked for this site: allow notifications in the browser's settings, then try again.");
      return;
    }
    // The same address app.js registers (/sw.js?v=<shell version>): another would replace the worker.
    const registration = await navigator.serviceWorker.register(document.body.dataset.serviceWorker || "/sw.js");
    await navigator.serviceWorker.ready;
    const keyResponse = await fetch(section.dataset.publicKeyUrl, { credentials: "same-origin" });
    if (!keyResponse.ok) { say("Alerts are not available on this server."); return; }
    const publicKey = (await keyResponse.json()).public_key;
    // A subscription made under an earlier server key (before a key rotation) cannot be reused.
    const previous = await registration.pushManager.getSubscription();
    if (previous) await previous.unsubscribe();
    const subscription = await registration.pushManager.subscribe({
      userVisibleOnly: true, applicationServerKey: b64urlToBytes(publicKey),
    });
    const saved = await fetch(section.dataset.subscriptionsUrl, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify(subscription.toJSON()),
    });
    if (!saved.ok) { say("This device could not be subscribed. Try again."); return; }
    say("Alerts are on for this device.");
    if (window.htmx) window.htmx.ajax("GET", window.location.pathname, { target: "#main" });
  }

  document.addEventListener("click", function (event) {
    const button = event.target.closest && event.target.closest("#push-enable");
    if (!button) return;
    const section = document.getElementById("push-settings");
    button.disabled = true;
    turnOn(section).catch(function () { say("This device could not be subscribed. Try again."); })
      .finally(function () { button.disabled = false; });
  });
})();
