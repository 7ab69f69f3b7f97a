"""Web push: the VAPID public key and this device's subscription (any signed-in user)."""
from flask import jsonify, request, session
from flask_login import current_user

from ..errors import NotFound
from ..push import keys
from ..push.operations import session_record, subscribe_device, unsubscribe_device
from ..security import requires
from ..transaction import transaction
from .blueprint import bp, committed, json_body
from .schemas import PushSubscriptionOut


@bp.get("/push/public-key")
@requires()
def push_public_key():
    """The VAPID public key to pass as applicationServerKey to pushManager.subscribe().
    ---
    get:
      tags: [push]
      responses:
        200: {content: {application/json: {schema: PushPublicKeyOut}}}
        401: {content: {application/json: {schema: ErrorOut}}}
        404: {content: {application/json: {schema: ErrorOut}}}
    """
    public = keys.public_key()
    if not public:
        raise NotFound("push alerts are not configured on this server")
    return jsonify(public_key=public)


@bp.post("/push/subscriptions")
@requires()
def push_subscribe():
    """Subscribe this device (the body is PushSubscription.toJSON()); signing out here removes it.
    ---
    post:
      tags: [push]
      requestBody: {content: {application/json: {schema: SubscriptionInput}}}
      responses:
        201: {content: {application/json: {schema: PushSubscriptionOut}}}
        401: {content: {application/json: {schema: ErrorOut}}}
        409: {description: "The endpoint is another user's subscription", content: {application/json: {schema: ErrorOut}}}
        422: {content: {application/json: {schema: ErrorOut}}}
    """
    return committed(lambda: PushSubscriptionOut().dump(subscribe_device(
        json_body(), user=current_user, sign_in_session=session_record(session.get("sid")),
        user_agent=request.headers.get("User-Agent"))), 201)


@bp.delete("/push/subscriptions")
@requires()
def push_unsubscribe():
    """Remove one of your subscriptions by its endpoint.
    ---
    delete:
      tags: [push]
      requestBody: {content: {application/json: {schema: UnsubscribeInput}}}
      responses:
        204: {description: Removed}
        401: {content: {application/json: {schema: ErrorOut}}}
        404: {content: {application/json: {schema: ErrorOut}}}
        422: {content: {application/json: {schema: ErrorOut}}}
    """
    with transaction():
        unsubscribe_device(json_body(), user=current_user)
    return "", 204
