"""Behind a reverse proxy: X-Forwarded-* believed only from the configured number of proxies, Secure
cookies and HSTS on https, plain http redirected or refused in production; and one JSON log line per
request with its id, user, route, status and duration, and nothing personal."""
import json
import logging

import pytest

from conftest import PASSWORD

HTTPS = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9", "X-Forwarded-Host": "continuity.test"}


@pytest.fixture
def production(app):
    """Another app on the same database, configured as docs/deploy.md runs it: one proxy, https only."""
    from pwa import create_app

    return create_app({**{k: app.config[k] for k in ("SQLALCHEMY_DATABASE_URI", "SECRET_KEY", "ARGON2_PARAMS",
                                                        "SERVER_NAME", "VAPID_PRIVATE_KEY")},
                       "TESTING": True, "TRUSTED_PROXIES": 1, "REQUIRE_HTTPS": True})


def sign_in(client, **kwargs):
    return client.post("/api/v1/session", json={"username": "cora", "password": PASSWORD}, **kwargs)


def cookie_header(response) -> str:
    [cookie] = response.headers.getlist("Set-Cookie")
    return cookie


def test_over_https_through_the_proxy_cookies_are_secure_and_hsts_is_sent(production, auth):
    auth.user("cora", "coordinator")
    client = production.test_client()
    response = sign_in(client, headers=HTTPS)
    assert response.status_code == 200
    assert "; Secure" in cookie_header(response) and "HttpOnly" in cookie_header(response)
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    page = client.get("/", headers=HTTPS)
    assert page.headers["Strict-Transport-Security"].startswith("max-age=")


def test_plain_http_in_production_is_redirected_or_refused(production, auth):
    auth.user("cora", "coordinator")
    client = production.test_client()
    page = client.get("/recovery?x=1")
    assert page.status_code == 308
    assert page.headers["Location"] == "https://continuity.test/recovery?x=1"
    assert "Strict-Transport-Security" not in page.headers
    refused = sign_in(client)
    assert refused.status_code == 403
    assert "Set-Cookie" not in refused.headers
    # The proxy's own health check comes over plain http.
    assert client.get("/healthz").status_code in (200, 503)


def test_forwarded_headers_are_ignored_without_a_trusted_proxy(app, auth):
    """The default (no proxy configured): a client cannot claim https for itself."""
    auth.user("cora", "coordinator")
    response = sign_in(app.test_client(), headers=HTTPS)
    assert response.status_code == 200
    assert "Secure" not in cookie_header(response)
    assert "Strict-Transport-Security" not in response.headers


def test_only_the_configured_number_of_proxies_is_believed(production, auth):
    """With one trusted proxy, the client's own X-Forwarded-Proto (the first of two) does not count."""
    auth.user("cora", "coordinator")
    spoofed = {"X-Forwarded-Proto": "https, http"}
    response = production.test_client().get("/", headers=spoofed)
    assert response.status_code == 308


def test_each_request_is_one_json_line_with_ids_route_status_and_duration(app, auth, factory, capfd, now):
    auth.user("cora", "coordinator")
    ref = factory.case(ref="C-SECRET-NAME")
    auth.login("cora")
    capfd.readouterr()
    auth.client.get(f"/archive/cases?q={ref}", headers={"X-Request-ID": "req-42"})
    response = auth.get("/today", headers={"X-Request-ID": "req-43"})
    bad_id = auth.get("/today", headers={"X-Request-ID": 'not ok {"forged": 1}'})
    err = capfd.readouterr().err
    lines = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    requests = [line for line in lines if line["logger"] == "continuity.request"]
    [today] = [line for line in requests if line["request_id"] == "req-43"]
    assert today["route"] == "/today" and today["method"] == "GET"
    assert today["status"] == response.status_code
    assert today["user_id"] == auth.users["cora"]
    assert isinstance(today["duration_ms"], float) and today["level"] == "INFO" and "time" in today
    assert response.headers["X-Request-ID"] == "req-43"
    generated = bad_id.headers["X-Request-ID"]
    assert len(generated) == 32 and generated in {line["request_id"] for line in requests}
    assert "forged" not in err
    # Routes, not paths with their query strings: no case reference or name reaches the log.
    assert "C-SECRET-NAME" not in err and "Person" not in err


def test_a_failed_sign_in_is_logged_without_the_password(app, auth, capfd):
    auth.user("cora", "coordinator")
    capfd.readouterr()
    app.test_client().post("/api/v1/session", json={"username": "cora", "password": "wrong-password-123"})
    err = capfd.readouterr().err
    assert "wrong-password-123" not in err
    [failure] = [json.loads(line) for line in err.splitlines()
                 if line.startswith("{") and "sign-in failed" in line]
    assert failure["level"] == "WARNING" and failure["logger"] == "continuity.accounts"
    assert [json.loads(line)["status"] for line in err.splitlines()
            if line.startswith("{") and '"continuity.request"' in line] == [401]


def test_text_logs_when_asked(app):
    from pwa.logging_setup import _formatter

    record = logging.LogRecord("continuity.x", logging.INFO, __file__, 1, "hello %s", ("world",), None)
    assert _formatter("text").format(record).endswith("INFO continuity.x: hello world")
    assert json.loads(_formatter("json").format(record))["message"] == "hello world"
