// Continuity's service worker, served at /sw.js so its scope is the whole site.
// Sections: lifecycle and precache · pages (network first, cached fallback, today's cases) · outbox
// (attempts and dispositions saved on the device when the network fails, Background Sync) · push alerts.
// Each section is self-contained. /api/ requests are never handled here: they go straight to the network.
"use strict";

importScripts("/static/vendor/idb.umd.js", "/static/js/outbox.js");

// --- lifecycle and precache -----------------------------------------------------------------------
// Pages register /sw.js?v=<digest of the shell's files> (pwa/offline/views.py): a change to any of them
// installs a new worker, which precaches the shell under a new name and deletes the old cache on activate.
const VERSION = (new URL(self.location.href).searchParams.get("v") || "0").replace(/[^A-Za-z0-9_-]/g, "").slice(0, 40);
const SHELL_CACHE = "continuity-shell-" + VERSION;
// Pages hold personal data: kept across versions (a new release must not empty a phone in the field),
// deleted on sign-out and when another user signs in on the device.
const PAGES_CACHE = "continuity-pages-v1";
const OFFLINE_PAGE = "/offline";
// The PNG app icons are left out: the browser fetches them itself when installing, and no page needs
// them offline (notifications use the SVGs).
const SHELL = [
  "/static/css/app.css", "/static/js/app.js", "/static/js/push.js", "/static/js/outbox.js",
  "/static/vendor/htmx.min.js", "/static/vendor/idb.umd.js", "/static/icons/icon.svg", "/static/icons/badge.svg",
  "/manifest.webmanifest", OFFLINE_PAGE, "/outbox",
];
// Files answered from the shell cache first (versioned, so never stale); the two pages are answered
// from it only as navigations with no network (an htmx request wants the server's fragment).
const SHELL_PAGES = new Set([OFFLINE_PAGE, "/outbox"]);
const SHELL_FILES = new Set(SHELL.filter(function (path) { return !SHELL_PAGES.has(path); }));
const Outbox = self.ContinuityOutbox;
// Stored pages are deleted once unused for the sign-in's idle timeout (`idle`, minutes, from the server's
// IDLE_TIMEOUT_MINUTES in the registration's address), and in any case after KEEP_DAYS: a phone left in a
// drawer, or signed out while offline, does not keep people's records.
const PARAMS = new URL(self.location.href).searchParams;
const IDLE_MS = Math.max(1, Number(PARAMS.get("idle")) || 30) * 60000;
const KEEP_DAYS = Math.max(1, Number(PARAMS.get("keep")) || 7);
const UNUSED_MS = Math.min(IDLE_MS, KEEP_DAYS * 86400000);

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(SHELL_CACHE).then(function (cache) {
    return Promise.all(SHELL.map(function (path) {
      // Without cookies: the shell is the same for everyone (no name, no token of one sign-in).
      // "no-cache": revalidated (a 304 when the page has just downloaded the file), never stale.
      return fetch(path, { cache: "no-cache", credentials: "omit", redirect: "manual" }).then(function (response) {
        if (!response.ok) throw new Error("precache " + path + ": " + response.status);
        return cache.put(path, response);
      });
    }));
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) {
      return name.startsWith("continuity-") && name !== SHELL_CACHE && name !== PAGES_CACHE;
    }).map(function (name) { return caches.delete(name); }));
  }).then(expireIfUnused).then(function () { return self.clients.claim(); }));
});

self.addEventListener("fetch", function (event) {
  const request = event.request;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname === "/api/v1/session" && request.method === "DELETE") {
    event.respondWith(forgetPages("signed-out").then(function () { return fetch(request); }));
    return;
  }
  if (url.pathname.startsWith("/api/")) return;
  if (request.method === "POST") {
    const route = outboxRoute(url.pathname);
    if (route) event.respondWith(submitEntry(event, route));
    else if (url.pathname === "/sign-out") event.respondWith(signOut(event));
    return;
  }
  if (request.method !== "GET") return;
  if (request.mode === "navigate") event.respondWith(navigate(event));
  else if (SHELL_FILES.has(url.pathname)) event.respondWith(fromShell(request));
});

function fromShell(request) {
  return caches.open(SHELL_CACHE).then(function (cache) {
    return cache.match(request, { ignoreSearch: true, ignoreVary: true }).then(function (hit) {
      return hit || fetch(request);
    });
  });
}

