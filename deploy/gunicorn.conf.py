"""gunicorn settings for Continuity's web process (`gunicorn -c deploy/gunicorn.conf.py wsgi:app`).

Every value can be overridden by the environment variable named beside it. The figures behind the
choices are in bench/README.md (bench/load.py).
"""
import multiprocessing
import os


def _env(name: str, default):
    value = os.environ.get(name)
    return type(default)(value) if value not in (None, "") else default


bind = _env("GUNICORN_BIND", "127.0.0.1:8000")
# Threads serve the phones' sync bursts and slow mobile uploads without a process each; a few
# processes use the cores. Sessions live in the database, so any worker serves any request.
worker_class = "gthread"
workers = _env("WEB_CONCURRENCY", min(2 * multiprocessing.cpu_count(), 8))
threads = _env("GUNICORN_THREADS", 4)
# Idle keep-alive connections are held longer than the reverse proxy keeps its upstream connections
# (nginx: keepalive_timeout 60s in deploy/nginx/continuity.conf). gunicorn's default of 2 s closes a
# connection just as a client reuses it, which drops that request with nothing in the server's log.
keepalive = _env("GUNICORN_KEEPALIVE", 75)
# A request that takes longer than this is stuck: the worker is restarted (the sweep does not run here).
timeout = _env("GUNICORN_TIMEOUT", 30)
graceful_timeout = _env("GUNICORN_GRACEFUL_TIMEOUT", 30)
# Bound each process's memory over weeks of uptime: a worker is replaced after this many requests.
max_requests = _env("GUNICORN_MAX_REQUESTS", 5000)
max_requests_jitter = _env("GUNICORN_MAX_REQUESTS_JITTER", 500)
backlog = 2048
# Forwarded headers are the app's business (ProxyFix, TRUSTED_PROXIES): gunicorn believes none itself.
forwarded_allow_ips = ""
# The app writes one JSON line per request (pwa/logging_setup.py); gunicorn's own lines go to stderr.
accesslog = None
errorlog = "-"
loglevel = _env("GUNICORN_LOGLEVEL", "info")
proc_name = "continuity-web"
# No runtime control socket: its default path is shared by every instance on a host, and systemd
# (or compose) already starts, reloads and stops the process.
control_socket_disable = True
