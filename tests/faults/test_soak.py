"""Soak: bounded mixed traffic at moderate load (PostgreSQL, gunicorn ``-w 2``, half the
profile's clients), sampling every few seconds each worker's resident memory (VmRSS) and
open file descriptors (/proc) and the database's connections (pg_stat_activity). After a
warm-up a least-squares line is fitted to each series; a slope above the profile's
threshold fails.

The short profile (30 s, CI) can only catch gross leaks: its thresholds are loose, and a
Python process still grows while its caches fill. The long profile (``make faults-long``,
30 minutes) holds RSS to 2 MiB a minute per worker. ``FAULTS_SOAK_SECONDS`` changes the
length, not the profile's thresholds. Samples, slopes and a plot
(bench/results/soak-<date>.png, never overwritten) go with the results.

Each fit follows one worker from start to end: the soak's server runs with
``GUNICORN_MAX_REQUESTS=0`` (gunicorn.conf.py: no recycling), which would otherwise replace
the workers every ~100,000 requests and cut the series, and the test fails if a worker was
replaced anyway (a crash)."""

from __future__ import annotations

import datetime
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg

from tests import pg
from tests.faults import harness

WARM_UP = 1 / 3  # of the run, left out of the fit


@dataclass(frozen=True)
class Limits:
    rss_mib_per_min: float
    fds_per_min: float
    connections_per_min: float


LIMITS = {
    "short": Limits(rss_mib_per_min=30.0, fds_per_min=30.0, connections_per_min=10.0),
    "long": Limits(rss_mib_per_min=2.0, fds_per_min=1.0, connections_per_min=0.5),
}


def rss_mib(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def open_fds(pid: int) -> int | None:
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return None


def slope(points: list[tuple[float, float]]) -> float:
    """Least-squares slope of (t, y), per unit of t."""
    n = len(points)
    if n < 2:
        return 0.0
    mean_t = sum(t for t, _ in points) / n
    mean_y = sum(y for _, y in points) / n
    spread = sum((t - mean_t) ** 2 for t, _ in points)
    if spread == 0:
        return 0.0
    return sum((t - mean_t) * (y - mean_y) for t, y in points) / spread


class Sampler:
    """Samples the metrics every ``every`` seconds in a thread: series keyed by name, each
    a list of (minutes since start, value)."""

    def __init__(self, server: harness.Gunicorn, database_url: str, every: float) -> None:
        self.server, self.every = server, every
        self.dsn = database_url.replace("postgresql+psycopg://", "postgresql://")
        self.database = database_url.rsplit("/", 1)[1]
        self.series: dict[str, list[tuple[float, float]]] = {}
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run)

    def add(self, name: str, at: float, value: float | None) -> None:
        if value is not None:
            self.series.setdefault(name, []).append((round(at, 3), round(value, 2)))

    def _run(self) -> None:
        started = time.monotonic()
        with psycopg.connect(self.dsn, autocommit=True) as conn:
            while not self.stop.wait(self.every):
                at = (time.monotonic() - started) / 60
                for pid in self.server.worker_pids():
                    self.add(f"rss_mib worker {pid}", at, rss_mib(pid))
                    self.add(f"fds worker {pid}", at, open_fds(pid))
                row = conn.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND pid <> "
                    "pg_backend_pid()",
                    (self.database,),
                ).fetchone()
                self.add("db_connections", at, row[0] if row else None)

    def __enter__(self) -> Sampler:
        self.thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop.set()
        self.thread.join()


