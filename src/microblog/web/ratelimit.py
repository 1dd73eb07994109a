"""Rate limits (docs/reference.md#rate-limits): a default budget per client address and route, and
one login budget for every password check, per client address and per account.

The login budget is not a property of routes: :func:`spend_login_attempt` is called by the
one function that checks passwords (``services.users.authenticate_password``) before it
hashes anything, and the hasher will not verify without the :class:`LoginAttempt` it
returns. So HTTP Basic on any route, the JSON login, and any route added later all draw on
the same budgets; there is no per-view mark to forget.

Windows are fixed and aligned to the clock (a "10 per minute" budget resets at every whole
minute), so one counter increment per limit gives everything the ``RateLimit-*`` headers
need: no second round trip to ask the store when a window ends. Counts live in-process by
default (:class:`WindowCounters`, per worker) or in Redis with ``REDIS_URL`` (the ``limits``
library's storage, shared by every worker and instance).

With Redis, a worker does not ask the store on every request: it reserves a *slice* of a budget
(1/16 of what it last saw left, at most 1,024 requests) with one atomic increment and spends it
locally (:class:`SharedCounter`). A budget is never exceeded (every request spends a reserved
unit), and a small budget degrades to a round trip per request: a slice is never more than a
sixteenth of what is left, so slices shrink to one request as a budget runs out (the default 300
per minute starts at slices of 18). What a slice costs: a client can be refused early while other
workers hold unspent units of its budget (at most a sixteenth of what was left when each took its
slice). The password budgets are always counted exactly, one round trip per attempt. Measured in
the request path, a round trip to Redis took ~380-490 µs of wall time on this machine against ~190
µs for a whole request: counting every request in Redis made the middleware cost 72 % (its target,
docs/architecture.md, is 15 %). Slices of at most 256 still cost ~1.9 µs a request (~1 % of it);
1,024 brings that to ~0.5 µs, and a slice that size is only taken while more than 16,384 requests
of a budget are left. bench/results/middleware-*.md has the numbers with slices.

If Redis stops answering, the limiter falls back to in-process memory (logged) and retries
Redis after a few seconds: limits loosen for the outage, the API stays up, and no request
gets a 500 for it.

Why not Flask-Limiter (used here before): measured in-process on ``GET /users/{id}``
(~185 µs without any limiter), its per-request machinery cost 175 µs with memory storage
and ~800 µs with Redis (three round trips)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from flask import Flask, Request, Response, current_app, request
from limits import RateLimitItem, parse
from limits.storage import Storage, storage_from_string

from microblog.data.passwords import LoginAttempt
from microblog.errors import APIError
from microblog.web.spec import spec_of

log = logging.getLogger("microblog.ratelimit")
EXTENSION_KEY = "microblog.ratelimiter"
RESULT_KEY = "microblog.ratelimit"
RETRY_STORAGE_AFTER = 5.0  # seconds on the memory fallback before trying Redis again

F = TypeVar("F", bound=Callable[..., Any])


class TooManyRequests(APIError):
    status_code = 429
    default_message = "Rate limit exceeded; retry after the number of seconds in Retry-After."


@dataclass(frozen=True, slots=True)
class Budget:
    """One configured limit, e.g. "10 per 1 minute" of the per-username login budget."""

    text: str  # "10 per 1 minute"
    limit: int
    window: int  # seconds
    prefix: str  # of its store keys
    exact: bool  # never reserve more than one request in the shared store

    @classmethod
    def parse(cls, spec: str, name: str, *, exact: bool = False) -> Budget:
        item: RateLimitItem = parse(spec)
        window = item.get_expiry()
        prefix = f"microblog:rl:{item.amount}/{window}:{name}:"
        return cls(str(item), item.amount, window, prefix, exact)


@dataclass(slots=True)  # not frozen: a frozen dataclass costs ~1 µs more to build
class Outcome:
    budget: Budget
    remaining: int
    reset: int  # seconds until the window ends
    breached: bool


class WindowCounters:
    """In-process counters for fixed windows: the memory storage. ``limits``'
    MemoryStorage does the same with a timer thread and more bookkeeping (~25 µs a hit
    against ~2 µs here); a window's key carries its index, so an entry never outlives
    its window by more than the pruning interval."""

    PRUNE_EVERY = 60.0

    def __init__(self) -> None:
        self.counts: dict[str, list[float]] = {}
        self.lock = threading.Lock()
        self.next_prune = 0.0

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = time.time()
        with self.lock:
            if now >= self.next_prune:
                self.counts = {k: v for k, v in self.counts.items() if v[1] > now}
                self.next_prune = now + self.PRUNE_EVERY
            entry = self.counts.get(key)
            if entry is None or entry[1] <= now:
                entry = self.counts[key] = [0, now + expiry]
            entry[0] += amount
            return int(entry[0])


@dataclass(slots=True)
class Slice:
    """What this process holds of one window's budget in the shared store."""

    expires: float  # the window's end (time.time())
    left: int = 0  # units reserved in the store and not yet spent here
    known: int = 0  # the store's count after our last reservation (everyone's units)


