"""Offline work: the service worker, the web app manifest, the offline page and the device's outbox view."""
