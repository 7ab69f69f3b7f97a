"""Load on gunicorn over PostgreSQL with locust (pip install -e '.[bench]'); bounded in time and users.

    BENCH_DATABASE_URL=postgresql+psycopg://postgres:postgres@127.0.0.1:5432/continuity_bench \
        .venv/bin/python bench/load.py [--history 25] [--seconds 60] [--users 50] [--phones 200]

It empties that database, migrates it, builds the organisation of bench/world.py (and with --history N,
N finished cases of 8 attempts per worker spread over the past year: 500 gives 200,000 attempts), starts
gunicorn with deploy/gunicorn.conf.py, and runs two phases:

1. `--users` outreach workers (each signed in as their own user) for `--seconds`, with 1-3 s between
   requests: My day, a case page and, one request in five, an attempt posted through the API; beside
   them a few users fetch a static file (the stylesheet), the baseline.
2. A sync burst: `--phones` phones (4 per worker) sign in, then all send a batch of 5 attempts at the
   same moment, then all replay the same batch.

Each phase measures from the moment every user has signed in (the sign-ins, argon2id at production
cost, are not counted). It prints per-request figures (count, errors, median, p95), the ratio of My day's p95 to the static
file's, and for the burst: entries created and duplicates as answered, attempts counted in the
database, 5xx answers and dropped connections (requests with no answer at all).
"""
from gevent import monkey

monkey.patch_all()

import argparse  # noqa: E402
import itertools  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import socket  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from datetime import UTC, datetime  # noqa: E402
from pathlib import Path  # noqa: E402

import gevent  # noqa: E402
import sqlalchemy as sa  # noqa: E402
from gevent.event import Event  # noqa: E402
from locust import HttpUser, between, constant, task  # noqa: E402
from locust.env import Environment  # noqa: E402
from locust.exception import StopUser  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]
import world as bench_world  # noqa: E402

WORLD: dict = {}


def now_iso() -> str:
    return datetime.now(UTC).isoformat()


class OutreachWorker(HttpUser):
    """One outreach worker on a phone: My day, a case, and one request in five logs an attempt."""

    wait_time = between(1, 3)
    logins = itertools.count()

    def on_start(self):
        self.client.verify = False  # the self-signed certificate of --nginx
        me = WORLD["workers"][next(self.logins) % len(WORLD["workers"])]
        self.cases = me["cases"]
        answer = self.client.post("/api/v1/session", json={"username": me["username"], "password": bench_world.PASSWORD},
                                  name="sign in").json()
        self.client.headers["X-CSRFToken"] = answer["csrf_token"]
        self.client.headers["Referer"] = self.host + "/"  # as a browser sends it (CSRF over https checks it)

    @task(2)
    def my_day(self):
        self.client.get("/recovery", name="My day")

    @task(2)
    def case_page(self):
        self.client.get(f"/recovery/{random.choice(self.cases)}", name="case page")

    @task(1)
    def log_attempt(self):
        body = {**bench_world.attempt_body(datetime.now(UTC)), "client_id": str(uuid.uuid4())}
        self.client.post(f"/api/v1/recovery-cases/{random.choice(self.cases)}/attempts", json=body,
                         name="post attempt")


class StaticReader(HttpUser):
    """The baseline in the same run: a static file served by the same gunicorn."""

    wait_time = between(1, 3)

    def on_start(self):
        self.client.verify = False

    @task
    def stylesheet(self):
        self.client.get("/static/css/app.css", name="static file")