def plot(
    series: dict[str, list[tuple[float, float]]], fits: dict[str, float], start: float
) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    today = datetime.date.today().isoformat()
    path = harness.RESULTS / f"soak-{today}.png"
    if path.exists():
        path = path.with_name(f"soak-{today}-{datetime.datetime.now():%H%M%S}.png")
    harness.RESULTS.mkdir(parents=True, exist_ok=True)
    panels = [("rss_mib", "RSS per worker (MiB)"), ("fds", "open fds per worker"),
              ("db_connections", "database connections")]  # fmt: skip
    figure, axes = plt.subplots(len(panels), 1, figsize=(9, 9), sharex=True)
    for axis, (prefix, title) in zip(axes, panels, strict=True):
        for name, points in sorted(series.items()):
            if not name.startswith(prefix):
                continue
            label = f"{name.removeprefix(prefix).strip() or 'all'}: {fits[name]:+.2f}/min"
            axis.plot([t for t, _ in points], [y for _, y in points], marker=".", label=label)
        axis.axvline(start, color="grey", linestyle=":", label="end of warm-up")
        axis.set_title(title)
        axis.legend(fontsize="small", loc="lower right")
        axis.grid(alpha=0.3)
    axes[-1].set_xlabel("minutes")
    figure.suptitle(f"Soak, {harness.PROFILE.name} profile, {harness.commit_id()}")
    figure.tight_layout()
    figure.savefig(path, dpi=90)
    plt.close(figure)
    return path


def test_soak_shows_no_growth(postgres_server: str) -> None:
    profile = harness.PROFILE
    limits = LIMITS[profile.name]
    clients = max(1, profile.clients // 2)
    with harness.workdir() as where:
        database_url = pg.create_database(postgres_server, "microblog_faults_soak")
        env = harness.server_env(database_url, where, GUNICORN_MAX_REQUESTS="0")
        harness.migrate(env)
        with harness.gunicorn(env, 2, where) as server:
            tokens = [harness.register(server.base, f"soak{n}")[1] for n in range(clients)]
            workers = set(server.worker_pids())
            with (
                harness.Load(server.base, tokens, "soak") as load,
                Sampler(server, database_url, profile.soak_sample_every) as sampler,
            ):
                time.sleep(profile.soak_seconds)
        check = harness.check_ledger(database_url, load.ledger)

    minutes = profile.soak_seconds / 60
    warm = minutes * WARM_UP
    fits = {
        name: slope([p for p in points if p[0] >= warm]) for name, points in sampler.series.items()
    }
    picture = plot(sampler.series, fits, warm)
    worst = {
        prefix: max((v for k, v in fits.items() if k.startswith(prefix)), default=0.0)
        for prefix in ("rss_mib", "fds", "db_connections")
    }
    harness.record(
        "soak",
        {
            "settings": f"gunicorn.conf.py -w 2, GUNICORN_MAX_REQUESTS=0, PostgreSQL, "
            f"{clients} clients unpaced, "
            f"{profile.soak_seconds:.0f} s, a sample every {profile.soak_sample_every} s, "
            f"fit after {warm:.2f} min of warm-up",
            "duration_s": round(load.elapsed, 1),
            **harness.ledger_figures(load.ledger, check),
            "thresholds_per_min": limits.__dict__,
            "slopes_per_min": {k: round(v, 3) for k, v in sorted(fits.items())},
            "worst_slope_per_min": {k: round(v, 3) for k, v in worst.items()},
            "plot": str(picture.relative_to(harness.ROOT)) if picture.is_relative_to(
                harness.ROOT) else str(picture),
            # "minutes:value" pairs, one string per series (one line each in the file).
            "samples": {k: " ".join(f"{t}:{y}" for t, y in v)
                        for k, v in sorted(sampler.series.items())},
        },
    )  # fmt: skip
    assert sampler.series, "no samples"
    # One series per worker, whole: no worker was replaced during the run.
    sampled = {int(name.rsplit(" ", 1)[1]) for name in sampler.series if " worker " in name}
    assert sampled == workers, (sampled, workers)
    assert worst["rss_mib"] <= limits.rss_mib_per_min, fits
    assert worst["fds"] <= limits.fds_per_min, fits
    assert worst["db_connections"] <= limits.connections_per_min, fits
    harness.assert_clean(load.ledger, check, load.failures)
