"""The service worker's push handler in Debian's chromium. Headless chromium cannot subscribe to a real push
service, so the device's subscription is made through the API with test keys, and the push itself is delivered
to the real worker through the DevTools Protocol (ServiceWorker.deliverPushMessage)."""
import json

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from playwright.sync_api import expect

from pwa.push.keys import b64url

from .pages import sign_in

NOTIFICATIONS = """() => navigator.serviceWorker.ready.then(r => r.getNotifications()).then(list =>
    list.map(n => ({title: n.title, body: n.body, tag: n.tag, badge: n.badge, data: n.data})))"""
SUBSCRIBE = """async (subscription) => {
    const token = JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"];
    const response = await fetch("/api/v1/push/subscriptions", {method: "POST", credentials: "same-origin",
        headers: {"Content-Type": "application/json", "X-CSRFToken": token}, body: JSON.stringify(subscription)});
    return response.status;
}"""


def test_settings_screen_and_a_push_shown_by_the_service_worker(phone, live_server, shoot):
    phone.grant_permissions(["notifications"], origin=live_server)
    page = phone.new_page()
    problems = []
    page.on("pageerror", lambda err: problems.append(str(err)))
    sign_in(page, "sade")
    page.goto("/settings/alerts")
    expect(page.get_by_role("button", name="Turn on alerts on this device")).to_be_visible()
    scope = page.evaluate("() => navigator.serviceWorker.ready.then(r => r.scope)")
    assert scope == live_server + "/"

    # The device's subscription, through the API with test keys (no real push service in headless chromium).
    point = ec.generate_private_key(ec.SECP256R1()).public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    subscription = {"endpoint": "https://fcm.googleapis.com/fcm/send/browser-test", "expirationTime": None,
                    "keys": {"p256dh": b64url(point), "auth": b64url(b"browser-test-key")}}
    assert page.evaluate(SUBSCRIBE, subscription) == 201
    page.reload()
    expect(page.locator("ul.devices li")).to_have_count(1)
    expect(page.locator("ul.devices li")).to_contain_text("(this sign-in)")
    shoot(page, "40-alerts-settings")

    cdp = phone.new_cdp_session(page)
    registrations = []
    cdp.on("ServiceWorker.workerRegistrationUpdated", lambda event: registrations.extend(event["registrations"]))
    cdp.send("ServiceWorker.enable")
    for _ in range(50):
        if any(r["scopeURL"] == live_server + "/" and not r["isDeleted"] for r in registrations):
            break
        page.wait_for_timeout(100)
    [registration] = [r for r in registrations if r["scopeURL"] == live_server + "/" and not r["isDeleted"]][:1]

    def deliver(payload: dict) -> list[dict]:
        cdp.send("ServiceWorker.deliverPushMessage", {"origin": live_server,
                                                       "registrationId": registration["registrationId"],
                                                       "data": json.dumps(payload)})
        for _ in range(50):
            shown = page.evaluate(NOTIFICATIONS)
            if any(n["body"] == payload["body"] for n in shown):
                return shown
            page.wait_for_timeout(100)
        raise AssertionError(f"no notification shown for {payload}")

    alert = {"title": "Continuity", "body": "High-risk recovery case still open at 15:00", "url": "/recovery/1",
             "tag": "recovery_cases:1:close-2h"}
    [shown] = deliver(alert)
    assert (shown["title"], shown["body"], shown["tag"]) == ("Continuity", alert["body"], alert["tag"])
    assert shown["data"] == {"url": "/recovery/1"}
    assert shown["badge"].endswith("/static/icons/badge.svg")
    # The same tag replaces the earlier notification; another tag is shown beside it.
    again = deliver({**alert, "body": "High-risk recovery case still open at 17:00"})
    assert [n["tag"] for n in again] == [alert["tag"]]
    both = deliver({"title": "Continuity", "body": "High-priority recovery not started", "url": "/escalations",
                    "tag": "escalations:7:raised"})
    assert sorted(n["tag"] for n in both) == sorted([alert["tag"], "escalations:7:raised"])
    # A payload pointing off-site is not followed: the click would open the app's home.
    odd = deliver({"title": "Continuity", "body": "Odd link", "url": "https://evil.example/", "tag": "odd"})
    assert next(n for n in odd if n["tag"] == "odd")["data"] == {"url": "/"}
    cdp.send("ServiceWorker.disable")
    assert problems == []
    page.close()


def test_permission_is_asked_only_when_the_button_is_tapped(phone, shoot):
    page = phone.new_page()
    page.add_init_script("""Notification.requestPermission = () => {
        window.__asked = (window.__asked || 0) + 1; return Promise.resolve("denied"); };""")
    sign_in(page, "sade")
    page.get_by_role("link", name="Alerts", exact=True).click()
    expect(page.get_by_role("heading", name="Alerts on this device")).to_be_visible()
    page.wait_for_timeout(300)
    assert page.evaluate("() => window.__asked || 0") == 0
    page.get_by_role("button", name="Turn on alerts on this device").click()
    expect(page.locator("#push-status")).to_contain_text("Alerts are blocked for this site")
    assert page.evaluate("() => window.__asked") == 1
    shoot(page, "41-alerts-blocked")
    page.close()
