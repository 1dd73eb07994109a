"""The production deployment, for real: two gunicorn instances (``gunicorn.conf.py``, two
sync workers each) on one PostgreSQL and one Redis, talked to over plain HTTP.

What one instance writes, revokes or counts, the other sees: users and posts (the
database), a JWT logged out and an opaque token deleted (revocation), rate-limit budgets
(Redis); and /metrics of one instance adds up the requests of all its workers
(Prometheus multiprocess mode, set up by gunicorn.conf.py). Then nginx in front of both,
with deploy/nginx.conf, when nginx is installed (skipped otherwise, CI included).

PostgreSQL and Redis come from the session fixtures in tests/conftest.py: missing binaries
skip this module locally and fail it under CI=true."""

from __future__ import annotations

import base64
import contextlib
import itertools
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
import redis

from tests import pg
from tests.integration.live import call, free_port, fresh_window, migrate

ROOT = Path(__file__).resolve().parents[2]
NGINX_CONF = ROOT / "deploy" / "nginx.conf"

CONFIG = ROOT / "gunicorn.conf.py"
APP = "microblog:create_app()"
RATE_LIMIT = 10  # RATELIMIT_DEFAULT for both instances: per client address, per route
PASSWORD = "correct horse battery"
START_TIMEOUT = 30.0
STOP_TIMEOUT = 15.0


def basic(username: str, password: str) -> dict[str, str]:
    raw = base64.b64encode(f"{username}:{password}".encode()).decode()
    return {"Authorization": f"Basic {raw}"}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@dataclass
class Instance:
    name: str
    base: str
    process: subprocess.Popen[bytes]
    log: Path
    metrics_dir: Path | None = None

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-4000:] if self.log.exists() else ""


@dataclass
class Deployment:
    a: Instance
    b: Instance
    users: list[str] = field(default_factory=list)

    def register(self, instance: Instance, prefix: str) -> dict[str, Any]:
        username = f"{prefix}{len(self.users)}"
        self.users.append(username)
        reply = call(
            instance.base,
            "POST",
            "/api/v1/users",
            json={"username": username, "email": f"{username}@example.com", "password": PASSWORD},
        )
        assert reply.status == 201, (reply.status, reply.body, instance.tail())
        user: dict[str, Any] = reply.json()
        return user


def wait_until_up(instance: Instance) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        if instance.process.poll() is not None:
            pytest.fail(f"gunicorn {instance.name} exited during start-up:\n{instance.tail()}")
        try:
            if call(instance.base, "GET", "/healthz", timeout=1).status == 200:
                return
        except OSError:
            pass
        if time.monotonic() > deadline:
            pytest.fail(f"gunicorn {instance.name} did not answer in {START_TIMEOUT} s:\n"
                        f"{instance.tail()}")  # fmt: skip
        time.sleep(0.1)


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the master (graceful: it stops its workers), SIGKILL to the whole process
    group (it was started in a session of its own) if that takes too long."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)
    # Workers orphaned by a master that died first would still be in its process group.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)


def start_gunicorn(
    name: str, env: dict[str, str], workdir: Path, metrics_dir: Path | None = None
) -> Instance:
    """gunicorn with the shipped gunicorn.conf.py, two workers on a free loopback port,
    in a session of its own (see ``stop``), its output in ``workdir/gunicorn-<name>.log``."""
    port = free_port()
    log = workdir / f"gunicorn-{name}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", str(CONFIG), "-w", "2",
             "-b", f"127.0.0.1:{port}", APP],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    return Instance(name, f"http://127.0.0.1:{port}", process, log, metrics_dir)


