"""The fault suite's shared parts: real gunicorn (the shipped gunicorn.conf.py)
on loopback, a client that retries like a careful user's (same ``Idempotency-Key`` on
connection errors and 503s) and keeps its own ledger of what was acknowledged, a checker
that compares the ledger with the database, and the results file.

``FAULTS_PROFILE=short`` (default, CI) keeps every scenario to seconds; ``long`` (``make
faults-long``) drives more requests and soaks for 30 minutes. ``FAULTS_SOAK_SECONDS`` sets the
soak's length whatever the profile (docs/reliability.md#soak)."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import http.client
import itertools
import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

from tests.integration.live import Reply, call, free_port
from tests.integration.live import migrate as migrate  # the scenarios call harness.migrate

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "gunicorn.conf.py"
APP = "microblog:create_app()"
# `make faults` publishes into bench/results/; a run inside `make test` writes beside it, to
# the ignored unpublished/, so that running the tests never changes a committed file.
RESULTS = Path(
    os.environ.get("FAULTS_RESULTS_DIR")
    or ROOT / "bench" / "results" / ("" if os.environ.get("FAULTS_PUBLISH") else "unpublished")
)
PASSWORD = "correct horse battery"


@dataclass(frozen=True)
class Profile:
    name: str
    load_seconds: float  # how long each fault scenario drives its load
    clients: int
    soak_seconds: float
    soak_sample_every: float
    race_rounds: int


PROFILES = {
    "short": Profile("short", 12.0, 4, 30.0, 2.0, 5),
    "long": Profile("long", 120.0, 8, 1800.0, 5.0, 50),
}
PROFILE = PROFILES[os.environ.get("FAULTS_PROFILE", "short")]
if os.environ.get("FAULTS_SOAK_SECONDS"):
    PROFILE = dataclasses.replace(PROFILE, soak_seconds=float(os.environ["FAULTS_SOAK_SECONDS"]))


# -- processes ------------------------------------------------------------------------------


def server_env(database_url: str, workdir: Path, **extra: str) -> dict[str, str]:
    """Production settings on loopback; the caller's ``extra`` wins.

    Nothing of the app's or gunicorn's settings is inherited from the shell running the
    tests (``GUNICORN_*``, ``DB_*``... are dropped), so a run does not depend on it; a
    scenario that needs one passes it in ``extra`` (the soak: ``GUNICORN_MAX_REQUESTS="0"``,
    read by gunicorn.conf.py)."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PROMETHEUS_", "RATELIMIT_", "GUNICORN_", "MICROBLOG_", "DB_"))
        and key not in ("REDIS_URL", "DATABASE_URL", "SECRET_KEY", "WEB_CONCURRENCY", "PORT")
    }
    env.update(
        MICROBLOG_ENV="production",
        MICROBLOG_INSTANCE=str(workdir / "instance"),
        SECRET_KEY=secrets.token_urlsafe(32),
        JWT_SECRET_KEY=secrets.token_urlsafe(32),
        TRUSTED_HOSTS="127.0.0.1,localhost",
        DATABASE_URL=database_url,
        RATELIMIT_ENABLED="false",
        LOG_FORMAT="json",
        # Cheap hashing: the scenarios are about faults, not about argon2's cost.
        ARGON2_MEMORY_COST="1024",
        ARGON2_TIME_COST="1",
        ARGON2_PARALLELISM="1",
    )
    env.update(extra)
    return env


