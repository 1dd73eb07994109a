"""The in-process rate-limit counters (web/ratelimit.py: WindowCounts): counting per key,
and ended windows swept so that 10,000 client addresses do not grow a worker for ever."""

from __future__ import annotations

import pytest

from microblog.web import ratelimit
from microblog.web.ratelimit import WindowCounts


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