class SharedCounter:
    """Counts in a shared store (Redis) by reserving slices of each budget: see the module
    docstring. ``take`` answers whether this request may pass and what is left."""

    SHARE = 16  # a slice is at most this fraction of what is left...
    MAX_SLICE = 1024  # ...and at most this many requests
    PRUNE_EVERY = 60.0

    def __init__(self, incr: Callable[[str, int, int], int]) -> None:
        self.incr = incr
        self.slices: dict[str, Slice] = {}
        self.lock = threading.Lock()
        self.next_prune = 0.0

    def take(self, key: str, expiry: int, limit: int, exact: bool) -> tuple[bool, int]:
        with self.lock:
            held = self.slices.get(key)
            if held is not None:
                if held.left > 0:  # the common case: spend a unit reserved earlier
                    held.left -= 1
                    return True, max(0, limit - held.known + held.left)
                if held.known >= limit:
                    # Spent everywhere, and a window's count never goes down (its key
                    # changes with the next window): no need to ask the store.
                    return False, 0
            seen = held.known if held is not None else 0
        now = time.time()
        size = 1 if exact else max(1, min(self.MAX_SLICE, (limit - seen) // self.SHARE))
        total = self.incr(key, expiry, size)  # outside the lock: a network round trip
        granted = max(0, min(size, limit - (total - size)))
        with self.lock:
            if now >= self.next_prune:  # only here: this is where slices are added
                self.slices = {k: v for k, v in self.slices.items() if v.expires > now}
                self.next_prune = now + self.PRUNE_EVERY
            held = self.slices.setdefault(key, Slice(expires=now + expiry))
            held.known = max(held.known, total)
            held.left += granted
            if held.left <= 0:
                return False, 0
            held.left -= 1
            return True, max(0, limit - held.known + held.left)


class RateLimiter:
    def __init__(self, app: Flask) -> None:
        config = app.config
        self.enabled = bool(config["RATELIMIT_ENABLED"])
        self.default = Budget.parse(config["RATELIMIT_DEFAULT"], "route")
        self.login_per_address = Budget.parse(
            config["RATELIMIT_LOGIN_PER_ADDRESS"], "login-address", exact=True
        )
        self.login_per_account = Budget.parse(
            config["RATELIMIT_LOGIN_PER_USERNAME"], "login-account", exact=True
        )
        self.view_functions = app.view_functions
        # Whether an endpoint is exempt, decided once per endpoint from its view. Static
        # assets of the docs page: no view function of ours to mark.
        self.exempt: dict[str, bool] = {"static": True, "docs.static": True}
        uri = config.get("RATELIMIT_STORAGE_URI") or config.get("REDIS_URL") or "memory://"
        options = {"socket_timeout": 0.5, "socket_connect_timeout": 0.5}
        self.local = WindowCounters()
        self.shared: SharedCounter | None = None
        self.storage: Storage | None = None
        if uri.startswith("redis"):
            self.storage = cast(Storage, storage_from_string(uri, **options))
            self.shared = SharedCounter(self._incr_shared)
        self.fallback_until = 0.0

    def _incr_shared(self, key: str, expiry: int, amount: int) -> int:
        """Add to the shared store's count; on the memory fallback while it is down."""
        if self.fallback_until and time.monotonic() < self.fallback_until:
            return self.local.incr(key, expiry, amount)
        assert self.storage is not None
        try:
            count = self.storage.incr(key, expiry, amount)
            self.fallback_until = 0.0
            return count
        except Exception:  # the store's driver errors: connection refused, timeouts...
            if not self.fallback_until:
                log.warning("rate-limit storage unreachable; counting in memory for now")
            self.fallback_until = time.monotonic() + RETRY_STORAGE_AFTER
            return self.local.incr(key, expiry, amount)

    def hit(self, budget: Budget, identity: str) -> Outcome:
        """Spend one request of ``budget`` for ``identity``."""
        window = budget.window
        now = time.time()
        index = int(now // window)
        key = f"{budget.prefix}{identity}:{index}"
        limit = budget.limit
        if self.shared is not None:
            allowed, remaining = self.shared.take(key, window, limit, budget.exact)
        else:
            count = self.local.incr(key, window)
            allowed, remaining = count <= limit, max(0, limit - count)
        # Seconds to the window's end, rounded up: windows end on whole seconds, so that is
        # the end minus the whole seconds of now.
        reset = max(1, (index + 1) * window - int(now))
        return Outcome(budget, remaining, reset, not allowed)

    def is_exempt(self, endpoint: str) -> bool:
        view = self.view_functions.get(endpoint)
        spec = spec_of(view)
        found = self.exempt[endpoint] = spec is not None and spec.throttle == "exempt"
        return found

    def check(self, req: Request) -> None:
        """The default budget, per client address and route (a pipeline step). Password
        attempts are counted where the password is checked: :meth:`spend_login`."""
        endpoint = req.endpoint
        if endpoint is None or req.method == "OPTIONS":
            return
        exempt = self.exempt.get(endpoint)
        if exempt is None:
            exempt = self.is_exempt(endpoint)
        if exempt:
            return
        shown = self.hit(self.default, f"{endpoint}:{req.remote_addr or 'unknown'}")
        req.environ[RESULT_KEY] = shown
        if shown.breached:
            raise refusal(shown)

    def spend_login(self, req: Request, account: str) -> LoginAttempt:
        """One password attempt against the login budgets of the client address and of
        ``account``; 429 when either is spent. Every attempt counts, right or wrong."""
        if self.enabled:
            address = req.remote_addr or "unknown"
            self.report(
                req,
                [
                    self.hit(self.login_per_address, address),
                    self.hit(self.login_per_account, account),
                ],
            )
        return LoginAttempt(account)

    def report(self, req: Request, outcomes: list[Outcome]) -> None:
        """Keep, for the RateLimit-* headers, the budget of this request closest to running
        out (or the one that ran out, refusing the request)."""
        earlier: Outcome | None = req.environ.get(RESULT_KEY)
        if earlier is not None:
            outcomes.append(earlier)
        breached = [o for o in outcomes if o.breached]
        shown = (
            max(breached, key=lambda o: o.reset)
            if breached
            else min(outcomes, key=lambda o: o.remaining)
        )
        req.environ[RESULT_KEY] = shown
        if shown.breached:
            raise refusal(shown)


def refusal(outcome: Outcome) -> TooManyRequests:
    return TooManyRequests(
        f"Rate limit exceeded ({outcome.budget.text}); retry after {outcome.reset} s.",
        headers={"Retry-After": str(outcome.reset)},
    )


def spend_login_attempt(account: str) -> LoginAttempt:
    """Count one password attempt for ``account`` (and the client address) in the current
    app and request; raises :class:`TooManyRequests` when a login budget is spent."""
    limiter: RateLimiter = current_app.extensions[EXTENSION_KEY]
    return limiter.spend_login(request, account)


def add_headers(req: Request, response: Response) -> Response:
    outcome: Outcome | None = req.environ.get(RESULT_KEY)
    if outcome is not None:
        # add(), not []=: nothing else sets these, and set() scans every header first.
        headers = response.headers
        headers.add("RateLimit-Limit", str(outcome.budget.limit))
        headers.add("RateLimit-Remaining", str(outcome.remaining))
        headers.add("RateLimit-Reset", str(outcome.reset))
    return response


def init_app(app: Flask) -> RateLimiter | None:
    """Attach the limiter; returns it when limits are on (the pipeline then runs it)."""
    found = app.extensions[EXTENSION_KEY] = RateLimiter(app)
    return found if found.enabled else None
