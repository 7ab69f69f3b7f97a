"""The sign-in session of the JSON API: sign in, who is signed in (with a fresh CSRF token), sign out."""
from flask import jsonify, request
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from ..accounts import signin
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
    """Sign in with a username, password and, for users enrolled in TOTP, `otp`. JSON only: a form or
    text/plain post is refused (415), so another site cannot sign a browser in (login CSRF).
    ---
    post:
      tags: [session]
      summary: Sign in; sets the session cookie and returns a CSRF token
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [username, password]
              properties:
                username: {type: string}
                password: {type: string}
                otp: {type: string, description: "TOTP code (6 digits) or a recovery code"}
      responses:
        200: {content: {application/json: {schema: SessionOut}}}
        401: {description: "Wrong username, password or code; `mfa_required: true` when a code is needed",
              content: {application/json: {schema: ErrorOut}}}
        415: {content: {application/json: {schema: ErrorOut}}}
        422: {content: {application/json: {schema: ErrorOut}}}
        429: {description: "Too many failed sign-ins; Retry-After says when to try again",
              headers: {Retry-After: {schema: {type: integer}}},
              content: {application/json: {schema: ErrorOut}}}
    """
    if request.mimetype != "application/json":
        return jsonify(error="unsupported media type",
                       errors={"_schema": ["Send the sign-in as application/json."]}), 415
    body = json_body()
    username, password, otp = body.get("username"), body.get("password"), body.get("otp")
    errors = {k: ["Give text."] for k, v in (("username", username), ("password", password)) if not isinstance(v, str)}
    if otp is not None and not isinstance(otp, str):
        errors["otp"] = ["Give the code as text."]
    errors.update({k: ["Unknown field."] for k in sorted(set(body) - {"username", "password", "otp"})})
    if errors:
        raise InvalidInput(errors)
    with transaction():  # a failed attempt is recorded too
        outcome = signin.attempt(username[:80], password[:1000], request.remote_addr or "-",
                                 otp[:40] if otp else None)
        if outcome.status == "ok":
            sign_in_user(outcome.user)
    return session_answer(outcome)


def session_answer(outcome):
    """The JSON answer to a sign-in attempt (API.md: 401 with mfa_required, 429 with Retry-After)."""
    if outcome.status == "ok":
        return jsonify(user=UserOut().dump(outcome.user), csrf_token=generate_csrf())
    if outcome.status == "locked":
        seconds = outcome.locked.retry_after
        response = jsonify(error="too many failed sign-ins", retry_after=seconds, errors={
            "_schema": [f"Too many failed sign-ins. Try again in {-(-seconds // 60)} minutes."]})
        response.status_code, response.headers["Retry-After"] = 429, str(seconds)
        return response
    if outcome.status == "failed":
        return jsonify(error="sign-in failed", errors={"password": ["Username and password do not match."]}), 401
    messages = {"mfa_required": "Give the code from your authenticator app.",
                "otp_failed": "That code is wrong or was used already.",
                "enrolment_required": "Your role needs a second factor: sign in on the screen once to enrol."}
    return jsonify(error="second factor needed", mfa_required=True,
                   enrolment_required=outcome.status == "enrolment_required",
                   errors={"otp": [messages[outcome.status]]}), 401


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
