"""SharedCounter (microblog.web.ratelimit): budgets in a shared store are reserved in slices.

The store is faked by an in-memory ``incr(key, expiry, amount) -> new total``, the
contract of the real one (Redis ``INCRBY``, covered by the rate-limit API tests): fewer
store calls than requests for a large budget, never more requests allowed than the budget
across workers, exact counting for the password budgets, small budgets counted one by
one, nothing asked of the store once a window's budget is spent. Also WindowCounters,
the in-process store, with an ``amount``."""

from __future__ import annotations

import random
import threading
from collections import defaultdict
from dataclasses import dataclass, field

import pytest

from microblog.web import ratelimit
from microblog.web.ratelimit import SharedCounter, WindowCounters

EXPIRY = 60
KEY = "microblog:rl:100/60:route:users.get:127.0.0.1:12345"


@dataclass
class FakeStore:
    """An atomic in-memory counter store that records every call."""

    counts: defaultdict[str, int] = field(default_factory=lambda: defaultdict(int))
    calls: list[tuple[str, int, int]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def incr(self, key: str, expiry: int, amount: int) -> int:
        with self.lock:
            self.calls.append((key, expiry, amount))
            self.counts[key] += amount
            return self.counts[key]

    def amounts(self, key: str = KEY) -> list[int]:
        return [amount for k, _, amount in self.calls if k == key]


def take_until_refused(counter: SharedCounter, limit: int, key: str = KEY) -> list[int]:
    """Take until refused; the remaining values of the allowed requests."""
    remaining: list[int] = []
    for _ in range(limit + 1):
        allowed, left = counter.take(key, EXPIRY, limit, False)
        if not allowed:
            assert left == 0
            return remaining
        remaining.append(left)
    raise AssertionError(f"more than {limit} requests allowed")


def test_large_budget_needs_few_store_calls() -> None:
    """A budget of 1,000,000: 10,000 requests cost one store call per MAX_SLICE requests,
    every call reserving at most MAX_SLICE, and all of them are allowed."""
    store = FakeStore()
    counter = SharedCounter(store.incr)
    limit, requests = 1_000_000, 10_000
    results = [counter.take(KEY, EXPIRY, limit, False) for _ in range(requests)]
    assert all(allowed for allowed, _ in results)
    assert len(store.calls) == -(-requests // SharedCounter.MAX_SLICE)  # ceil: 10
    assert len(store.calls) < requests / 50
    assert all(call == (KEY, EXPIRY, SharedCounter.MAX_SLICE) for call in store.calls)
    assert store.counts[KEY] >= requests
    # What is left counts the units reserved here and not yet spent as still available.
    assert results[-1][1] == limit - requests


def test_remaining_counts_down_by_one_with_a_single_worker() -> None:
    """One worker alone: remaining is exact (limit - requests so far), then 0 refused."""
    counter = SharedCounter(FakeStore().incr)
    assert take_until_refused(counter, 100) == list(range(99, -1, -1))
    assert counter.take(KEY, EXPIRY, 100, False) == (False, 0)


def test_slices_shrink_as_the_budget_runs_out() -> None:
    """With a budget of 100 one worker reserves at most a sixteenth of what it saw left,
    down to one request at a time; having reserved the whole budget itself, it refuses
    the next request without asking the store."""
    store = FakeStore()
    counter = SharedCounter(store.incr)
    assert len(take_until_refused(counter, 100)) == 100
    amounts = store.amounts()
    assert amounts[0] == 100 // SharedCounter.SHARE
    assert amounts == sorted(amounts, reverse=True)
    total = 0
    for amount in amounts:
        assert amount == max(1, min(SharedCounter.MAX_SLICE, (100 - total) // 16))
        total += amount
    assert amounts[-1] == 1
    assert total == 100
    assert len(amounts) < 100


@pytest.mark.parametrize("limit", [1, 10, 16, 31])
def test_small_budget_is_counted_one_by_one(limit: int) -> None:
    """A budget under 2 x SHARE: every store call reserves one request."""
    store = FakeStore()
    counter = SharedCounter(store.incr)
    assert take_until_refused(counter, limit) == list(range(limit - 1, -1, -1))
    assert store.amounts() == [1] * limit


def test_zero_budget_refuses_everything() -> None:
    store = FakeStore()
    counter = SharedCounter(store.incr)
    assert counter.take(KEY, EXPIRY, 0, False) == (False, 0)
    assert counter.take(KEY, EXPIRY, 0, False) == (False, 0)
    assert store.amounts() == [1]


def test_exact_budget_is_one_store_call_per_request() -> None:
    """``exact``: one call of amount 1 per request, even for a large budget, and the
    remaining count is the store's."""
    store = FakeStore()
    counter = SharedCounter(store.incr)
    results = [counter.take(KEY, EXPIRY, 1_000_000, True) for _ in range(200)]
    assert results == [(True, 1_000_000 - n) for n in range(1, 201)]
    assert store.calls == [(KEY, EXPIRY, 1)] * 200


def test_exact_budget_across_workers() -> None:
    """Exact counting across workers: the remaining count reflects everyone's requests,
    and the request after the last allowed one is refused."""
    store = FakeStore()
    workers = [SharedCounter(store.incr) for _ in range(3)]
    seen = [workers[n % 3].take(KEY, EXPIRY, 10, True) for n in range(12)]
    assert seen == [(True, 10 - n) for n in range(1, 11)] + [(False, 0)] * 2
    assert store.amounts() == [1] * 12


@pytest.mark.parametrize("exact", [False, True])
def test_no_store_call_once_refused(exact: bool) -> None:
    """Once a worker has seen the window's budget spent it answers from memory."""
    store = FakeStore()
    counter = SharedCounter(store.incr)
    limit = 40
    for _ in range(limit):
        assert counter.take(KEY, EXPIRY, limit, exact)[0]
    assert counter.take(KEY, EXPIRY, limit, exact) == (False, 0)
    calls = len(store.calls)
    for _ in range(100):
        assert counter.take(KEY, EXPIRY, limit, exact) == (False, 0)
    assert len(store.calls) == calls


def test_refused_after_another_worker_spent_the_budget() -> None:
    """A worker that never saw the key asks the store once, is refused, then stops."""
    store = FakeStore()
    first, second = SharedCounter(store.incr), SharedCounter(store.incr)
    assert len(take_until_refused(first, 50)) == 50
    calls = len(store.calls)
    assert second.take(KEY, EXPIRY, 50, False) == (False, 0)
    assert second.take(KEY, EXPIRY, 50, False) == (False, 0)
    assert len(store.calls) == calls + 1


def test_new_window_starts_afresh() -> None:
    """The next window's key (its index changes) is a new budget, counted again."""
    store = FakeStore()
    counter = SharedCounter(store.incr)
    key0, key1 = f"{KEY[:-6]}:1000", f"{KEY[:-6]}:1001"
    assert len(take_until_refused(counter, 20, key0)) == 20
    assert counter.take(key0, EXPIRY, 20, False) == (False, 0)
    assert counter.take(key1, EXPIRY, 20, False) == (True, 19)
    assert store.calls[-1] == (key1, EXPIRY, 1)
    assert len(take_until_refused(counter, 20, key1)) == 19
    assert counter.take(key0, EXPIRY, 20, False) == (False, 0)


def test_budgets_are_counted_per_key() -> None:
    """Two keys at once (two clients) do not share their slices."""
    store = FakeStore()
    counter = SharedCounter(store.incr)
    for _ in range(30):
        assert counter.take("a", EXPIRY, 30, False)[0]
        assert counter.take("b", EXPIRY, 30, False)[0]
    assert counter.take("a", EXPIRY, 30, False) == (False, 0)
    assert counter.take("b", EXPIRY, 30, False) == (False, 0)
    assert counter.take("c", EXPIRY, 30, False) == (True, 29)


def run_workers(
    workers: list[SharedCounter], limit: int, order: list[int]
) -> tuple[int, list[list[int]]]:
    """Take on the workers in ``order``; the number allowed and each worker's remaining
    values (allowed and refused)."""
    allowed_total = 0
    remaining: list[list[int]] = [[] for _ in workers]
    for n in order:
        allowed, left = workers[n].take(KEY, EXPIRY, limit, False)
        if allowed:
            allowed_total += 1
        else:
            assert left == 0
        assert allowed_total <= limit
        remaining[n].append(left)
    return allowed_total, remaining


@pytest.mark.parametrize("limit", [1, 7, 100, 1000, 5000])
@pytest.mark.parametrize("seed", range(5))
def test_workers_sharing_a_store_never_exceed_the_budget(limit: int, seed: int) -> None:
    """Several workers, requests spread over them at random: never more than ``limit``
    allowed in all, each worker's remaining never goes up, and taking on every worker
    until refused spends exactly the budget (no reserved unit is lost)."""
    rng = random.Random(seed)
    store = FakeStore()
    workers = [SharedCounter(store.incr) for _ in range(rng.randint(2, 8))]
    order = [rng.randrange(len(workers)) for _ in range(limit * 3)]
    allowed_total, remaining = run_workers(workers, limit, order)
    for values in remaining:
        assert values == sorted(values, reverse=True)

    for n, worker in enumerate(workers):
        spent = take_until_refused(worker, limit)
        allowed_total += len(spent)
        if remaining[n] and spent:
            assert spent[0] <= remaining[n][-1]
        assert worker.take(KEY, EXPIRY, limit, False) == (False, 0)
    assert allowed_total == limit
    assert all(worker.slices[KEY].left == 0 for worker in workers)
    assert sum(store.amounts()) >= limit
    assert all(1 <= a <= SharedCounter.MAX_SLICE for a in store.amounts())


def test_workers_round_robin_with_a_budget_of_100() -> None:
    """Four workers taking in turn: every one of them ends refused after exactly 100
    requests in all, with far fewer than 100 store calls."""
    store = FakeStore()
    workers = [SharedCounter(store.incr) for _ in range(4)]
    allowed_total, remaining = run_workers(workers, 100, [n % 4 for n in range(400)])
    assert allowed_total == 100
    assert all(values[-1] == 0 for values in remaining)
    assert all(worker.take(KEY, EXPIRY, 100, False) == (False, 0) for worker in workers)
    assert len(store.calls) < 100


def test_threads_sharing_workers_never_exceed_the_budget() -> None:
    """Threads on two workers (the store call is made outside the worker's lock): the
    budget still holds, and draining every worker afterwards spends exactly all of it."""
    store = FakeStore()
    workers = [SharedCounter(store.incr) for _ in range(2)]
    limit = 500
    allowed = [0] * 8
    start = threading.Barrier(len(allowed))

    def run(index: int) -> None:
        worker = workers[index % 2]
        start.wait()
        for _ in range(150):
            if worker.take(KEY, EXPIRY, limit, False)[0]:
                allowed[index] += 1

    threads = [threading.Thread(target=run, args=(n,)) for n in range(len(allowed))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(allowed) <= limit
    drained = sum(len(take_until_refused(worker, limit)) for worker in workers)
    assert sum(allowed) + drained == limit


class Clock:
    """Stands in for the ``time`` module inside microblog.web.ratelimit."""

    def __init__(self, now: float) -> None:
        self.now = now

    def time(self) -> float:
        return self.now

    def monotonic(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock(1_700_000_000.0)
    monkeypatch.setattr(ratelimit, "time", fake)
    return fake


def test_spent_slices_are_pruned_after_their_window(clock: Clock) -> None:
    """A worker forgets the slices of windows that have ended (at most PRUNE_EVERY late),
    so its memory does not grow with every client and window."""
    store = FakeStore()
    counter = SharedCounter(store.incr)
    for n in range(50):
        counter.take(f"client{n}:0", EXPIRY, 100, False)
    assert len(counter.slices) == 50
    clock.now += EXPIRY + SharedCounter.PRUNE_EVERY
    assert counter.take("client0:1", EXPIRY, 100, False) == (True, 99)
    assert list(counter.slices) == ["client0:1"]


def test_window_counters_incr_with_amount(clock: Clock) -> None:
    """WindowCounters.incr adds ``amount`` (1 by default) and returns the new total, per
    key; a key starts again from zero once its expiry has passed."""
    counters = WindowCounters()
    assert counters.incr("k", EXPIRY, 5) == 5
    assert counters.incr("k", EXPIRY) == 6
    assert counters.incr("k", EXPIRY, 64) == 70
    assert counters.incr("other", EXPIRY, 3) == 3
    assert counters.incr("k", EXPIRY, 0) == 70
    total = counters.incr("k", EXPIRY, 1)
    assert total == 71 and type(total) is int
    clock.now += EXPIRY - 1
    assert counters.incr("k", EXPIRY, 2) == 73
    clock.now += 1
    assert counters.incr("k", EXPIRY, 2) == 2
    assert counters.incr("other", EXPIRY) == 1


def test_window_counters_as_the_shared_store() -> None:
    """WindowCounters.incr fulfils the store's contract (it is the Redis fallback): three
    workers on one WindowCounters share a budget of 100 exactly."""
    counters = WindowCounters()
    workers = [SharedCounter(counters.incr) for _ in range(3)]
    allowed_total, _ = run_workers(workers, 100, [n % 3 for n in range(300)])
    assert allowed_total == 100
    assert counters.counts[KEY][0] >= 100