// --- pages: network first, the cached copy when the network fails -----------------------------------
// Only workflow 2's screens are kept (My day, a case, Close the day, a disposition form): the ones
// used where there is no signal. Other screens are desk work and never stored on the device.
const OFFLINE_PAGES = /^\/(recovery(\/\d+(\/disposition)?)?|close-the-day)$/;
const NAVIGATION_PATIENCE_MS = 8000;  // a page we hold a copy of is not worth waiting longer for

function keepsPage(url, response) {
  return OFFLINE_PAGES.test(url.pathname) && response.status === 200 && response.type === "basic" &&
    !response.redirected && (response.headers.get("Content-Type") || "").startsWith("text/html");
}

async function navigate(event) {
  const request = event.request;
  const url = new URL(request.url);
  const network = fetch(request).then(function (response) {
    // The sign-in ended (signed out elsewhere, the idle timeout, an account switched off): the stored
    // pages go at once.
    if (signInPage(response) && OFFLINE_PAGES.test(url.pathname)) {
      event.waitUntil(forgetPages("signed-out"));
      return response;
    }
    if (response.ok && !response.redirected) event.waitUntil(touchPages());
    // The plain address only: "?saved=attempt" and the like are one moment's view of the page.
    if (keepsPage(url, response) && !url.search) {
      const copy = response.clone();
      event.waitUntil(caches.open(PAGES_CACHE).then(function (cache) { return cache.put(url.pathname, copy); }));
    }
    return response;
  });
  network.catch(function () { /* handled below, once the stored copy is known */ });
  // Pages unused for too long are deleted before any could be served (the network goes on meanwhile).
  const cached = OFFLINE_PAGES.test(url.pathname) ? await expireIfUnused().then(function () { return cachedPage(url); })
    : undefined;
  try {
    if (!cached) return await network;
    return await Promise.race([network, new Promise(function (resolve, reject) {
      setTimeout(function () { reject(new Error("slow network")); }, NAVIGATION_PATIENCE_MS);
    })]);
  } catch (err) {
    event.waitUntil(network.catch(function () { /* already answered from the cache */ }));
    if (cached) {
      event.waitUntil(touchPages());
      return servedFromCache(cached);
    }
    const shell = await caches.open(SHELL_CACHE).then(function (cache) {
      return cache.match(url.pathname, { ignoreSearch: true, ignoreVary: true }).then(function (hit) {
        return hit || cache.match(OFFLINE_PAGE);
      });
    });
    return shell || new Response("You are offline and this page is not on this device.", {
      status: 503, headers: { "Content-Type": "text/plain; charset=utf-8" } });
  }
}

async function cachedPage(url) {
  if (!OFFLINE_PAGES.test(url.pathname)) return undefined;
  return (await caches.open(PAGES_CACHE)).match(url.pathname, { ignoreSearch: true, ignoreVary: true });
}

// Date may come twice ("Tue, … GMT, Tue, … GMT": a server and its proxy both set it): the first one.
function firstDate(response) {
  return String(response.headers.get("Date") || "").split(/,\s*(?=[A-Z][a-z]{2},)/)[0];
}

// The page says it is a stored copy (app.js shows when it was saved and treats its forms as stale).
async function servedFromCache(response) {
  const html = await response.text();
  const date = new Date(firstDate(response));
  const saved = isNaN(date) ? "" : date.toISOString();
  const marked = html.replace("<html ", '<html data-from-cache="' + saved + '" ');
  const headers = new Headers(response.headers);
  // The body is now text, not the bytes the server sent (possibly compressed).
  ["Content-Length", "Content-Encoding"].forEach(function (name) { headers.delete(name); });
  return new Response(marked, { status: response.status, statusText: response.statusText, headers: headers });
}

// Today's cases: "My day" and "Close the day" send the addresses of their cases (links marked
// data-offline-case) and this worker stores those pages, dropping the ones no longer listed.
self.addEventListener("message", function (event) {
  const data = event.data || {};
  const reply = event.ports && event.ports[0];
  // A page that loaded while this worker was installing asks to be taken (activate's claim missed it).
  if (data.type === "claim") event.waitUntil(self.clients.claim());
  if (data.type === "cache-pages") {
    event.waitUntil(touchPages().then(function () {
      return cacheListed(String(data.list || ""), data.urls || []);
    }).then(function (count) {
      if (reply) reply.postMessage({ cached: count });
    }, function () { if (reply) reply.postMessage({ cached: 0, failed: true }); }));
  }
});