class Gunicorn:
    """``gunicorn -c gunicorn.conf.py -w N -b 127.0.0.1:PORT``, in a session of its own;
    ``options`` are more command-line flags (they win over the file), e.g. ``("-k",
    "gthread", "--threads", "4")``."""

    def __init__(
        self, env: dict[str, str], workers: int, workdir: Path, options: Sequence[str] = ()
    ) -> None:
        self.env, self.workers, self.options = env, workers, tuple(options)
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = workdir / f"gunicorn-{self.port}.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 60.0) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-c", str(CONFIG), "-w", str(self.workers),
                 "-b", f"127.0.0.1:{self.port}", *self.options, APP],
                cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        self.wait_workers(self.workers, timeout)

    def logged_errors(self) -> list[str]:
        """The app's ERROR log lines (an unexpected exception's has its traceback)."""
        if not self.log.exists():
            return []
        text = self.log.read_text(errors="replace")
        found = [line[-1500:] for line in text.splitlines() if '"level":"ERROR"' in line]
        # gunicorn's own: an exception that escaped the app (its HTML 500 page).
        found += [chunk[:3000] for chunk in text.split("Error handling request")[1:]]
        return found

    def access_log(self) -> dict[str, dict[str, Any]]:
        """The app's access lines (one per request it answered, written before the
        response is sent: docs/reference.md#operations), by request id."""
        lines: dict[str, dict[str, Any]] = {}
        if not self.log.exists():
            return lines
        for line in self.log.read_text(errors="replace").splitlines():
            if '"logger":"microblog.access"' not in line:
                continue
            with contextlib.suppress(ValueError):
                fields = json.loads(line)
                lines[str(fields["request_id"])] = fields
        return lines

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-4000:] if self.log.exists() else ""

    def worker_pids(self) -> list[int]:
        assert self.process is not None
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return [int(pid) for pid in path.read_text().split()]
        except OSError:
            return []

    def worker_ages(self) -> dict[int, float]:
        """Each live worker's age in seconds (from /proc)."""
        ticks = os.sysconf("SC_CLK_TCK")
        uptime = float(Path("/proc/uptime").read_text().split()[0])
        ages = {}
        for pid in self.worker_pids():
            try:
                stat = Path(f"/proc/{pid}/stat").read_text()
            except OSError:
                continue
            started = int(stat.rsplit(")", 1)[1].split()[19]) / ticks
            ages[pid] = uptime - started
        return ages

    def wait_workers(self, count: int, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while True:
            assert self.process is not None
            if self.process.poll() is not None:
                raise AssertionError(f"gunicorn exited:\n{self.tail()}")
            if len(self.worker_pids()) >= count and healthy(self.base):
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"gunicorn not up in {timeout} s:\n{self.tail()}")
            time.sleep(0.1)

    def signal(self, sig: signal.Signals) -> None:
        assert self.process is not None
        self.process.send_signal(sig)

    def stop(self, timeout: float = 40.0) -> int | None:
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        return self.process.returncode


@contextlib.contextmanager
def workdir() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="microblog-faults-"))
    try:
        yield path
    finally:
        import shutil

        shutil.rmtree(path, ignore_errors=True)


@contextlib.contextmanager
def gunicorn(
    env: dict[str, str], workers: int, where: Path, options: Sequence[str] = ()
) -> Iterator[Gunicorn]:
    server = Gunicorn(env, workers, where, options)
    try:
        server.start()
        yield server
    finally:
        server.stop()
        errors = server.logged_errors()
        if errors:  # for the failing assertion's reader
            print("\n".join(["gunicorn logged errors:", *errors[:5]]), file=sys.stderr)


# -- HTTP ------------------------------------------------------------------------------------


def healthy(base: str) -> bool:
    try:
        return call(base, "GET", "/healthz", timeout=2).status == 200
    except OSError:
        return False


def register(base: str, username: str) -> tuple[int, str]:
    """A user and an opaque token for it: (user id, token)."""
    reply = call(
        base, "POST", "/api/v1/users",
        json={"username": username, "email": f"{username}@example.com",
                   "password": PASSWORD},
    )  # fmt: skip
    assert reply.status == 201, (reply.status, reply.body)
    import base64

    basic = base64.b64encode(f"{username}:{PASSWORD}".encode()).decode()
    token = call(base, "POST", "/api/v1/tokens", headers={"Authorization": f"Basic {basic}"})
    assert token.status == 200, (token.status, token.body)
    return int(reply.json()["id"]), str(token.json()["token"])


