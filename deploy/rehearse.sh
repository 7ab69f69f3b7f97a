#!/usr/bin/env bash
# Run docs/deploy.md's recipe on this machine, unprivileged ports and a scratch folder instead of
# /opt, /etc and systemd: PostgreSQL, migrations, the first admin, gunicorn with deploy/gunicorn.conf.py,
# the sweeper, and nginx with deploy/nginx/continuity.conf and a self-signed certificate. Then check
# what a browser gets over https (Secure cookie, HSTS), that plain http is redirected, that /healthz
# reports a fresh sweep, and that a backup restores with an intact archive; stop everything.
#
#   DEPLOY_DATABASE_URL=postgresql+psycopg://postgres:postgres@127.0.0.1:5432/continuity_deploy deploy/rehearse.sh
#
# Needs nginx, openssl, curl and the PostgreSQL client tools; the database must exist and may be emptied.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${DEPLOY_DATABASE_URL:?set DEPLOY_DATABASE_URL to a PostgreSQL database this may empty}"
WEB_PORT=${WEB_PORT:-5131}
HTTP_PORT=${HTTP_PORT:-5132}
HTTPS_PORT=${HTTPS_PORT:-5133}
WORK=$(mktemp -d /tmp/continuity-rehearsal.XXXXXX)
VENV=.venv/bin
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  [ -f "$WORK/nginx.pid" ] && kill -QUIT "$(cat "$WORK/nginx.pid")" 2>/dev/null || true
  wait 2>/dev/null || true
}
trap cleanup EXIT
step() { printf '\n== %s\n' "$*"; }
check() { if eval "$2"; then echo "ok   $1"; else echo "FAIL $1"; exit 1; fi; }

step "environment ($WORK/continuity.env, as /etc/continuity/continuity.env)"
VAPID=$($VENV/python -c "from pwa.push.keys import generate_private_key; print(generate_private_key())")
cat > "$WORK/continuity.env" <<EOF
DATABASE_URL=$DEPLOY_DATABASE_URL
SECRET_KEY=$(python3 -c "import secrets; print(secrets.token_hex(32))")
VAPID_PRIVATE_KEY=$VAPID
VAPID_SUBJECT=mailto:it-operations@example.org
TRUSTED_PROXIES=1
REQUIRE_HTTPS=1
SESSION_COOKIE_SECURE=1
LOG_FORMAT=json
GUNICORN_BIND=127.0.0.1:$WEB_PORT
WEB_CONCURRENCY=2
EOF
set -a; . "$WORK/continuity.env"; set +a

step "database: migrate from empty, first admin, an integration token, the demo organisation"
$VENV/python - <<'EOF'
import os, sqlalchemy as sa
engine = sa.create_engine(os.environ["DATABASE_URL"])
with engine.begin() as conn:
    conn.execute(sa.text("DROP SCHEMA public CASCADE")); conn.execute(sa.text("CREATE SCHEMA public"))
EOF
$VENV/flask --app wsgi db upgrade 2>&1 | tail -1
$VENV/flask --app wsgi users create opsadmin --role admin --password 'rehearsal-admin-pass' --name "Administrator"
$VENV/flask --app wsgi tokens create ehr-feed --expires-days 90 >/dev/null
$VENV/flask --app wsgi tokens list
$VENV/flask --app wsgi demo | head -1   # a realistic organisation, so the backup below has an archive to verify

step "self-signed certificate"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj "/CN=localhost" \
  -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" -keyout "$WORK/privkey.pem" -out "$WORK/fullchain.pem" 2>/dev/null
echo "written $WORK/fullchain.pem"

step "processes: gunicorn (continuity-web.service), sweeper (continuity-sweeper.service), nginx"
$VENV/gunicorn -c deploy/gunicorn.conf.py wsgi:app >"$WORK/web.log" 2>&1 & pids+=($!)
$VENV/flask --app wsgi sweeper >"$WORK/sweeper.log" 2>&1 & pids+=($!)
sed -e "s#127.0.0.1:8000#127.0.0.1:$WEB_PORT#" \
    -e "s#listen 80;#listen $HTTP_PORT;#; s#listen \[::\]:80;##" \
    -e "s#listen 443 ssl#listen $HTTPS_PORT ssl#; s#listen \[::\]:443 ssl http2;##" \
    -e "s#https://\$host\$request_uri#https://\$host:$HTTPS_PORT\$request_uri#" \
    -e "s#continuity.example.org#localhost#" \
    -e "s#/etc/ssl/continuity#$WORK#" deploy/nginx/continuity.conf > "$WORK/continuity.conf"