// A stored case page after an entry was saved for it online: the device's copy is fetched again, so that
// the page opened offline later shows that entry (and its count) too. Pages not stored are left alone.
async function refreshStored(path) {
  const url = new URL(path, self.location.origin);
  // caches.open would create the store again after a sign-out or the idle ending deleted it: only look.
  if (url.origin !== self.location.origin || !OFFLINE_PAGES.test(url.pathname) || !(await caches.has(PAGES_CACHE))) return;
  const cache = await caches.open(PAGES_CACHE);
  if (!(await cache.match(url.pathname, { ignoreSearch: true, ignoreVary: true }))) return;
  try {
    const response = await fetch(url.pathname, { credentials: "same-origin", redirect: "manual", cache: "no-store" });
    if (keepsPage(url, response)) await cache.put(url.pathname, response);
  } catch (err) { /* the older copy stays */ }
}

async function cacheListed(list, urls) {
  const paths = Array.from(new Set(urls.map(function (u) {
    const url = new URL(u, self.location.origin);
    return url.origin === self.location.origin && OFFLINE_PAGES.test(url.pathname) ? url.pathname : null;
  }).filter(Boolean)));
  const cache = await caches.open(PAGES_CACHE);
  const stored = await Promise.all(paths.map(async function (path) {
    // A copy stored in the last minute (the page that just loaded, as a navigation) is kept as it is.
    const held = await cache.match(path, { ignoreSearch: true, ignoreVary: true });
    if (held && Date.now() - new Date(firstDate(held)).getTime() < 60000) return 1;
    return fetch(path, { credentials: "same-origin", redirect: "manual", cache: "no-store" }).then(function (response) {
      return keepsPage(new URL(path, self.location.origin), response) ? cache.put(path, response).then(function () { return 1; }) : 0;
    }, function () { return 0; });
  }));
  const lists = (await Outbox.getMeta("offline_lists")) || {};
  for (const path of lists[list] || []) {
    const stillListed = paths.indexOf(path) >= 0 ||
      Object.keys(lists).some(function (other) { return other !== list && (lists[other] || []).indexOf(path) >= 0; });
    if (!stillListed) await cache.delete(path, { ignoreSearch: true });
  }
  lists[list] = paths;
  await Outbox.setMeta("offline_lists", lists);
  return stored.reduce(function (a, b) { return a + b; }, 0);
}

// Personal data leaves the device on sign-out by any path, a 401, an idle ending and long disuse: every
// stored page (outbox.js forgetPages). Never the outbox.
function forgetPages(why) {
  return Outbox.forgetPages(why);
}

// The last use, kept to the minute (like the server's idle clock): not one durable write per request.
async function touchPages() {
  const used = await Outbox.getMeta("pages_used_at");
  if (!used || Date.now() - used > 60000) await Outbox.setMeta("pages_used_at", Date.now());
}

async function expireIfUnused() {
  const used = await Outbox.getMeta("pages_used_at");
  if (used && Date.now() - used > UNUSED_MS) await forgetPages("unused");
}

async function signOut(event) {
  await forgetPages("signed-out");
  try {
    return await fetch(event.request);
  } catch (err) {
    return (await caches.match(OFFLINE_PAGE, { cacheName: SHELL_CACHE })) || Response.error();
  }
}

// --- the outbox: attempts and dispositions saved on the device --------------------------------------
// The form goes to the network first. When the network fails (or only a gateway answers, or nothing
// comes back within SUBMIT_PATIENCE_MS, or the sign-in has ended) the entry is stored in the outbox
// and the worker gets a "Saved on this device" answer (202). A successful answer for an entry that
// sits in the outbox (a corrected entry sent again, or a slow request that arrived after all)
// removes it.
const OUTBOX_ROUTE = /^\/recovery\/(\d+)\/(attempts|disposition)$/;
const GATEWAY_DOWN = new Set([502, 503, 504]);
const SUBMIT_PATIENCE_MS = 20000;
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "font-src 'self'; manifest-src 'self'; worker-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; " +
  "frame-ancestors 'none'";

