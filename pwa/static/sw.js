// Continuity's service worker, served at /sw.js so its scope is the whole site.
// Sections: lifecycle · push alerts. (Offline caching and background sync will be added here as their own
// sections; keep each one self-contained.)
"use strict";

// --- lifecycle ----------------------------------------------------------------------------------
self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (event) { event.waitUntil(self.clients.claim()); });

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
