"""periodic.Periodic: the background flush of batched work (request records, log lines)."""

from __future__ import annotations

import gc
import threading
import time

import pytest

from microblog.telemetry.periodic import Periodic, flush_all


class Owner:
    def __init__(self, failures: int = 0) -> None:
        self.flushes = 0
        self.failures = failures
        self.order: list[str] | None = None
        self.name = ""

    def flush(self) -> None:
        self.flushes += 1
        if self.order is not None:
            self.order.append(self.name)
        if self.flushes <= self.failures:
            raise OSError("broken pipe")

    def forget(self) -> None:
        pass


def wait_for(condition: object, seconds: float = 5) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if callable(condition) and condition():
            return True
        time.sleep(0.01)
    return False


def test_flushes_every_interval_once_started() -> None:
    owner = Owner()
    periodic = Periodic(owner, 0.02, "test-periodic")
    try:
        time.sleep(0.1)
        assert owner.flushes == 0  # nothing until ensure(): no thread for idle owners
        periodic.ensure()
        periodic.ensure()  # one thread, however often asked
        assert wait_for(lambda: owner.flushes >= 3)
        assert sum(t.name == "test-periodic" for t in threading.enumerate()) == 1
    finally:
        periodic.stop()


def test_a_failing_flush_does_not_end_the_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    reported: list[type[BaseException] | None] = []
    monkeypatch.setattr("sys.excepthook", lambda kind, value, tb: reported.append(kind))
    owner = Owner(failures=2)
    periodic = Periodic(owner, 0.02, "test-periodic-failing")
    periodic.ensure()
    try:
        assert wait_for(lambda: owner.flushes >= 4)
        assert reported[:2] == [OSError, OSError]
    finally:
        periodic.stop()


def test_the_thread_ends_with_its_owner() -> None:
    owner = Owner()
    periodic = Periodic(owner, 0.02, "test-periodic-orphan")
    periodic.ensure()
    deadline = time.monotonic() + 5
    while owner.flushes < 1 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert owner.flushes >= 1
    del owner
    gc.collect()
    assert wait_for(
        lambda: not any(t.name == "test-periodic-orphan" for t in threading.enumerate())
    )


def test_flush_all_goes_stage_by_stage() -> None:
    order: list[str] = []
    owners = []
    for name, stage in (("handler", 1), ("recorder", 0), ("other handler", 1)):
        owner = Owner()
        owner.order, owner.name = order, name
        owners.append((owner, Periodic(owner, 60, f"test-{name}", stage=stage)))
    flush_all()
    mine = [name for name in order if name in ("handler", "recorder", "other handler")]
    assert mine[0] == "recorder"
    assert sorted(mine[1:]) == ["handler", "other handler"]
