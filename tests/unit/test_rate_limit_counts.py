"""Rate-limit counters (web/ratelimit.py): in process (WindowCounts), counting per key with
ended windows swept so that 10,000 client addresses do not grow a worker for ever; and
shared (SlicedCounts), reserving slices of a budget in a store that every process sees
(here limits' MemoryStorage standing in for Redis: the same ``incr`` contract)."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from limits.storage import MemoryStorage

from microblog.web import ratelimit
from microblog.web.ratelimit import SlicedCounts, WindowCounts


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def time(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(ratelimit, "time", fake)
    return fake


def test_counts_each_key_apart(clock: Clock) -> None:
    counts = WindowCounts()
    assert [counts.incr("a:1", 60) for _ in range(3)] == [1, 2, 3]
    assert counts.incr("b:1", 60) == 1
    assert counts.incr("a:2", 60) == 1  # the next window of "a" starts from zero


def test_ended_windows_are_swept(clock: Clock) -> None:
    counts = WindowCounts()
    for address in range(100):
        counts.incr(f"route:10.0.0.{address}:1", 60)
    clock.now += 30
    counts.incr("route:10.0.0.1:1", 60)  # the window has 30 s left: nothing goes
    assert len(counts.counts) == 100
    clock.now += 31
    assert counts.incr("route:10.0.0.1:2", 60) == 1
    assert list(counts.counts) == ["route:10.0.0.1:2"]


def test_a_count_lives_until_its_window_expires(clock: Clock) -> None:
    counts = WindowCounts()
    counts.incr("k", 60)
    clock.now += 59
    assert counts.incr("k", 60) == 2  # swept at most once a second, but not yet expired


class CountingStore(MemoryStorage):
    """A shared store that counts the round trips made to it."""

    def __init__(self) -> None:
        super().__init__()
        self.calls = 0

    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        self.calls += 1
        return int(super().incr(key, expiry, amount))


@pytest.fixture
def store() -> Any:
    shared = CountingStore()
    yield shared
    shared.timer.cancel()  # MemoryStorage's expiry thread


def test_slices_hand_out_unique_counts_and_never_exceed_the_budget(store: CountingStore) -> None:
    workers = [SlicedCounts(store) for _ in range(3)]
    counts = [w.incr("k", 60, 300) for w in itertools.islice(itertools.cycle(workers), 400)]
    assert len(set(counts)) == 400  # every request its own count, whichever worker
    assert sum(c <= 300 for c in counts) <= 300
    assert int(store.get("k")) >= max(counts)


def test_a_busy_budget_costs_a_round_trip_every_few_requests(store: CountingStore) -> None:
    worker = SlicedCounts(store)
    counts = [worker.incr("k", 60, 300) for _ in range(100)]
    assert counts == list(range(1, 101))  # one worker alone: exact
    assert store.calls <= 10


def test_slices_shrink_to_one_as_the_budget_runs_out(store: CountingStore) -> None:
    worker = SlicedCounts(store)
    counts = [worker.incr("k", 60, 300) for _ in range(310)]
    assert counts == list(range(1, 311))
    before = store.calls
    worker.incr("k", 60, 300)
    assert store.calls == before + 1  # past the budget: every request asks the store


def test_small_budgets_are_counted_exactly(store: CountingStore) -> None:
    worker = SlicedCounts(store)
    for _ in range(10):
        worker.incr("login:alice", 60, 10)
    assert store.calls == 10
