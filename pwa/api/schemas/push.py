"""Web push: the public key and subscribed devices."""
from marshmallow import Schema, fields


class PushPublicKeyOut(Schema):
    public_key = fields.String(metadata={"description": "base64url uncompressed P-256 point"})


class PushSubscriptionOut(Schema):
    """A subscribed device: never its keys."""
    id = fields.Integer()
    device = fields.String(attribute="user_agent")
    created_at = fields.DateTime()
    last_success_at = fields.DateTime()
