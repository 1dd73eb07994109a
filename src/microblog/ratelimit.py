"""Rate limits (API.md §6): a default budget per client address and route, and stricter
budgets on the routes that check passwords, per client address and per account name tried.

Windows are fixed and aligned to the clock (a "10 per minute" budget resets at every whole
minute), so one counter increment per limit gives everything the ``RateLimit-*`` headers
need: no second round trip to ask the store when a window ends. Counts live in the
``limits`` library's storage: in-process memory by default, Redis with ``REDIS_URL``
(shared by every worker and instance). If Redis stops answering, the limiter falls back to
in-process memory (logged) and retries Redis after a few seconds: limits loosen for the
outage, the API stays up, and no request gets a 500 for it.

Why not Flask-Limiter (used here before): measured in-process on ``GET /users/{id}``
(~185 µs without any limiter), its per-request machinery cost 175 µs with memory storage
and ~800 µs with Redis (three round trips). This module costs ~15 µs on memory and one
Redis round trip (bench/results/middleware-*.md)."""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from flask import Flask, Response, current_app, request
from limits import RateLimitItem, parse
from limits.storage import Storage, storage_from_string

from microblog.errors import APIError

log = logging.getLogger("microblog.ratelimit")
EXTENSION_KEY = "microblog.ratelimiter"
RESULT_KEY = "microblog.ratelimit"
RETRY_STORAGE_AFTER = 5.0  # seconds on the memory fallback before trying Redis again

F = TypeVar("F", bound=Callable[..., Any])


class TooManyRequests(APIError):
    status_code = 429
    default_message = "Rate limit exceeded; retry after the number of seconds in Retry-After."


@dataclass(frozen=True, slots=True)
class Outcome:
    text: str  # "10 per 1 minute"
    limit: int
    remaining: int
    reset: int  # seconds until the window ends
    breached: bool


def client_address() -> str:
    """The peer address; behind ``TRUSTED_PROXIES`` proxies ProxyFix has already put the
    client's own address here from ``X-Forwarded-For`` (and never otherwise)."""
    return request.remote_addr or "unknown"


def login_name() -> str | None:
    """The account a password attempt is for: Basic user name or the JSON body's
    username/email, case-folded."""
    if request.authorization is not None and request.authorization.type == "basic":
        name = request.authorization.username
    else:
        body = request.get_json(silent=True)
        candidate = body.get("username") or body.get("email") if isinstance(body, dict) else None
        name = candidate if isinstance(candidate, str) else None
    return name.strip().lower()[:254] if name else None


def exempt(view: F) -> F:
    """No limit on this view (health checks, metrics, documentation assets)."""
    view.rate_limit_exempt = True  # type: ignore[attr-defined]
    return view


def password_route(view: F) -> F:
    """The stricter, shared login budgets instead of the default one."""
    view.rate_limit_login = True  # type: ignore[attr-defined]
    return view


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

    def incr(self, key: str, expiry: int) -> int:
        now = time.time()
        with self.lock:
            if now >= self.next_prune:
                self.counts = {k: v for k, v in self.counts.items() if v[1] > now}
                self.next_prune = now + self.PRUNE_EVERY
            entry = self.counts.get(key)
            if entry is None or entry[1] <= now:
                entry = self.counts[key] = [0, now + expiry]
            entry[0] += 1
            return int(entry[0])


class RateLimiter:
    def __init__(self, app: Flask) -> None:
        config = app.config
        self.enabled = bool(config["RATELIMIT_ENABLED"])
        self.default = parse(config["RATELIMIT_DEFAULT"])
        self.login_per_address = parse(config["RATELIMIT_LOGIN_PER_ADDRESS"])
        self.login_per_username = parse(config["RATELIMIT_LOGIN_PER_USERNAME"])
        # Static assets of the docs page: no view function of ours to mark.
        self.exempt_endpoints = frozenset({"static", "docs.static"})
        uri = config.get("RATELIMIT_STORAGE_URI") or config.get("REDIS_URL") or "memory://"
        options = {"socket_timeout": 0.5, "socket_connect_timeout": 0.5}
        self.storage: Storage | WindowCounters = (
            cast(Storage, storage_from_string(uri, **options))
            if uri.startswith("redis")
            else WindowCounters()
        )
        self.fallback = WindowCounters()
        self.fallback_until = 0.0

    def _incr(self, key: str, expiry: int) -> int:
        if self.fallback_until and time.monotonic() < self.fallback_until:
            return self.fallback.incr(key, expiry)
        try:
            count = self.storage.incr(key, expiry)
            self.fallback_until = 0.0
            return count
        except Exception:  # the store's driver errors: connection refused, timeouts...
            if not self.fallback_until:
                log.warning("rate-limit storage unreachable; counting in memory for now")
            self.fallback_until = time.monotonic() + RETRY_STORAGE_AFTER
            return self.fallback.incr(key, expiry)

    def hit(self, item: RateLimitItem, *identity: str) -> Outcome:
        window = item.get_expiry()
        now = time.time()
        index = int(now // window)
        key = f"microblog:rl:{item.amount}/{window}:{':'.join(identity)}:{index}"
        count = self._incr(key, window)
        reset = max(1, math.ceil((index + 1) * window - now))
        return Outcome(
            str(item), item.amount, max(0, item.amount - count), reset, count > item.amount
        )

    def check(self) -> None:
        if not self.enabled or request.endpoint is None or request.method == "OPTIONS":
            return
        if request.endpoint in self.exempt_endpoints:
            return
        view = current_app.view_functions.get(request.endpoint)
        if getattr(view, "rate_limit_exempt", False):
            return
        address = client_address()
        if getattr(view, "rate_limit_login", False):
            outcomes = [self.hit(self.login_per_address, "login-address", address)]
            name = login_name()
            if name is not None:
                outcomes.append(self.hit(self.login_per_username, "login-username", name))
        else:
            outcomes = [self.hit(self.default, "route", request.endpoint, address)]
        breached = [o for o in outcomes if o.breached]
        # Report the budget closest to running out (or the one that ran out).
        shown = (
            max(breached, key=lambda o: o.reset)
            if breached
            else min(outcomes, key=lambda o: o.remaining)
        )
        request.environ[RESULT_KEY] = shown
        if breached:
            raise TooManyRequests(
                f"Rate limit exceeded ({shown.text}); retry after {shown.reset} s.",
                headers={"Retry-After": str(shown.reset)},
            )


def add_headers(response: Response) -> Response:
    outcome: Outcome | None = request.environ.get(RESULT_KEY)
    if outcome is not None:
        headers = response.headers
        headers["RateLimit-Limit"] = str(outcome.limit)
        headers["RateLimit-Remaining"] = str(outcome.remaining)
        headers["RateLimit-Reset"] = str(outcome.reset)
    return response


def limiter() -> RateLimiter:
    found: RateLimiter = current_app.extensions[EXTENSION_KEY]
    return found


def check_request() -> None:
    limiter().check()


def init_app(app: Flask) -> None:
    app.extensions[EXTENSION_KEY] = RateLimiter(app)
    app.before_request(check_request)
    app.after_request(add_headers)
