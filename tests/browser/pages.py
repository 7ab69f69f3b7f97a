"""Helpers for the browser tests: the demo sign-in, the console watch, boosted-navigation markers,
and reading deadlines as shown on screen."""
import re
from datetime import datetime
from zoneinfo import ZoneInfo

DEMO_PASSWORD = "continuity-demo"
BUSINESS_ZONE = ZoneInfo("America/New_York")
# Browser context options of the supervisor's tablet and a desk screen (conftest.open_page).
TABLET = {"viewport": {"width": 1024, "height": 768}, "device_scale_factor": 1, "is_mobile": False,
          "has_touch": True, "locale": "en-US", "timezone_id": "America/New_York"}
DESK = {"viewport": {"width": 1280, "height": 800}, "locale": "en-US", "timezone_id": "America/New_York"}


def business_today():
    return datetime.now(BUSINESS_ZONE).date()


class ConsoleWatch:
    """Console errors (CSP violations are reported there), warnings naming the CSP, and page errors.

    Chromium logs every 4xx response as "Failed to load resource"; the designed answers of a form
    (422 field errors, 409 refusals, 401 wrong password) are not problems, anything else is."""

    DESIGNED = re.compile(
        r"^Failed to load resource: the server responded with a status of (401|409|422) ")

    def __init__(self, page):
        self.problems: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda err: self.problems.append(f"pageerror: {err}"))

    def _console(self, message):
        text = message.text
        if self.DESIGNED.match(text):
            return
        if message.type == "error" or re.search(r"Content[ -]Security[ -]Policy", text):
            where = message.location.get("url", "") if message.location else ""
            self.problems.append(f"console.{message.type}: {text} ({where})")

    def assert_clean(self):
        assert not self.problems, "browser console problems:\n" + "\n".join(self.problems)


# The demo enrols every user whose role needs a second factor (pwa/accounts/demo_mfa.py): their TOTP secrets,
# read from the demo database when it is built (conftest.demo_database), and the last time step each used on
# each server (a code is accepted once).
DEMO_SECRETS: dict[str, str] = {}
_USED_STEPS: dict[tuple[str, str], int] = {}


def _code(page, username: str) -> str:
    """A code the server has not seen yet: the current one, or, when this user already signed in on this
    server in this 30-second step, the next step's (the server accepts a step either side of its own)."""
    import time

    import pyotp

    totp = pyotp.TOTP(DEMO_SECRETS[username])
    key = (page.url.split("/sign-in")[0], username)
    step = int(time.time() // 30)
    if _USED_STEPS.get(key, -1) >= step + 1:  # both used: wait for the next step
        page.wait_for_timeout((30 - time.time() % 30) * 1000 + 200)
        step = int(time.time() // 30)
    if _USED_STEPS.get(key, -1) >= step:
        step += 1
    _USED_STEPS[key] = step
    return totp.at(step * 30)


def sign_in(page, username: str, password: str = DEMO_PASSWORD) -> None:
    page.goto("/sign-in")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    if username in DEMO_SECRETS:
        page.wait_for_url("**/sign-in/code")
        page.get_by_label("Code").fill(_code(page, username))
        page.get_by_role("button", name="Sign in").click()
    page.wait_for_selector("header nav")


def sign_out(page) -> None:
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/sign-in")


def mark_header(page) -> None:
    """Tag the live <header> node with a JS property (an attribute would survive a re-render)."""
    page.evaluate("document.querySelector('header').__continuityMarker = 'kept'")


def header_kept(page) -> bool:
    """True when the <header> is still the node mark_header tagged: htmx swapped only <main>."""
    return page.evaluate("document.querySelector('header').__continuityMarker === 'kept'")


DEADLINE = re.compile(r"(?:(?P<d>\d+) d (?P<dh>\d+) h|(?P<h>\d+) h (?P<hm>\d+) min|(?P<m>\d+) min)"
                      r" (?P<side>left|overdue)")


def deadline_minutes(text: str) -> int:
    """The time_left filter read back: '1 h 10 min left' -> 70, '5 min overdue' -> -5,
    '1 d 3 h left' -> 1620."""
    match = DEADLINE.fullmatch(text.strip())
    assert match, f"not a deadline: {text!r}"
    g = {k: int(v) for k, v in match.groupdict().items() if v and k != "side"}
    minutes = (g.get("d", 0) * 1440 + (g.get("dh", 0) + g.get("h", 0)) * 60
               + g.get("hm", 0) + g.get("m", 0))
    return minutes if match["side"] == "left" else -minutes


def assert_no_overflow(page):
    """Nothing wider than the phone: no sideways scrolling of the page."""
    width = page.evaluate("document.documentElement.scrollWidth")
    phone = page.viewport_size["width"]
    assert width <= phone, f"page is {width}px wide on a {phone}px phone"
