"""VAPID keys: VAPID_PRIVATE_KEY from configuration, else the one `flask push keys` kept in the instance folder.

The private key is the base64url (unpadded) 32-byte P-256 scalar; the public key, given to browsers as the
applicationServerKey, is the base64url uncompressed point (65 bytes).
"""
import base64
import os

from cryptography.hazmat.primitives import serialization
from flask import current_app
from py_vapid import Vapid

KEY_FILE = "vapid_private_key"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _key_path() -> str:
    return os.path.join(current_app.instance_path, KEY_FILE)


def generate_private_key() -> str:
    vapid = Vapid()
    vapid.generate_keys()
    return b64url(vapid.private_key.private_numbers().private_value.to_bytes(32, "big"))


def private_key() -> str | None:
    """The configured key, else the instance folder's, else None (push is then off)."""
    configured = current_app.config.get("VAPID_PRIVATE_KEY")
    if configured:
        return configured.strip()
    path = _key_path()
    if os.path.exists(path):
        with open(path) as fh:
            return fh.read().strip() or None
    return None


def ensure_private_key() -> tuple[str, bool]:
    """(key, created): creates and keeps a key in the instance folder when none is configured."""
    existing = private_key()
    if existing:
        return existing, False
    key = generate_private_key()
    path = _key_path()
    with open(path, "w") as fh:
        fh.write(key)
    os.chmod(path, 0o600)
    return key, True


def public_key(private: str | None = None) -> str | None:
    """The applicationServerKey for `private` (default: the configured key)."""
    private = private or private_key()
    if not private:
        return None
    point = Vapid.from_string(private).public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return b64url(point)
