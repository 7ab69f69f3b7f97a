"""Configuration from environment variables, with the embedded defaults of the README."""
import os
from datetime import timedelta

from .push.endpoints import parse_hosts


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def load_config(instance_path: str) -> dict:
    """Settings for create_app; every key can be overridden by create_app(config=...)."""
    return {
        "SECRET_KEY": _env("SECRET_KEY"),
        # Key rotation (docs/deploy.md): earlier keys, comma-separated, still accepted for signed cookies.
        "SECRET_KEY_FALLBACKS": [key for key in (_env("SECRET_KEY_FALLBACKS", "") or "").split(",") if key],
        "SQLALCHEMY_DATABASE_URI": _env(
            "DATABASE_URL", "sqlite:///" + os.path.join(instance_path, "continuity.sqlite")
        ),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        # Business calendar (pwa.governance.calendar.calendar_from_config).
        "TIMEZONE": _env("TIMEZONE", "America/New_York"),
        "BUSINESS_OPENS": _env("BUSINESS_OPENS", "09:00"),
        "BUSINESS_CLOSES": _env("BUSINESS_CLOSES", "17:00"),
        "BUSINESS_WORKDAYS": _env("BUSINESS_WORKDAYS", "0,1,2,3,4"),
        "HOLIDAYS_COUNTRY": _env("HOLIDAYS_COUNTRY", "US"),
        "HOLIDAYS_SUBDIVISION": _env("HOLIDAYS_SUBDIVISION", ""),
        "CLOSURE_DAYS": _env("CLOSURE_DAYS", ""),
        # Workflow 1 timing.
        "MISS_GRACE_MINUTES": int(_env("MISS_GRACE_MINUTES", "15")),
        "EVENT_OPEN_MINUTES": int(_env("EVENT_OPEN_MINUTES", "30")),
        "CLASSIFICATION_BUSINESS_HOURS": float(_env("CLASSIFICATION_BUSINESS_HOURS", "2")),
        # A virtual session left before this share of its length is a detected miss.
        "VIRTUAL_ATTENDANCE_SHARE": float(_env("VIRTUAL_ATTENDANCE_SHARE", "0.75")),
        # Workflow 2 timing (the recovery case is instructed by a release in workflow 1).
        "RECOVERY_OPEN_BUSINESS_HOURS": float(_env("RECOVERY_OPEN_BUSINESS_HOURS", "1")),
        "RECOVERY_OPEN_HIGH_RISK_MINUTES": int(_env("RECOVERY_OPEN_HIGH_RISK_MINUTES", "15")),
        "DISPOSITION_HIGH_RISK_BUSINESS_HOURS": float(_env("DISPOSITION_HIGH_RISK_BUSINESS_HOURS", "2")),
        # A device clock further than this from the server's is flagged to supervisors.
        "CLOCK_TOLERANCE_SECONDS": int(_env("CLOCK_TOLERANCE_SECONDS", "120")),
        # Sessions: idle timeout, then the server-side session record is refused.
        "IDLE_TIMEOUT": timedelta(minutes=int(_env("IDLE_TIMEOUT_MINUTES", "30"))),
        # ...and however busy, a sign-in ends this long after it started (a new sign-in is needed).
        "SESSION_LIFETIME": timedelta(hours=float(_env("SESSION_LIFETIME_HOURS", "12"))),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _env("SESSION_COOKIE_SECURE", "0") == "1",
        # CSRF is checked by pwa.security for cookie-authenticated requests only.
        "WTF_CSRF_CHECK_DEFAULT": False,
        "WTF_CSRF_TIME_LIMIT": None,
        "MAX_CONTENT_LENGTH": 1024 * 1024,
        "VAPID_PRIVATE_KEY": _env("VAPID_PRIVATE_KEY"),
        "VAPID_SUBJECT": _env("VAPID_SUBJECT", "mailto:continuity@example.org"),
        # Business hours before the close of day at which a still-open high-risk recovery case alerts.
        "PUSH_MARKS_BEFORE_CLOSE_HOURS": _env("PUSH_MARKS_BEFORE_CLOSE_HOURS", "2,0"),
        "PUSH_TIMEOUT_SECONDS": float(_env("PUSH_TIMEOUT_SECONDS", "10")),
        # PostgreSQL: connections one outcome-figure call may use side by side (pwa.outcomes.runner).
        "OUTCOME_QUERY_CONNECTIONS": int(_env("OUTCOME_QUERY_CONNECTIONS", "2")),
        # The sweeper process (`flask sweeper`): seconds between sweeps.
        "SWEEP_INTERVAL_SECONDS": float(_env("SWEEP_INTERVAL_SECONDS", "60")),
        # /healthz answers 503, and supervisors see a banner, when the last sweep is older than this.
        "SWEEP_STALE_SECONDS": int(_env("SWEEP_STALE_SECONDS", "300")),
        # Behind a reverse proxy: how many proxies set X-Forwarded-For/-Proto/-Host (0: none, direct).
        "TRUSTED_PROXIES": int(_env("TRUSTED_PROXIES", "0")),
        # Production: plain http is redirected to https (GET/HEAD) or refused (other methods).
        "REQUIRE_HTTPS": _env("REQUIRE_HTTPS", "0") == "1",
        # Strict-Transport-Security max-age sent on every https response.
        "HSTS_SECONDS": int(_env("HSTS_SECONDS", "31536000")),
        # Log lines: "json" (one JSON object a line, for shipping) or "text" (for reading at a terminal).
        "LOG_FORMAT": _env("LOG_FORMAT", "json"),
        "LOG_LEVEL": _env("LOG_LEVEL", "INFO"),
        # Push services are https; tests add "http" for their local fake endpoint.
        "PUSH_ENDPOINT_SCHEMES": ("https",),
        # Hosts a subscription may point at (pwa.push.endpoints); "*.x" is any subdomain of x.
        "PUSH_ALLOWED_HOSTS": parse_hosts(_env("PUSH_ALLOWED_HOSTS")),
        # The archive checkpoints' Ed25519 key (base64url); default: instance/archive_signing_key.
        "ARCHIVE_SIGNING_KEY": _env("ARCHIVE_SIGNING_KEY"),
        # Sign-in throttling (pwa.accounts.throttle).
        "SIGNIN_MAX_FAILURES": int(_env("SIGNIN_MAX_FAILURES", "5")),
        "SIGNIN_ADDRESS_MAX_FAILURES": int(_env("SIGNIN_ADDRESS_MAX_FAILURES", "30")),
        "SIGNIN_WINDOW_MINUTES": int(_env("SIGNIN_WINDOW_MINUTES", "15")),
        "SIGNIN_LOCKOUT_MINUTES": int(_env("SIGNIN_LOCKOUT_MINUTES", "15")),
    }
