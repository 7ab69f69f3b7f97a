"""The sign-in session of the JSON API: sign in, who is signed in (with a fresh CSRF token), sign out."""
from flask import jsonify
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from ..accounts.operations import authenticate
from ..accounts.signin import sign_in_user, sign_out_user
from ..errors import InvalidInput
from ..security import requires
from ..transaction import transaction
from .blueprint import bp, json_body
from .schemas import UserOut


def _session_payload():
    return {"user": UserOut().dump(current_user), "csrf_token": generate_csrf()}


@bp.post("/session")
def create_session():
    """Sign in with a username and password.
    ---
    post:
      tags: [session]
      summary: Sign in; sets the session cookie and returns a CSRF token
      requestBody:
        content:
          application/json:
            schema:
              type: object
              required: [username, password]
              properties: {username: {type: string}, password: {type: string}}
      responses:
        200: {content: {application/json: {schema: SessionOut}}}
        401: {content: {application/json: {schema: ErrorOut}}}
        422: {content: {application/json: {schema: ErrorOut}}}
    """
    body = json_body()
    username, password = body.get("username"), body.get("password")
    errors = {k: ["Give text."] for k, v in (("username", username), ("password", password)) if not isinstance(v, str)}
    errors.update({k: ["Unknown field."] for k in sorted(set(body) - {"username", "password"})})
    if errors:
        raise InvalidInput(errors)
    with transaction():  # a failed attempt is recorded too
        user = authenticate(username[:80], password[:1000])
        if user is not None:
            sign_in_user(user)
    if user is None:
        return jsonify(error="sign-in failed", errors={"password": ["Username and password do not match."]}), 401
    return jsonify(user=UserOut().dump(user), csrf_token=generate_csrf())


@bp.get("/session")
@requires()
def read_session():
    """The signed-in user and a fresh CSRF token (the service worker asks before each sync).
    ---
    get:
      tags: [session]
      responses:
        200: {content: {application/json: {schema: SessionOut}}}
        401: {content: {application/json: {schema: ErrorOut}}}
    """
    return jsonify(_session_payload())


@bp.delete("/session")
@requires()
def delete_session():
    """Sign out: the server-side session ends, so any copy of the cookie stops working.
    ---
    delete:
      tags: [session]
      responses:
        204: {description: Signed out}
    """
    with transaction():
        sign_out_user()
    return "", 204