class Phone(HttpUser):
    """A phone that sends one batch of 5 attempts when the burst starts, then replays it."""

    wait_time = constant(0)
    logins = itertools.count()
    ready: list = []
    errors: list = []
    go = Event()
    replay = Event()
    results: dict = {phase: {"created": 0, "duplicate": 0, "other": 0, "5xx": 0, "dropped": 0, "done": 0}
                     for phase in ("wave", "replay")}

    def on_start(self):
        self.client.verify = False
        n = next(self.logins)
        me = WORLD["workers"][n % len(WORLD["workers"])]
        answer = self.client.post("/api/v1/session", json={"username": me["username"], "password": bench_world.PASSWORD},
                                  name="sign in").json()
        self.client.headers["X-CSRFToken"] = answer["csrf_token"]
        self.client.headers["Referer"] = self.host + "/"  # as a browser sends it (CSRF over https checks it)
        case = me["cases"][n % len(me["cases"])]
        at = datetime.now(UTC)
        self.batch = {"device_id": f"phone-{n}", "sent_at": now_iso(), "entries": [
            {"client_id": str(uuid.uuid4()), "kind": "attempt", "recovery_case_id": case,
             "recorded_at": at.isoformat(), "payload": bench_world.attempt_body(at)} for _ in range(5)]}
        Phone.ready.append(self)

    def _send(self, name: str, phase: str) -> None:
        counts = Phone.results[phase]
        self.batch["sent_at"] = now_iso()
        try:
            with self.client.post("/api/v1/sync", json=self.batch, name=name, catch_response=True) as response:
                if response.status_code == 0:  # no answer at all: the connection dropped
                    counts["dropped"] += 1
                    Phone.errors.append(repr(response.error)[:200])
                    response.failure("dropped")
                elif response.status_code >= 500:
                    counts["5xx"] += 1
                    response.failure(f"{response.status_code}")
                elif response.status_code != 200:
                    counts["other"] += 5
                    response.failure(f"{response.status_code}")
                else:
                    for result in response.json()["results"]:
                        counts[result["status"] if result["status"] in ("created", "duplicate") else "other"] += 1
        except OSError:  # the connection failed outside locust's own handling
            counts["dropped"] += 1
        counts["done"] += 1

    @task
    def burst(self):
        Phone.go.wait()
        self._send("sync batch", "wave")
        Phone.replay.wait()
        self._send("sync replay", "replay")
        raise StopUser()  # one batch and its replay per phone


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare(url: str, history: int, workers: int, cases: int) -> None:
    env = {**os.environ, "DATABASE_URL": url}
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))
    subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"], cwd=ROOT, env=env, check=True,
                   capture_output=True)
    os.environ["DATABASE_URL"] = url
    from pwa import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "LOG_LEVEL": "WARNING"})
    with app.app_context():
        WORLD.update(bench_world.build(workers, cases))
    if history:
        started = time.monotonic()
        with engine.begin() as conn:
            written = bench_world.add_history(conn, WORLD["templates"], history)
        print(f"history: {written} attempts on {history * len(WORLD['templates'])} finished cases "
              f"written in {time.monotonic() - started:.0f} s")
    with engine.connect() as conn:
        total = conn.scalar(sa.text("SELECT count(*) FROM recovery_attempts"))
    print(f"database: {total} attempts, {workers} workers with {cases} open cases each")
    engine.dispose()


def start_gunicorn(url: str, port: int, behind_proxy: bool, log: Path) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": url, "GUNICORN_BIND": f"127.0.0.1:{port}", "LOG_LEVEL": "WARNING",
           "SECRET_KEY": "bench-secret-key"}
    if behind_proxy:
        env.update(TRUSTED_PROXIES="1", REQUIRE_HTTPS="1")
    process = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "wsgi:app"],
                               cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log.open("w"), text=True)
    import requests

    for _ in range(120):
        try:
            requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
            return process
        except requests.RequestException:
            time.sleep(0.5)
    process.kill()
    raise SystemExit("gunicorn did not start: " + log.read_text())


def start_nginx(web_port: int) -> tuple[str, callable]:
    """nginx in front of gunicorn, as docs/deploy.md runs it: deploy/nginx/continuity.conf with a self-signed
    certificate in a scratch folder (ports, paths and server name changed as deploy/rehearse.sh does)."""
    import re
    import tempfile

    work = Path(tempfile.mkdtemp(prefix="continuity-bench-nginx."))
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                    "-days", "2", "-subj", "/CN=localhost", "-keyout", str(work / "privkey.pem"),
                    "-out", str(work / "fullchain.pem")], check=True, capture_output=True)
    http_port, https_port = free_port(), free_port()
    conf = (ROOT / "deploy/nginx/continuity.conf").read_text()
    conf = conf.replace("127.0.0.1:8000", f"127.0.0.1:{web_port}").replace("/etc/ssl/continuity", str(work))
    conf = conf.replace("continuity.example.org", "localhost")
    conf = re.sub(r"listen \[::\]:\d+[^;]*;", "", conf)
    conf = conf.replace("listen 80;", f"listen {http_port};").replace("listen 443 ssl", f"listen {https_port} ssl")
    (work / "continuity.conf").write_text(conf)
    temp = " ".join(f"{kind}_temp_path {work / kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    (work / "nginx.conf").write_text(
        f"worker_processes 1; pid {work / 'nginx.pid'}; error_log {work / 'error.log'};\n"
        f"events {{ worker_connections 4096; }}\n"
        f"http {{ access_log off; {temp} include {work / 'continuity.conf'}; }}\n")
    subprocess.run(["nginx", "-c", str(work / "nginx.conf")], check=True)

    def stop():
        subprocess.run(["nginx", "-c", str(work / "nginx.conf"), "-s", "quit"], check=False)

    return f"https://localhost:{https_port}", stop


def row(stats, name: str, method: str) -> str:
    entry = stats.get(name, method)
    return (f"{name:<14} {entry.num_requests:>7} {entry.num_failures:>6} {entry.median_response_time:>8.0f} "
            f"{entry.get_response_time_percentile(0.95):>8.0f}")


