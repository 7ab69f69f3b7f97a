"""Where a push subscription may point: only the browsers' push services (PUSH_ALLOWED_HOSTS), and,
checked again when sending, never an address inside the network (loopback, private, link-local...).

Without these a signed-in user could subscribe `https://127.0.0.1:5199/...` or an internal host, and
every sweep would make the server connect there (server-side request forgery).
"""
import ipaddress
import socket
from urllib.parse import urlsplit

from flask import current_app

# The push services of Chrome/Edge/Opera/Samsung (FCM), Firefox (Mozilla autopush), legacy Edge (WNS) and
# Safari (Apple). "*.example" is any subdomain of example.
DEFAULT_ALLOWED_HOSTS = ("fcm.googleapis.com", "android.googleapis.com", "updates.push.services.mozilla.com",
                         "*.notify.windows.com", "web.push.apple.com", "*.push.apple.com")


def parse_hosts(value: str | None) -> tuple[str, ...]:
    """PUSH_ALLOWED_HOSTS from the environment: host names separated by commas."""
    if not value:
        return DEFAULT_ALLOWED_HOSTS
    return tuple(h.strip().lower().rstrip(".") for h in value.split(",") if h.strip())


def host_allowed(host: str) -> bool:
    host = host.lower().rstrip(".")
    for pattern in current_app.config.get("PUSH_ALLOWED_HOSTS", DEFAULT_ALLOWED_HOSTS):
        if pattern.startswith("*.") and host.endswith(pattern[1:]) and len(host) > len(pattern) - 1:
            return True
        if host == pattern:
            return True
    return False


def endpoint_problem(endpoint: str) -> str | None:
    """Why a subscription endpoint is refused, or None."""
    try:
        parts = urlsplit(endpoint)
        host, _port = parts.hostname, parts.port
    except ValueError:
        return "Give the push service's https address."
    schemes = current_app.config.get("PUSH_ENDPOINT_SCHEMES", ("https",))
    if parts.scheme not in schemes or not host:
        return "Give the push service's https address."
    if parts.username is not None or parts.password is not None:
        return "Give the push service's address without a user name or password."
    if not host_allowed(host):
        return "Give the address of a browser's push service; this host is not one (PUSH_ALLOWED_HOSTS)."
    return None


def unsafe_address(endpoint: str) -> str | None:
    """Resolve the endpoint's host now and refuse any address that is not a public one. None when safe.
    PUSH_ALLOW_PRIVATE_ADDRESSES (never read from the environment) lets the test suite use its local fake
    push service."""
    if current_app.config.get("PUSH_ALLOW_PRIVATE_ADDRESSES"):
        return None
    parts = urlsplit(endpoint)
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 443, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return "does not resolve"
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%")[0])
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
            address = address.ipv4_mapped
        if not address.is_global or address.is_multicast:
            return f"resolves to a non-public address ({address})"
    return None