def login_jwt(base: str, username: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
    """``POST /auth/login``: the JWT pair (access_token, refresh_token...)."""
    reply = call(
        base, "POST", "/api/v1/auth/login",
        json={"username": username, "password": PASSWORD}, headers=headers,
    )  # fmt: skip
    assert reply.status == 200, (reply.status, reply.body)
    pair: dict[str, Any] = reply.json()
    return pair


def addresses(prefix: str = "10.1") -> Callable[[], str]:
    """A fresh client address on every call (X-Forwarded-For): each request its own
    client, so a small rate-limit budget binds only the addresses a test reuses."""
    lock, counter = threading.Lock(), iter(range(1, 65536 * 250))

    def next_address() -> str:
        with lock:
            n = next(counter)
        return f"{prefix}.{n // 250 % 256}.{n % 250 + 1}"

    return next_address


# -- the client's own record -------------------------------------------------------------------


@dataclass
class Write:
    key: str
    title: str
    statuses: list[int | str] = field(default_factory=list)
    final: int | None = None
    task_id: int | None = None


@dataclass(frozen=True)
class Attempt:
    """One request sent: by which client, when (``time.monotonic()``), how long it took
    and what came back (a status, or the exception's class name)."""

    client: str
    started: float
    seconds: float
    outcome: int | str

    @property
    def ended(self) -> float:
        return self.started + self.seconds

    @property
    def succeeded(self) -> bool:
        return isinstance(self.outcome, int) and 200 <= self.outcome < 300


@dataclass
class Ledger:
    """What every client sent and was told, for the checker and the results. With
    ``timeline`` (a list), every attempt is kept there too, for :func:`recovery`."""

    writes: list[Write] = field(default_factory=list)
    statuses: Counter[int | str] = field(default_factory=Counter)
    requests: int = 0
    server_errors: list[str] = field(default_factory=list)
    slowest: float = 0.0
    unavailable_without_retry_after: int = 0
    timeline: list[Attempt] | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def note(self, attempt: Attempt, what: str) -> None:
        with self.lock:
            self.requests += 1
            self.statuses[attempt.outcome] += 1
            self.slowest = max(self.slowest, attempt.seconds)
            if attempt.outcome == 500:
                self.server_errors.append(what)
            if self.timeline is not None:
                self.timeline.append(attempt)


RETRYABLE = {502, 503, 504}


class RetryingClient:
    """Sends each request until it gets a final answer: retries connection errors and
    502/503/504 (after ``Retry-After``, at most 1 s) with the same ``Idempotency-Key``."""

    def __init__(
        self, base: str, token: str, ledger: Ledger, give_up_after: float = 90.0,
        forwarded_for: Callable[[], str] | None = None, name: str = "",
    ) -> None:  # fmt: skip
        self.base, self.ledger, self.give_up_after = base, ledger, give_up_after
        self.name = name
        self.headers = {"Authorization": f"Bearer {token}"}
        # Behind TRUSTED_PROXIES: the client address each attempt claims (X-Forwarded-For).
        self.forwarded_for = forwarded_for

    def send(
        self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None,
        on_attempt: Callable[[int | str], None] | None = None,
    ) -> Reply:  # fmt: skip
        deadline = time.monotonic() + self.give_up_after
        while True:
            started = time.monotonic()
            sent = {**self.headers, **(headers or {})}
            if self.forwarded_for is not None:
                sent["X-Forwarded-For"] = self.forwarded_for()
            try:
                reply = call(self.base, method, path, json=body, headers=sent)
                outcome: int | str = reply.status
            except (OSError, http.client.HTTPException) as exc:  # reset, cut short...
                reply, outcome = None, type(exc).__name__
            attempt = Attempt(self.name, started, time.monotonic() - started, outcome)
            self.ledger.note(attempt, f"{method} {path}")
            if on_attempt is not None:
                on_attempt(outcome)
            if reply is not None and reply.status not in RETRYABLE:
                return reply
            if (
                reply is not None
                and reply.status == 503
                and ("Retry-After" not in reply.headers or b'"error"' not in reply.body)
            ):
                with self.ledger.lock:
                    self.ledger.unavailable_without_retry_after += 1
            if time.monotonic() > deadline:
                raise AssertionError(f"{method} {path}: no final answer, last {outcome}")
            wait = 0.1
            if reply is not None and reply.headers.get("Retry-After", "").isdigit():
                wait = min(1.0, float(reply.headers["Retry-After"]))
            time.sleep(wait)

    def create_task(self, key: str) -> Write:
        write = Write(key=key, title=f"task {key}")
        with self.ledger.lock:
            self.ledger.writes.append(write)
        reply = self.send(
            "POST", "/api/v1/tasks", {"title": write.title, "description": "fault suite"},
            {"Idempotency-Key": key}, on_attempt=write.statuses.append,
        )  # fmt: skip
        write.final = reply.status
        if reply.status == 201:
            write.task_id = int(reply.json()["id"])
        return write


def mixed_load(client: RetryingClient, prefix: str, stop: threading.Event) -> None:
    """Writes with keys, each followed by reads (the task just written, the list), until
    ``stop``; a write under way when it is set is still driven to its final answer."""
    i = 0
    while not stop.is_set():
        write = client.create_task(f"{prefix}-{i}")
        if write.task_id is not None and i % 2 == 0:
            got = client.send("GET", f"/api/v1/tasks/{write.task_id}")
            assert got.status == 200, (got.status, got.body)
        if i % 3 == 0:
            listing = client.send("GET", "/api/v1/tasks?per_page=5")
            assert listing.status == 200, (listing.status, listing.body)
        i += 1


class Load:
    """Clients (one thread each, one user each) driving :func:`mixed_load` in the
    background: ``with Load(...) as load: <inject faults>``; leaving waits for them."""

    def __init__(
        self, base: str, tokens: list[str], label: str,
        forwarded_for: Callable[[], str] | None = None, timeline: bool = False,
    ) -> None:  # fmt: skip
        self.forwarded_for = forwarded_for
        self.ledger = Ledger(timeline=[] if timeline else None)
        self.stop = threading.Event()
        self.failures: list[BaseException] = []
        self.threads = [
            threading.Thread(target=self._one, args=(base, token, f"{label}{n}"))
            for n, token in enumerate(tokens)
        ]

    def _one(self, base: str, token: str, prefix: str) -> None:
        try:
            client = RetryingClient(
                base, token, self.ledger, forwarded_for=self.forwarded_for, name=prefix
            )
            mixed_load(client, prefix, self.stop)
        except BaseException as exc:  # reported by assert_clean
            self.failures.append(exc)

    def __enter__(self) -> Load:
        self.started = time.monotonic()
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join()
        self.elapsed = time.monotonic() - self.started


# -- recovery ------------------------------------------------------------------------------


def recovery(timeline: list[Attempt], faults: list[float]) -> dict[str, Any]:
    """How long the clients went unserved after each fault (a signal sent at ``faults[i]``,
    ``time.monotonic()``), from their attempts (each on a fresh connection):

    - ``first_2xx_s``: until the first 2xx of a request sent after the fault;
    - ``every_client_2xx_s``: until every client had a 2xx for a request sent after the
      fault (a client whose request the fault cut waits for its retry);
    - ``longest_gap_without_2xx_s``: the longest time, over the whole run, between two
      2xx answers (to any client).

    Each per-fault figure as its worst and its median over the faults."""
    answered = sorted(a.ended for a in timeline if a.succeeded)
    first, every = [], []
    for at in faults:
        served: dict[str, float] = {}  # client: its first 2xx after the fault
        for attempt in timeline:
            if attempt.started >= at and attempt.succeeded:
                served[attempt.client] = min(served.get(attempt.client, attempt.ended),
                                             attempt.ended)  # fmt: skip
        if served:
            first.append(min(served.values()) - at)
            every.append(max(served.values()) - at)

    def summary(values: list[float]) -> dict[str, float]:
        ordered = sorted(values)
        middle = ordered[len(ordered) // 2] if ordered else 0.0
        return {"max": round(max(ordered, default=0.0), 3), "median": round(middle, 3)}

    gaps = [later - earlier for earlier, later in itertools.pairwise(answered)]
    return {
        "faults_measured": len(first),
        "first_2xx_s": summary(first),
        "every_client_2xx_s": summary(every),
        "longest_gap_without_2xx_s": round(max(gaps, default=0.0), 3),
    }


# -- the checker --------------------------------------------------------------------------------


@dataclass
class Check:
    acknowledged: int
    lost: list[str]
    duplicates: list[str]
    wrong_id: list[str]
    stuck: list[str]

    @property
    def ok(self) -> bool:
        return not (self.lost or self.duplicates or self.wrong_id or self.stuck)


def check_ledger(database_url: str, ledger: Ledger) -> Check:
    """Every acknowledged 201 is in the database once, with the id the client was given;
    no write, acknowledged or not, is there twice; no key answered 409 for ever."""
    engine = create_engine(database_url.replace("postgresql://", "postgresql+psycopg://"))
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT id, title FROM tasks")).all()
    finally:
        engine.dispose()
    by_title: dict[str, list[int]] = {}
    for task_id, title in rows:
        by_title.setdefault(title, []).append(int(task_id))
    acknowledged = [w for w in ledger.writes if w.final == 201]
    return Check(
        acknowledged=len(acknowledged),
        lost=[w.key for w in acknowledged if not by_title.get(w.title)],
        duplicates=[w.key for w in ledger.writes if len(by_title.get(w.title, [])) > 1],
        wrong_id=[w.key for w in acknowledged if by_title.get(w.title, [None])[0] != w.task_id],
        stuck=[f"{w.key}: {w.statuses}" for w in ledger.writes if w.final != 201],
    )


# -- results ----------------------------------------------------------------------------------


def commit_id() -> str:
    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, check=False
        ).stdout.strip()

    head = git("rev-parse", "--short=12", "HEAD") or "unknown"
    # The results file this run appends to does not make the tree dirty.
    changed = git("status", "--porcelain", "--untracked-files=no", "--", ".", ":!bench/results")
    return head + ("-dirty" if changed else "")


def record(scenario: str, figures: dict[str, Any]) -> None:
    """Append one scenario's figures to bench/results/faults-<date>.md (never overwrite)."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    today = datetime.date.today().isoformat()
    path = RESULTS / f"faults-{today}.md"
    entry = {
        "scenario": scenario,
        "at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "commit": commit_id(),
        "profile": PROFILE.name,
        **figures,
    }
    header = "" if path.exists() else (
        f"# Fault suite results, {today}\n\nOne JSON record per scenario run "
        "(tests/faults), appended in the order they ran.\n"
    )  # fmt: skip
    with path.open("a") as out:
        out.write(f"{header}\n## {scenario} ({entry['at']}, {entry['commit']})\n\n")
        out.write("```json\n" + json.dumps(entry, indent=1, default=str) + "\n```\n")


def ledger_figures(ledger: Ledger, check: Check) -> dict[str, Any]:
    return {
        "requests": ledger.requests,
        "statuses": {str(k): v for k, v in sorted(ledger.statuses.items(), key=str)},
        "writes": len(ledger.writes),
        "acknowledged_writes_checked": check.acknowledged,
        "lost": len(check.lost),
        "duplicates": len(check.duplicates),
        "http_500": ledger.statuses.get(500, 0),
        "slowest_request_s": round(ledger.slowest, 3),
        "503_without_retry_after": ledger.unavailable_without_retry_after,
    }


def assert_clean(ledger: Ledger, check: Check, failures: list[BaseException]) -> None:
    assert not failures, failures
    assert not ledger.server_errors, ledger.server_errors[:10]
    assert ledger.unavailable_without_retry_after == 0
    assert check.ok, check


class Poller:
    """GETs ``path`` every ``every`` seconds in the background: [(time, status or error)]."""

    def __init__(self, base: str, path: str, every: float = 0.2) -> None:
        self.base, self.path, self.every = base, path, every
        self.seen: list[tuple[float, int | str]] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run)

    def _run(self) -> None:
        while not self.stop.wait(self.every):
            try:
                outcome: int | str = call(self.base, "GET", self.path, timeout=5).status
            except OSError as exc:
                outcome = type(exc).__name__
            self.seen.append((time.monotonic(), outcome))

    def __enter__(self) -> Poller:
        self.thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop.set()
        self.thread.join()

    def between(self, start: float, end: float) -> list[int | str]:
        return [outcome for at, outcome in self.seen if start <= at <= end]

    def first(self, outcome: int, after: float) -> float | None:
        return next((at for at, seen in self.seen if at > after and seen == outcome), None)


def wait_for(predicate: Callable[[], bool], timeout: float, every: float = 0.1) -> float:
    """Seconds until ``predicate()`` held; fails after ``timeout``."""
    started = time.monotonic()
    while not predicate():
        if time.monotonic() - started > timeout:
            raise AssertionError(f"not within {timeout} s")
        time.sleep(every)
    return time.monotonic() - started