def run_workers(host: str, users: int, seconds: int) -> None:
    statics = max(2, users // 10)
    env = Environment(user_classes=[OutreachWorker, StaticReader], host=host)
    runner = env.create_local_runner()
    OutreachWorker.fixed_count, StaticReader.fixed_count = users, statics
    runner.start(users + statics, spawn_rate=users + statics)
    # Measure the steady state: every worker signed in (argon2 at production cost) and 5 s of warm-up.
    while env.stats.get("sign in", "POST").num_requests < users:
        gevent.sleep(0.2)
    gevent.sleep(5)
    env.stats.reset_all()
    gevent.sleep(seconds)
    runner.quit()
    stats = env.stats
    print(f"\n1. {users} outreach workers and {statics} static readers for {seconds} s")
    print(f"{'request':<14} {'count':>7} {'errors':>6} {'median':>8} {'p95 ms':>8}")
    for name, method in (("My day", "GET"), ("case page", "GET"), ("post attempt", "POST"), ("static file", "GET")):
        print(row(stats, name, method))
    day, static = stats.get("My day", "GET"), stats.get("static file", "GET")
    ratio = day.get_response_time_percentile(0.95) / max(1, static.get_response_time_percentile(0.95))
    print(f"My day p95 / static p95 = {ratio:.1f}x; errors in all: {stats.total.num_failures}")


def run_burst(host: str, url: str, phones: int) -> None:
    engine = sa.create_engine(url)

    env = Environment(user_classes=[Phone], host=host)
    runner = env.create_local_runner()
    runner.start(phones, spawn_rate=phones)
    signing_in = time.monotonic()
    while len(Phone.ready) < phones:
        gevent.sleep(0.2)
    signed_in = time.monotonic() - signing_in
    started = time.monotonic()
    Phone.go.set()
    while Phone.results["wave"]["done"] < phones:
        gevent.sleep(0.05)
    elapsed = time.monotonic() - started
    Phone.replay.set()
    while Phone.results["replay"]["done"] < phones:
        gevent.sleep(0.05)
    runner.quit()
    with engine.connect() as conn:  # the burst's own entries: their device ids are the phones'
        stored = conn.scalar(sa.text("SELECT count(*) FROM recovery_attempts WHERE device_id LIKE 'phone-%'"))
    engine.dispose()
    wave, replay, stats = Phone.results["wave"], Phone.results["replay"], env.stats
    print(f"\n2. sync burst: {phones} phones x 5 entries at once, then the same batches replayed "
          f"(the phones' sign-ins took {signed_in:.0f} s before it)")
    print(f"{'request':<14} {'count':>7} {'errors':>6} {'median':>8} {'p95 ms':>8}")
    for name in ("sync batch", "sync replay"):
        print(row(stats, name, "POST"))
    print(f"wave (answered in {elapsed:.1f} s): created {wave['created']}, duplicate {wave['duplicate']}, "
          f"other {wave['other']}, 5xx {wave['5xx']}, dropped connections {wave['dropped']}")
    print(f"replay: created {replay['created']}, duplicate {replay['duplicate']}, other {replay['other']}, "
          f"5xx {replay['5xx']}, dropped connections {replay['dropped']}")
    print(f"attempts stored (counted in the database): {stored} of {phones * 5}; lost: {phones * 5 - stored}")
    for error, n in sorted({e: Phone.errors.count(e) for e in Phone.errors}.items(), key=lambda item: -item[1]):
        print(f"  dropped: {n} x {error}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--history", type=int, default=0, help="finished cases per worker over the past year")
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--phones", type=int, default=200)
    parser.add_argument("--cases", type=int, default=3, help="open cases per worker")
    parser.add_argument("--nginx", action="store_true",
                        help="through nginx with TLS as docs/deploy.md deploys it (else straight to gunicorn)")
    args = parser.parse_args()
    url = os.environ.get("BENCH_DATABASE_URL")
    if not url or not url.startswith("postgresql"):
        raise SystemExit("set BENCH_DATABASE_URL to a PostgreSQL database this may empty")
    prepare(url, args.history, args.users, args.cases)
    port = free_port()
    log = Path(os.environ.get("TMPDIR", "/tmp")) / f"continuity-bench-gunicorn-{port}.log"
    server = start_gunicorn(url, port, args.nginx, log)
    stop_proxy = None
    try:
        host = f"http://127.0.0.1:{port}"
        if args.nginx:
            import urllib3

            urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
            host, stop_proxy = start_nginx(port)
        print(f"gunicorn: deploy/gunicorn.conf.py, {os.environ.get('WEB_CONCURRENCY', 'default')} workers, "
              f"{os.environ.get('GUNICORN_THREADS', 4)} threads, keep-alive {os.environ.get('GUNICORN_KEEPALIVE', 75)} s"
              f"{'; through nginx (deploy/nginx/continuity.conf) over https' if args.nginx else '; clients straight to gunicorn'}")
        run_workers(host, args.users, args.seconds)
        run_burst(host, url, args.phones)
    finally:
        if stop_proxy:
            stop_proxy()
        server.terminate()
        server.wait(30)
    timeouts = log.read_text().count("WORKER TIMEOUT")
    print(f"gunicorn log ({log}): {timeouts} worker timeouts")


if __name__ == "__main__":
    main()