def production_environment(workdir: Path, database_url: str) -> dict[str, str]:
    """This process's environment without any setting of ours, then production on
    ``database_url`` with a fresh secret (one deployment: one key for every instance)."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PROMETHEUS_", "RATELIMIT_", "GUNICORN_", "MICROBLOG_"))
        and key not in ("REDIS_URL", "DATABASE_URL", "SECRET_KEY", "WEB_CONCURRENCY", "PORT")
    }
    env.update(
        MICROBLOG_ENV="production",
        MICROBLOG_INSTANCE=str(workdir / "instance"),
        SECRET_KEY=secrets.token_urlsafe(32),
        DATABASE_URL=database_url,
    )
    return env


def deployment_environment(
    postgres_server: str, redis_server: str, workdir: Path
) -> dict[str, str]:
    """The production settings both instances share, on a fresh database and Redis db."""
    database_url = pg.create_database(postgres_server, "microblog_multi_instance")
    # A Redis database of its own on that server, empty: rate-limit counts start at zero.
    redis_url = urlunsplit(urlsplit(redis_server)._replace(path="/7"))
    client = redis.Redis.from_url(redis_url)
    client.flushdb()
    client.close()
    env = production_environment(workdir, database_url)
    env.update(
        REDIS_URL=redis_url,
        RATELIMIT_DEFAULT=f"{RATE_LIMIT} per minute",
        LOG_FORMAT="json",
        # As behind deploy/nginx.conf (the nginx tests); requests sent straight to an
        # instance carry no X-Forwarded-* header, so nothing changes for them.
        TRUSTED_PROXIES="1",
        # The name clients use (here the loopback address nginx and the tests listen on).
        TRUSTED_HOSTS="127.0.0.1",
    )
    return env


@pytest.fixture(scope="module")
def deployment(postgres_server: str, redis_server: str) -> Iterator[Deployment]:
    workdir = Path(tempfile.mkdtemp(prefix="microblog-deploy-"))
    instances: list[Instance] = []
    try:
        env = deployment_environment(postgres_server, redis_server, workdir)
        migrate(env)
        for name in ("a", "b"):
            instance_env = dict(env)
            metrics_dir = None
            if name == "b":
                # B is given a metrics directory, A makes its own (gunicorn.conf.py).
                metrics_dir = workdir / "metrics-b"
                metrics_dir.mkdir()
                (metrics_dir / "counter_1.db").write_bytes(b"left over from a previous run")
                instance_env["PROMETHEUS_MULTIPROC_DIR"] = str(metrics_dir)
            instances.append(start_gunicorn(name, instance_env, workdir, metrics_dir))
        for instance in instances:
            wait_until_up(instance)
        yield Deployment(instances[0], instances[1])
    finally:
        for instance in instances:
            stop(instance.process)
        shutil.rmtree(workdir, ignore_errors=True)


def test_both_instances_are_ready_with_database_and_redis(deployment: Deployment) -> None:
    for instance in (deployment.a, deployment.b):
        reply = call(instance.base, "GET", "/readyz")
        assert reply.status == 200, (instance.name, reply.body)
        assert reply.json() == {"status": "ok", "checks": {"database": "ok", "redis": "ok"}}


def test_what_is_written_through_one_instance_is_read_through_the_other(
    deployment: Deployment,
) -> None:
    a, b = deployment.a, deployment.b
    user = deployment.register(a, "writer")
    assert (
        call(b.base, "GET", f"/api/v1/users/{user['id']}").json()["username"] == user["username"]
    )
    token = call(a.base, "POST", "/api/v1/tokens", headers=basic(user["username"], PASSWORD))
    assert token.status == 200, token.body
    created = call(
        a.base,
        "POST",
        "/api/v1/posts",
        json={"title": "Across", "body": "written through A"},
        headers=bearer(token.json()["token"]),
    )
    assert created.status == 201, created.body
    post = call(b.base, "GET", f"/api/v1/posts/{created.json()['id']}")
    assert post.status == 200, post.body
    assert post.json()["body"] == "written through A"
    assert post.json()["author"]["username"] == user["username"]


def test_a_jwt_logged_out_through_one_instance_is_rejected_by_the_other(
    deployment: Deployment,
) -> None:
    a, b = deployment.a, deployment.b
    user = deployment.register(b, "jwt")
    login = call(
        a.base, "POST", "/api/v1/auth/login",
        json={"username": user["username"], "password": PASSWORD},
    )  # fmt: skip
    assert login.status == 200, login.body
    access = login.json()["access_token"]
    assert call(b.base, "GET", "/api/v1/me", headers=bearer(access)).status == 200
    assert call(a.base, "POST", "/api/v1/auth/logout", headers=bearer(access)).status == 204
    rejected = call(b.base, "GET", "/api/v1/me", headers=bearer(access))
    assert rejected.status == 401, rejected.body
    assert rejected.json()["error"] == "Unauthorized"


def test_an_opaque_token_revoked_through_one_instance_is_rejected_by_the_other(
    deployment: Deployment,
) -> None:
    a, b = deployment.a, deployment.b
    user = deployment.register(a, "opaque")
    issued = call(b.base, "POST", "/api/v1/tokens", headers=basic(user["username"], PASSWORD))
    assert issued.status == 200, issued.body
    token = issued.json()["token"]
    assert call(b.base, "GET", "/api/v1/me", headers=bearer(token)).status == 200
    assert call(a.base, "DELETE", "/api/v1/tokens", headers=bearer(token)).status == 204
    assert call(b.base, "GET", "/api/v1/me", headers=bearer(token)).status == 401


def test_rate_limits_are_counted_across_instances(deployment: Deployment) -> None:
    """The same client, alternating between A and B on one route: one budget in Redis."""
    statuses, remaining = [], []
    fresh_window()
    for i in range(RATE_LIMIT + 2):
        instance = (deployment.a, deployment.b)[i % 2]
        reply = call(instance.base, "GET", "/api/v1/users?per_page=1")
        statuses.append(reply.status)
        assert reply.headers["RateLimit-Limit"] == str(RATE_LIMIT)
        remaining.append(int(reply.headers["RateLimit-Remaining"]))
        if reply.status == 429:
            assert int(reply.headers["Retry-After"]) > 0
            assert reply.json()["error"] == "Too Many Requests"
    # Each instance alone has seen 6 requests, under the limit of 10: only a shared count
    # refuses the 11th and 12th.
    assert statuses == [200] * RATE_LIMIT + [429] * 2
    assert remaining == [*range(RATE_LIMIT - 1, -1, -1), 0, 0]


#: /metrics is served to loopback clients under the default budget (RATE_LIMIT a minute
#: per address): the tests scrape far more often than a Prometheus would, so each scrape
#: comes from an address of its own in 127.1/16 (Linux routes all of 127/8 to loopback).
SCRAPERS = (f"127.1.{n // 250}.{n % 250 + 1}" for n in itertools.count())


def healthz_count(instance: Instance) -> float:
    reply = call(instance.base, "GET", "/metrics", source=next(SCRAPERS))
    assert reply.status == 200, reply.body
    text = reply.body.decode()
    pattern = r"^microblog_http_requests_total\{([^}]*)\} ([0-9.e+]+)$"
    return sum(
        float(value)
        for labels, value in re.findall(pattern, text, flags=re.M)
        if 'route="/healthz"' in labels and 'status="200"' in labels
    )


@pytest.mark.parametrize("which", ["a", "b"])
def test_metrics_add_up_the_requests_of_every_worker(deployment: Deployment, which: str) -> None:
    """A through the directory gunicorn.conf.py made itself, B through the one it was given
    (whose leftover file from "a previous run" was wiped at start)."""
    instance: Instance = getattr(deployment, which)
    before = healthz_count(instance)
    requests = 40
    # Concurrent: while one sync worker is busy the other accepts, so both answer some.
    with ThreadPoolExecutor(max_workers=8) as pool:
        replies = list(pool.map(lambda _: call(instance.base, "GET", "/healthz"), range(requests)))
    assert [r.status for r in replies] == [200] * requests
    # Each worker counts a request before answering it; whichever worker answers the
    # scrape reports the sum over both workers: all of the requests, each once.
    for _ in range(3):
        assert healthz_count(instance) - before == requests
    if instance.metrics_dir is not None:
        files = sorted(p.name for p in instance.metrics_dir.glob("*.db"))
        assert "counter_1.db" not in files
        pids = {re.sub(r"\D", "", name) for name in files if name.startswith("counter_")}
        assert len(pids) >= 2, files


# -- nginx in front (deploy/nginx.conf) ---------------------------------------------------------
# Optional everywhere: nginx is not among the services the suite installs.

OTHER_CLIENT = "127.0.0.2"  # a second client address: Linux routes all of 127/8 to loopback


def nginx_config(deployment: Deployment, port: int, logs: Path) -> str:
    text = NGINX_CONF.read_text()
    upstreams = re.findall(r"^\s*server 10\.0\.0\.\d+:8000 .*$", text, flags=re.M)
    assert len(upstreams) == 2, upstreams
    for line, instance in zip(upstreams, (deployment.a, deployment.b), strict=True):
        address = instance.base.removeprefix("http://")
        text = text.replace(line, re.sub(r"10\.0\.0\.\d+:8000", address, line))
    text = text.replace("listen 80;", f"listen 127.0.0.1:{port};")
    return text.replace("/var/log/nginx/", f"{logs}/")


@pytest.fixture(scope="module")
def nginx(deployment: Deployment) -> Iterator[Instance]:
    binary = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")
    if binary is None:
        pytest.skip("nginx not installed (apt-get install nginx-light): nginx leg skipped")
    workdir = Path(tempfile.mkdtemp(prefix="microblog-nginx-"))
    workdir.chmod(0o755)  # nginx's workers (user nobody) keep their buffer files in it
    port = free_port()
    config = workdir / "nginx.conf"
    config.write_text(nginx_config(deployment, port, workdir))
    log = workdir / "error.log"
    process = subprocess.Popen(
        [binary, "-e", "stderr", "-p", f"{workdir}/", "-c", str(config),
         "-g", f"daemon off; pid {workdir}/nginx.pid;"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )  # fmt: skip
    proxy = Instance("nginx", f"http://127.0.0.1:{port}", process, log)
    try:
        wait_until_up(proxy)
        yield proxy
    finally:
        stop(process)
        shutil.rmtree(workdir, ignore_errors=True)


def test_nginx_spreads_requests_over_both_instances(
    deployment: Deployment, nginx: Instance
) -> None:
    before = healthz_count(deployment.a), healthz_count(deployment.b)
    for _ in range(10):
        assert call(nginx.base, "GET", "/healthz").status == 200
    after = healthz_count(deployment.a), healthz_count(deployment.b)
    added = [later - earlier for earlier, later in zip(before, after, strict=True)]
    assert sum(added) == 10
    assert min(added) > 0, added


def test_nginx_passes_the_request_id_and_the_public_address(
    deployment: Deployment, nginx: Instance
) -> None:
    given = call(nginx.base, "GET", "/healthz", headers={"X-Request-ID": "from-the-client.1"})
    assert given.headers["X-Request-ID"] == "from-the-client.1"
    made = call(nginx.base, "GET", "/healthz")
    assert re.fullmatch(r"[0-9a-f]{32}", made.headers["X-Request-ID"])  # nginx's $request_id
    # Location is written for the address the client used (X-Forwarded-Host/-Port/-Proto).
    created = call(
        nginx.base,
        "POST",
        "/api/v1/users",
        json={"username": "proxied", "email": "proxied@example.com", "password": PASSWORD},
    )
    assert created.status == 201, created.body
    assert created.headers["Location"] == f"{nginx.base}/api/v1/users/{created.json()['id']}"


def test_behind_nginx_the_client_address_comes_from_x_forwarded_for(
    deployment: Deployment, nginx: Instance
) -> None:
    """Rate limits count per client as nginx saw it, and a client cannot pick its own
    address by sending X-Forwarded-For (TRUSTED_PROXIES=1 believes only nginx's entry)."""
    path = "/api/v1/posts?per_page=1"
    fresh_window()
    statuses = [call(nginx.base, "GET", path).status for _ in range(RATE_LIMIT + 1)]
    assert statuses == [200] * RATE_LIMIT + [429]
    spoofed = call(nginx.base, "GET", path, headers={"X-Forwarded-For": "203.0.113.9"})
    assert spoofed.status == 429
    other = call(nginx.base, "GET", path, source=OTHER_CLIENT)
    assert other.status == 200, other.body
    assert other.headers["RateLimit-Remaining"] == str(RATE_LIMIT - 1)


def test_nginx_refuses_large_bodies_and_outside_metrics_scrapes(nginx: Instance) -> None:
    large = call(
        nginx.base,
        "POST",
        "/api/v1/users",
        body=b"{" + b" " * (1024 * 1024 + 1) + b"}",
        headers={"Content-Type": "application/json"},
    )
    assert large.status == 413
    assert call(nginx.base, "GET", "/metrics").status == 200
    assert call(nginx.base, "GET", "/metrics", source=OTHER_CLIENT).status == 403


def test_behind_nginx_the_forwarded_host_must_be_trusted(nginx: Instance) -> None:
    """nginx passes the client's Host on (X-Forwarded-Host); the app refuses one it does
    not answer to, so no link can be written for it."""
    client = "127.0.0.3"  # a budget of its own: earlier tests spent 127.0.0.1's
    refused = call(
        nginx.base, "GET", "/api/v1/users", headers={"Host": "evil.example"}, source=client
    )
    assert refused.status == 400, refused.body
    assert refused.json()["error"] == "Bad Request"
    assert call(nginx.base, "GET", "/api/v1/users", source=client).status == 200
