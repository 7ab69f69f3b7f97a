"""Allowlist input for a push subscription: the browser's PushSubscription.toJSON()."""
import binascii

from cryptography.hazmat.primitives.asymmetric import ec
from marshmallow import ValidationError, fields, validate, validates

from ..schema_fields import REQUIRED, InputSchema
from .keys import b64url_decode


def _key(length: int, what: str, first: int | None = None):
    def check(value: str) -> None:
        try:
            raw = b64url_decode(value)
        except (binascii.Error, ValueError):
            raise ValidationError(f"Give the {what} in base64url.") from None
        if len(raw) != length or (first is not None and raw[0] != first):
            raise ValidationError(f"Give the {what} ({length} bytes, base64url).")
        if first is not None:
            try:
                ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw)
            except ValueError:
                raise ValidationError(f"Give a valid {what}.") from None
    return check


def key_field(length: int, what: str, first: int | None = None) -> fields.String:
    return fields.String(required=True, validate=[validate.Length(min=1, max=128), _key(length, what, first)],
                         error_messages={"required": REQUIRED, "null": REQUIRED, "invalid": "Give text."})


class SubscriptionKeysInput(InputSchema):
    p256dh = key_field(65, "P-256 public key", first=0x04)
    auth = key_field(16, "auth secret")


class SubscriptionInput(InputSchema):
    endpoint = fields.String(required=True, validate=validate.Length(min=1, max=2048),
                             error_messages={"required": REQUIRED, "null": REQUIRED, "invalid": "Give text."})
    keys = fields.Nested(SubscriptionKeysInput, required=True,
                         error_messages={"required": REQUIRED, "null": REQUIRED, "type": "Give an object."})
    # PushSubscription.toJSON() sends it (usually null); it is accepted and not kept.
    expirationTime = fields.Raw(load_default=None, allow_none=True)  # noqa: N815

    @validates("endpoint")
    def _endpoint(self, value: str, **_kwargs) -> None:
        from .endpoints import endpoint_problem

        problem = endpoint_problem(value)
        if problem:
            raise ValidationError(problem)


class UnsubscribeInput(InputSchema):
    endpoint = fields.String(required=True, validate=validate.Length(min=1, max=2048),
                             error_messages={"required": REQUIRED, "null": REQUIRED, "invalid": "Give text."})
