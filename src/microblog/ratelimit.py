"""Rate limits (Flask-Limiter): a default for every route, stricter ones on the routes
that check passwords, keyed by client address and by the username being tried.

Storage is in-process memory by default and Redis when ``REDIS_URL`` is set, so every
worker and instance shares the counts. If Redis stops answering, Flask-Limiter falls back
to in-memory limits per process (logged) instead of failing requests: limits get looser
for the outage, the API stays up, and no request ever gets a 500 for it."""

from __future__ import annotations

import contextlib
import time
from typing import Any

from flask import Flask, Response, request
from flask_limiter import Limiter

LOGIN_ROUTES_NOTE = "POST /tokens and POST /auth/login"


def client_address() -> str:
    """The peer address; behind ``TRUSTED_PROXIES`` proxies ProxyFix has already put the
    client's own address here from ``X-Forwarded-For`` (and never otherwise)."""
    return request.remote_addr or "unknown"


def login_name() -> str:
    """The account a password attempt is for: Basic user name or the JSON body's
    username/email, case-folded; the client address when there is none."""
    name = None
    if request.authorization is not None and request.authorization.type == "basic":
        name = request.authorization.username
    else:
        body = request.get_json(silent=True)
        if isinstance(body, dict):
            candidate = body.get("username") or body.get("email")
            name = candidate if isinstance(candidate, str) else None
    return f"login:{name.strip().lower()[:254]}" if name else f"login-address:{client_address()}"


limiter = Limiter(
    key_func=client_address,
    # Read per request: the limiter is one object for every app in the process, and
    # Flask-Limiter keeps the first app's RATELIMIT_DEFAULT forever when it is config.
    default_limits=[lambda: _config("RATELIMIT_DEFAULT")],
    headers_enabled=True,
    swallow_errors=True,
    in_memory_fallback_enabled=True,
    retry_after="delta-seconds",
    key_prefix="microblog",
)

#: Decorators for the password-checking routes (applied in api/tokens.py, api/auth.py).
#: Shared limits: attempts on either route count against the same budget.
login_limits = [
    limiter.shared_limit(
        lambda: _config("RATELIMIT_LOGIN_PER_ADDRESS"),
        scope="login-address",
        key_func=client_address,
    ),
    limiter.shared_limit(
        lambda: _config("RATELIMIT_LOGIN_PER_USERNAME"),
        scope="login-username",
        key_func=login_name,
    ),
]


def password_route(view: Any) -> Any:
    for decorate in login_limits:
        view = decorate(view)
    return view


def _config(name: str) -> str:
    from flask import current_app

    value: str = current_app.config[name]
    return value


def standard_headers(response: Response) -> Response:
    """IETF RateLimit headers: ``RateLimit-Reset`` in seconds from now (Flask-Limiter
    writes an epoch time), and ``Retry-After`` only where it means something (429)."""
    reset = response.headers.get("RateLimit-Reset")
    if reset is not None:
        with contextlib.suppress(ValueError):
            response.headers["RateLimit-Reset"] = str(max(0, int(float(reset) - time.time())))
    if response.status_code != 429 and "Retry-After" in response.headers:
        del response.headers["Retry-After"]
    return response


def init_app(app: Flask) -> None:
    config = app.config
    config.setdefault("RATELIMIT_STORAGE_URI", config.get("REDIS_URL") or "memory://")
    config.setdefault("RATELIMIT_HEADER_LIMIT", "RateLimit-Limit")
    config.setdefault("RATELIMIT_HEADER_REMAINING", "RateLimit-Remaining")
    config.setdefault("RATELIMIT_HEADER_RESET", "RateLimit-Reset")
    config.setdefault("RATELIMIT_HEADER_RETRY_AFTER", "Retry-After")
    if config.get("REDIS_URL"):
        config.setdefault(
            "RATELIMIT_STORAGE_OPTIONS", {"socket_timeout": 0.5, "socket_connect_timeout": 0.5}
        )
    # Registered before the limiter's own after_request, so it runs after it.
    app.after_request(standard_headers)
    limiter.init_app(app)