function outboxRoute(path) {
  const match = OUTBOX_ROUTE.exec(path);
  return match ? { caseId: Number(match[1]), kind: match[2] === "attempts" ? "attempt" : "disposition" } : null;
}

function accepted(response) {
  return response.type === "opaqueredirect" || (response.status >= 200 && response.status < 400);
}

async function acknowledge(form) {
  const clientId = (await form).get("client_id");
  if (clientId && await Outbox.get(clientId)) await Outbox.remove(clientId, "sent");
}

async function submitEntry(event, route) {
  const request = event.request;
  const form = request.clone().formData();
  const network = fetch(request);
  let outcome;
  try {
    outcome = await Promise.race([
      network.then(function (response) { return { response: response }; }),
      new Promise(function (resolve) { setTimeout(function () { resolve({ slow: true }); }, SUBMIT_PATIENCE_MS); }),
    ]);
  } catch (err) {
    outcome = { failed: err };
  }
  const signedOut = outcome.response && signInPage(outcome.response);
  if (signedOut) event.waitUntil(forgetPages("signed-out"));
  if (outcome.response && !signedOut && !GATEWAY_DOWN.has(outcome.response.status)) {
    if (accepted(outcome.response)) {
      event.waitUntil(acknowledge(form).catch(function () { /* stays listed */ }));
      event.waitUntil(refreshStored("/recovery/" + route.caseId));
    }
    return outcome.response;
  }
  if (outcome.slow) {
    event.waitUntil(network.then(function (response) {
      return accepted(response) && !GATEWAY_DOWN.has(response.status) && !signInPage(response) ? acknowledge(form) : null;
    }).catch(function () { /* the outbox has it */ }));
  }
  const entry = Outbox.entryFromForm(route.kind, route.caseId, await form, {
    // Whoever last signed in here: the entry waits, hidden, until that user signs in again.
    author: (await Outbox.getMeta("user")) || (await Outbox.getMeta("last_user")) || null,
    case_label: caseLabel(request),
  });
  await Outbox.put(entry);
  if (self.registration.sync) self.registration.sync.register("outbox").catch(function () { /* no Background Sync */ });
  return savedAnswer(entry, request.headers.get("HX-Request") === "true", signedOut ? "signed-out" : "offline");
}

// The sign-in ended while the worker was filling the form (the idle timeout): the server answers with
// the sign-in page. The entry is kept, and sent once the worker has signed in again.
function signInPage(response) {
  return response.status === 401 || (response.redirected && new URL(response.url).pathname === "/sign-in");
}

function caseLabel(request) {
  try { return decodeURIComponent(request.headers.get("X-Continuity-Case") || "").slice(0, 200); }
  catch (err) { return ""; }
}

function esc(text) {
  return String(text == null ? "" : text).replace(/[&<>"']/g, function (c) {
    return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
  });
}

