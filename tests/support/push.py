"""Web push in the tests: a fake push service on 127.0.0.1 that checks what a real one would, a browser's
subscription (its own keys, to decrypt what it receives), and signing in and subscribing through the API."""
import json
import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import http_ece
import pytest
import sqlalchemy as sa
from conftest import sign_in_body
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from pwa.extensions import db
from pwa.push.keys import b64url, b64url_decode, public_key

# The app with the tests' local fake push service allowed, for processes of their own (`flask --app ...`):
# only through the factory's arguments, never the environment (pwa/push/endpoints.py refuses private
# addresses otherwise).
LOCAL_PUSH_APP = ('pwa:create_app({"PUSH_ENDPOINT_SCHEMES": ["https", "http"], "PUSH_ALLOWED_HOSTS": ["127.0.0.1"], '
                  '"PUSH_ALLOW_PRIVATE_ADDRESSES": True})')


# --- a fake push service on 127.0.0.1 --------------------------------------------------------------

class FakePushService:
    """Records every POST; answers `status[path]` (201 unless told otherwise)."""

    def __init__(self):
        self.received: list[dict] = []
        self.status: dict[str, int] = {}
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                service.received.append({"path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()}, "body": body})
                self.send_response(service.status.get(self.path, 201))
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.thread.join(timeout=5)

    def to(self, path: str) -> list[dict]:
        return [r for r in self.received if r["path"] == path]


@pytest.fixture
def push_service(monkeypatch):
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    service = FakePushService()
    yield service
    service.stop()


class Device:
    """A browser's push subscription: its own P-256 key pair and 16-byte auth secret."""

    def __init__(self, service: FakePushService, name: str):
        self.private_key = ec.generate_private_key(ec.SECP256R1())
        self.auth_secret = os.urandom(16)
        self.path = f"/push/{name}"
        self.endpoint = service.origin + self.path

    def subscription(self) -> dict:
        point = self.private_key.public_key().public_bytes(serialization.Encoding.X962,
                                                          serialization.PublicFormat.UncompressedPoint)
        return {"endpoint": self.endpoint, "expirationTime": None,
                "keys": {"p256dh": b64url(point), "auth": b64url(self.auth_secret)}}

    def open(self, message: dict) -> dict:
        """Check the request as a push service and browser would, and return the decrypted payload."""
        assert message["headers"]["content-encoding"] == "aes128gcm"
        plain = http_ece.decrypt(message["body"], private_key=self.private_key, auth_secret=self.auth_secret,
                                 version="aes128gcm")
        return json.loads(plain)


def verify_vapid(message: dict, audience: str, subject: str, server_key: str) -> dict:
    """Authorization: vapid t=<ES256 JWT>, k=<public key>; the signature, aud, exp and sub must hold."""
    scheme, _, params = message["headers"]["authorization"].partition(" ")
    assert scheme == "vapid"
    fields = dict(part.strip().split("=", 1) for part in params.split(","))
    token, key = fields["t"], fields["k"]
    assert key == server_key
    head, claims_part, signature = token.split(".")
    assert json.loads(b64url_decode(head)) == {"typ": "JWT", "alg": "ES256"}
    raw = b64url_decode(signature)
    assert len(raw) == 64
    verifier = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b64url_decode(key))
    verifier.verify(encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big")),
                    f"{head}.{claims_part}".encode(), ec.ECDSA(hashes.SHA256()))  # raises if forged
    claims = json.loads(b64url_decode(claims_part))
    assert claims["aud"] == audience
    assert claims["sub"] == subject
    assert time.time() < claims["exp"] <= time.time() + 24 * 3600
    return claims


def signed_in(app, username: str):
    """A separate browser (its own cookie jar and sign-in session) for `username`."""
    client = app.test_client()
    response = client.post("/api/v1/session", json=sign_in_body(app, username))
    assert response.status_code == 200, response.get_json()
    client.csrf = response.get_json()["csrf_token"]
    return client


def subscribe(client, device: Device):
    response = client.post("/api/v1/push/subscriptions", json=device.subscription(),
                           headers={"X-CSRFToken": client.csrf, "User-Agent": "Mozilla/5.0 (Linux; Android 14) "
                                    "AppleWebKit/537.36 Chrome/131.0 Mobile Safari/537.36"})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def rows(app, model_name: str) -> list:
    from pwa.push import models

    with app.app_context():
        model = getattr(models, model_name)
        result = db.session.scalars(sa.select(model).order_by(model.id)).all()
        db.session.expunge_all()
        return result


def server_key(app) -> str:
    with app.app_context():
        return public_key()


def tagged(service: FakePushService, device: Device, tag: str) -> list[dict]:
    return [payload for payload in map(device.open, service.to(device.path)) if payload["tag"] == tag]