cat > "$WORK/nginx.conf" <<EOF
worker_processes 1;
pid $WORK/nginx.pid;
error_log $WORK/nginx-error.log;
events { worker_connections 1024; }
http {
    access_log $WORK/nginx-access.log;
    client_body_temp_path $WORK/client_body; proxy_temp_path $WORK/proxy;
    fastcgi_temp_path $WORK/fastcgi; uwsgi_temp_path $WORK/uwsgi; scgi_temp_path $WORK/scgi;
    include $WORK/continuity.conf;
}
EOF
nginx -t -q -c "$WORK/nginx.conf"
nginx -c "$WORK/nginx.conf"
for _ in $(seq 1 60); do
  curl -sk -o /dev/null "https://localhost:$HTTPS_PORT/healthz" && break; sleep 1
done

step "checks over https"
for _ in $(seq 1 60); do
  code=$(curl -sk -o "$WORK/healthz.json" -w '%{http_code}' "https://localhost:$HTTPS_PORT/healthz"); [ "$code" = 200 ] && break; sleep 1
done
cat "$WORK/healthz.json"; echo
check "/healthz 200 with a sweep younger than 2 minutes" \
  "[ \$code = 200 ] && python3 -c 'import json,sys; sys.exit(json.load(open(\"$WORK/healthz.json\"))[\"sweep_age_seconds\"] >= 120)'"
curl -sk -D "$WORK/signin.headers" -o "$WORK/signin.json" -H 'Content-Type: application/json' \
  -H "Referer: https://localhost:$HTTPS_PORT/" \
  -d '{"username": "opsadmin", "password": "rehearsal-admin-pass"}' "https://localhost:$HTTPS_PORT/api/v1/session"
grep -iE '^(HTTP|set-cookie|strict-transport-security|x-request-id)' "$WORK/signin.headers"
check "sign-in over https: 200" "head -1 '$WORK/signin.headers' | grep -q ' 200'"
check "the session cookie is Secure and HttpOnly" "grep -i '^set-cookie:' '$WORK/signin.headers' | grep -q 'Secure; HttpOnly'"
check "HSTS is sent" "grep -qi '^strict-transport-security: max-age=31536000; includeSubDomains' '$WORK/signin.headers'"
request_id=$(grep -i '^x-request-id:' "$WORK/signin.headers" | tr -d '\r' | awk '{print $2}')
check "nginx's request id reaches the app's JSON log line" \
  "grep -F '\"request_id\": \"$request_id\"' '$WORK/web.log' | grep -q '\"route\": \"/api/v1/session\"'"
check "the logs carry no password" "! grep -q 'rehearsal-admin-pass' '$WORK/web.log'"
code=$(curl -s -o /dev/null -D "$WORK/http.headers" -w '%{http_code}' "http://localhost:$HTTP_PORT/recovery")
check "plain http is redirected to https" "[ $code = 301 ] && grep -qi '^location: https://localhost:$HTTPS_PORT/recovery' '$WORK/http.headers'"
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$WEB_PORT/api/v1/session" \
  -H 'Content-Type: application/json' -d '{"username": "opsadmin", "password": "rehearsal-admin-pass"}')
check "a plain-http sign-in that skips the proxy is refused" "[ $code = 403 ]"

step "backup and restore (pg_dump / pg_restore), archive verified"
$VENV/flask --app wsgi backup "$WORK/continuity.dump"
for pid in "${pids[@]}"; do kill -TERM "$pid"; wait "$pid" 2>/dev/null || true; done  # web and sweeper stop
pids=()
$VENV/flask --app wsgi restore "$WORK/continuity.dump" --yes

step "logs: JSON lines from the web and the sweeper"
grep -m2 '"continuity.request"' "$WORK/web.log"
head -3 "$WORK/sweeper.log"
echo
echo "rehearsal passed; files in $WORK"