function label(value) {
  if (value === "sms") return "SMS";
  const text = String(value || "").replace(/_/g, " ");
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function savedFragment(entry, reason) {
  const p = entry.payload;
  const attempt = entry.kind === "attempt";
  const what = attempt ? "attempt" : "disposition";
  const signedOut = reason === "signed-out";
  const back = signedOut ? "/sign-in" : attempt ? "/recovery/" + entry.recovery_case_id : "/close-the-day";
  const rows = attempt
    ? [["When", '<time datetime="' + esc(p.attempt_at || "") + '" data-local="datetime-local">' + esc((p.attempt_at || "").replace("T", " ")) + "</time>"],
       ["Channel", esc(label(p.channel))], ["Outcome", esc(label(p.outcome))], ["Rescue", esc(label(p.rescue_option))]]
    : [["Continuity restored", esc(label(p.continuity_restored))], ["Locked instruction", esc(label(p.locked_instruction))]];
  return '<title>Saved on this device · Continuity</title>' +
    '<section class="saved-device" aria-labelledby="saved-device-h">' +
    '<div class="alert device" role="status"><h1 id="saved-device-h">Saved on this device</h1>' +
    "<p>" + (signedOut ? "You were signed out" : "No network") + ": this " + what +
    (entry.case_label ? " for " + esc(entry.case_label) : "") + " waits on this device and is sent with the time you saved it (" +
    '<time datetime="' + esc(entry.recorded_at) + '" data-local="time">' + esc(entry.recorded_at) + "</time>" +
    (signedOut ? ") when you sign in again.</p></div>" : ") as soon as there is a connection.</p></div>") +
    '<dl class="summary">' + rows.map(function (row) { return "<div><dt>" + row[0] + "</dt><dd>" + row[1] + "</dd></div>"; }).join("") + "</dl>" +
    '<a class="button primary wide" href="' + back + '"' + (signedOut ? ' hx-boost="false"' : "") + ">" +
    (signedOut ? "Sign in again" : attempt ? "Log another attempt" : "Back to Close the day") + "</a>" +
    '<a class="button secondary wide" href="/outbox">What is on this device</a>' +
    "</section>";
}

function savedAnswer(entry, htmx, reason) {
  const headers = { "Content-Type": "text/html; charset=utf-8", "Content-Security-Policy": CSP,
                    "X-Content-Type-Options": "nosniff", "Cache-Control": "no-store" };
  const fragment = savedFragment(entry, reason);
  if (htmx) {
    // Reloading afterwards shows the case (from this device) rather than the form's address.
    headers["HX-Push-Url"] = entry.kind === "attempt" ? "/recovery/" + entry.recovery_case_id : "/close-the-day";
    return new Response(fragment, { status: 202, headers: headers });
  }
  const page = '<!doctype html><html lang="en"><head><meta charset="utf-8">' +
    '<meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover">' +
    '<link rel="stylesheet" href="/static/css/app.css">' +
    '<script src="/static/vendor/idb.umd.js" defer></script><script src="/static/js/outbox.js" defer></script>' +
    '<script src="/static/js/app.js" defer></script></head><body>' +
    '<header class="bar"><a class="brand" href="/">Continuity</a></header>' +
    '<div id="outbox-bar" class="outbox-bar" aria-live="polite" hidden></div>' +
    '<main id="main">' + fragment + "</main></body></html>";
  return new Response(page, { status: 202, headers: headers });
}

// Background Sync (Chromium): flush when the browser sees the connection come back. A flush that
// could not reach the server fails the event, so the browser tries again later. Safari has no
// Background Sync: pages flush on load, on `online` and from "Sync now".
self.addEventListener("sync", function (event) {
  if (event.tag !== "outbox") return;
  event.waitUntil(expireIfUnused().then(function () { return Outbox.flush(); }).then(function (result) {
    if (result && result.status === "offline") throw new Error("still offline");
  }));
});

// --- push alerts --------------------------------------------------------------------------------
// The payload is {title, body, url, tag}: a short reason and an in-app link, never names or clinical
// detail. The tag makes a repeat of the same alert replace the earlier notification.
const BADGE = "/static/icons/badge.svg";
const ICON = "/static/icons/icon.svg";

function alertFrom(event) {
  let data = {};
  try { data = event.data ? event.data.json() : {}; } catch (err) { data = {}; }
  const url = typeof data.url === "string" && data.url.startsWith("/") && !data.url.startsWith("//") ? data.url : "/";
  return {
    title: typeof data.title === "string" && data.title ? data.title : "Continuity",
    options: {
      body: typeof data.body === "string" ? data.body : "Something needs your attention.",
      tag: typeof data.tag === "string" && data.tag ? data.tag : undefined,
      renotify: Boolean(data.tag),
      badge: BADGE,
      icon: ICON,
      data: { url: url },
    },
  };
}

self.addEventListener("push", function (event) {
  const alert = alertFrom(event);
  event.waitUntil(self.registration.showNotification(alert.title, alert.options));
});

self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  const target = new URL((event.notification.data && event.notification.data.url) || "/", self.location.origin);
  event.waitUntil(self.clients.matchAll({ type: "window", includeUncontrolled: true }).then(function (windows) {
    for (const client of windows) {
      if (client.url === target.href && "focus" in client) return client.focus();
    }
    for (const client of windows) {
      if (new URL(client.url).origin === target.origin && "navigate" in client) {
        return client.focus().then(function (focused) { return (focused || client).navigate(target.href); });
      }
    }
    return self.clients.openWindow(target.href);
  }));
});
