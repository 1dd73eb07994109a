"""Rate limits (docs/reference.md#rate-limits): a default budget per client address and route, and
one login budget for every password check, per client address and per account.

The login budget is not a property of routes: :func:`spend_login_attempt` is called by the
one function that checks passwords (``services.users.authenticate_password``) before it
hashes anything, and the hasher will not verify without the :class:`LoginAttempt` it
returns. So HTTP Basic on any route, the JSON login, and any route added later all draw on
the same budgets; there is no per-view mark to forget.

Windows are fixed and aligned to the clock (a "10 per minute" budget resets at every whole
minute), so one counter increment per budget gives everything the ``RateLimit-*`` headers
need. Counters live in process memory by default (per worker: :class:`WindowCounts`), or
in a ``limits`` Redis storage with ``REDIS_URL`` (shared by every worker and instance, one
round trip per budget a request spends).

If Redis stops answering, the limiter counts in process memory (logged) and retries Redis
after a few seconds: limits loosen for the outage, the API stays up, and no request gets a
500 for it (docs/reliability.md).

Not Flask-Limiter: its limits are per route, and the login budget belongs to the password
check, wherever a route checks one."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import cast

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

    @classmethod
    def parse(cls, spec: str, name: str) -> Budget:
        item: RateLimitItem = parse(spec)
        window = item.get_expiry()
        prefix = f"microblog:rl:{item.amount}/{window}:{name}:"
        return cls(str(item), item.amount, window, prefix)


@dataclass(frozen=True, slots=True)
class Outcome:
    budget: Budget
    remaining: int
    reset: int  # seconds until the window ends
    breached: bool


class WindowCounts:
    """In-process counters of fixed windows. A key names its window (the limiter puts the
    window's index in it), so an ended window's counts are never read again: they are
    swept once a second, and no thread is needed. limits' MemoryStorage re-arms a 10 ms
    timer thread that walks every key: with the bench's 10,000 client addresses, GET
    /users/{id} on SQLite went from -35 % to -23 % against the build before the redesign
    with this class (bench/results/ab-2026-11-30-29bf79f-35eb9f4.md, -5175e76.md)."""

    SWEEP_EVERY = 1.0  # seconds

    def __init__(self) -> None:
        self.counts: dict[str, tuple[int, float]] = {}  # key -> (count, when it expires)
        self.lock = threading.Lock()
        self.next_sweep = 0.0

    def incr(self, key: str, expiry: int) -> int:
        now = time.time()
        with self.lock:
            if now >= self.next_sweep:
                self.counts = {k: v for k, v in self.counts.items() if v[1] > now}
                self.next_sweep = now + self.SWEEP_EVERY
            count, expires = self.counts.get(key, (0, now + expiry))
            self.counts[key] = (count + 1, expires)
        return count + 1


class RateLimiter:
    def __init__(self, app: Flask) -> None:
        config = app.config
        self.enabled = bool(config["RATELIMIT_ENABLED"])
        self.default = Budget.parse(config["RATELIMIT_DEFAULT"], "route")
        self.login_per_address = Budget.parse(
            config["RATELIMIT_LOGIN_PER_ADDRESS"], "login-address"
        )
        self.login_per_account = Budget.parse(
            config["RATELIMIT_LOGIN_PER_USERNAME"], "login-account"
        )
        self.view_functions = app.view_functions
        # Whether an endpoint is exempt, decided once per endpoint from its view. Static
        # assets of the docs page: no view function of ours to mark.
        self.exempt: dict[str, bool] = {"static": True, "docs.static": True}
        uri = config.get("RATELIMIT_STORAGE_URI") or config.get("REDIS_URL") or "memory://"
        self.local = WindowCounts()
        self.storage: Storage | None = None  # a shared store; None counts in self.local
        if uri.startswith("redis"):
            options = {"socket_timeout": 0.5, "socket_connect_timeout": 0.5}
            self.storage = cast(Storage, storage_from_string(uri, **options))
        self.fallback_until = 0.0

    def _incr(self, key: str, expiry: int) -> int:
        """Count one request in the store; in memory while a shared store is down."""
        if self.storage is None or time.monotonic() < self.fallback_until:
            return self.local.incr(key, expiry)
        try:
            count = self.storage.incr(key, expiry)
            self.fallback_until = 0.0
            return count
        except Exception:  # the store's driver errors: connection refused, timeouts...
            if not self.fallback_until:
                log.warning("rate-limit storage unreachable; counting in memory for now")
            self.fallback_until = time.monotonic() + RETRY_STORAGE_AFTER
            return self.local.incr(key, expiry)

    def hit(self, budget: Budget, identity: str) -> Outcome:
        """Spend one request of ``budget`` for ``identity``."""
        window = budget.window
        now = time.time()
        index = int(now // window)
        key = f"{budget.prefix}{identity}:{index}"
        count = self._incr(key, window)
        allowed, remaining = count <= budget.limit, max(0, budget.limit - count)
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
