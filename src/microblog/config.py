"""Settings read from the environment, one class per environment.

``MICROBLOG_ENV`` picks the class (``development``, ``testing`` or ``production``;
production is the default so that a forgotten variable never weakens a deployment).
"""

from __future__ import annotations

import logging
import os
import re
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

log = logging.getLogger("microblog.config")

#: Secrets refused in production whatever their length (compared case-insensitively).
WEAK_SECRETS = frozenset(
    {
        "",
        "secret",
        "secret-key",
        "secret_key",
        "secretkey",
        "mysecret",
        "supersecret",
        "topsecret",
        "jwt-secret",
        "jwt_secret",
        "jwtsecret",
        "changeme",
        "change-me",
        "change_me",
        "changethis",
        "change-this",
        "please-change-me",
        "password",
        "passw0rd",
        "p@ssw0rd",
        "default",
        "dev",
        "development",
        "test",
        "testing",
        "insecure",
        "admin",
        "key",
        "flask",
        "microblog",
        "123456",
        "12345678",
        "1234567890",
        "qwerty",
        "letmein",
        "your-secret-key",
        "your_secret_key",
        "your-secret-key-here",
        "replace-me",
        "xxx",
    }
)
#: Pooled connections one request can hold at once: the prepared reads' DBAPI connection
#: (prepared.py: the credential's user), the Core read connection and the ORM session's
#: (extensions.py). A pool smaller than this makes such requests wait DB_POOL_TIMEOUT and
#: fail with 503 even with one request per worker (docs/reliability.md#database-pool).
CONNECTIONS_PER_REQUEST = 3
#: The shortest secret production accepts, in bytes of UTF-8 (HS256 wants a 256-bit key).
MIN_SECRET_BYTES = 32
#: A short sequence repeated ("aaaa…", "changemechangeme…"): no entropy however long.
REPEATED = re.compile(r"(.{1,8}?)\1+", re.DOTALL)
HOW_TO_MAKE_ONE = 'python -c "import secrets; print(secrets.token_urlsafe(32))"'


def secret_problem(name: str, value: str | None) -> str | None:
    """Why ``value`` is not good enough for the secret setting ``name``, or None."""
    if value is None or not value.strip():
        return f"{name} must be set"
    size = len(value.encode())
    if value.strip().lower() in WEAK_SECRETS or REPEATED.fullmatch(value):
        return f"{name} is a well-known or repetitive placeholder value"
    if size < MIN_SECRET_BYTES:
        return f"{name} is {size} bytes long; it must be at least {MIN_SECRET_BYTES} bytes"
    return None


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise RuntimeError(f"{name} must be an integer, got {raw!r}") from exc


def normalise_database_url(url: str) -> str:
    """Route PostgreSQL URLs to psycopg 3 whatever scheme the platform hands us."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = float(raw)
    except ValueError as exc:
        raise RuntimeError(f"{name} must be a number, got {raw!r}") from exc
    if not 0 <= value <= 60:
        raise RuntimeError(f"{name} must be between 0 and 60 (seconds), got {raw!r}")
    return value


def _list(name: str) -> list[str]:
    """A comma-separated setting's entries, blanks dropped."""
    return [item.strip() for item in os.environ.get(name, "").split(",") if item.strip()]


def _bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return raw.strip().lower() in ("1", "true", "yes", "on")


class Config:
    ENV_NAME = "production"
    DEBUG = False
    TESTING = False

    def __init__(self, instance_path: str) -> None:
        default_db = "sqlite:///" + str(Path(instance_path) / "microblog.db")
        self.SECRET_KEY: str | None = os.environ.get("SECRET_KEY")
        self.SQLALCHEMY_DATABASE_URI = normalise_database_url(
            os.environ.get("DATABASE_URL") or default_db
        )
        # The database pool, per worker process (engine_options() turns these into the
        # engine's options). A request that waits DB_POOL_TIMEOUT seconds for a connection,
        # or a statement that runs DB_STATEMENT_TIMEOUT_MS (PostgreSQL), fails with 503 and
        # Retry-After rather than holding the worker (errors.py).
        self.DB_POOL_SIZE = _int("DB_POOL_SIZE", 5)
        self.DB_MAX_OVERFLOW = _int("DB_MAX_OVERFLOW", 5)
        self.DB_POOL_TIMEOUT = _float("DB_POOL_TIMEOUT", 5.0)
        # Test each pooled connection before use: after a database restart the first
        # request of every worker would otherwise meet a dead connection (one round trip).
        self.DB_POOL_PRE_PING = _bool("DB_POOL_PRE_PING", True)
        self.DB_STATEMENT_TIMEOUT_MS = _int("DB_STATEMENT_TIMEOUT_MS", 10_000)
        self.DB_CONNECT_TIMEOUT = _int("DB_CONNECT_TIMEOUT", 3)
        # Retry-After (seconds) on a 503 for a dependency that is down or saturated.
        self.SERVICE_RETRY_AFTER = _int("SERVICE_RETRY_AFTER", 1)
        self.REDIS_URL = os.environ.get("REDIS_URL") or None
        self.CORS_ORIGINS = os.environ.get("CORS_ORIGINS", "")
        self.RATELIMIT_ENABLED = _bool("RATELIMIT_ENABLED", True)
        self.RATELIMIT_DEFAULT = os.environ.get("RATELIMIT_DEFAULT", "300 per minute")
        # Password guessing: per client address and per account name tried.
        self.RATELIMIT_LOGIN_PER_ADDRESS = os.environ.get(
            "RATELIMIT_LOGIN_PER_ADDRESS", "20 per minute"
        )
        self.RATELIMIT_LOGIN_PER_USERNAME = os.environ.get(
            "RATELIMIT_LOGIN_PER_USERNAME", "10 per minute"
        )
        # How many reverse proxies in front of us may set X-Forwarded-* (0: trust none).
        self.TRUSTED_PROXIES = _int("TRUSTED_PROXIES", 0)
        # Where clients reach the API (scheme://host[:port][/prefix]): links and Location
        # are built from it, whatever Host a request carries (hosts.py).
        self.PUBLIC_URL: str | None = os.environ.get("PUBLIC_URL", "").strip() or None
        # Host names a request may carry (hosts.py), besides the loopback names and
        # PUBLIC_URL's host. Not Flask's own TRUSTED_HOSTS, which stays None: see hosts.py
        # for why Flask 3.1's check does not do here.
        self.TRUSTED_HOST_NAMES = _list("TRUSTED_HOSTS")
        self.TRUSTED_HOSTS = None
        # /metrics: with a token, only `Authorization: Bearer <token>`; without, loopback
        # clients only. Also shows /readyz's failing checks (api/ops.py).
        self.METRICS_TOKEN: str | None = os.environ.get("METRICS_TOKEN") or None
        self.TOKEN_TTL = _int("TOKEN_TTL", 3600)
        self.JWT_ACCESS_TTL = _int("JWT_ACCESS_TTL", 15 * 60)
        self.JWT_REFRESH_TTL = _int("JWT_REFRESH_TTL", 30 * 24 * 3600)
        # A dedicated JWT key lets tokens be rotated without touching SECRET_KEY.
        self.JWT_SECRET_KEY: str | None = os.environ.get("JWT_SECRET_KEY") or None
        self.JWT_ISSUER = os.environ.get("JWT_ISSUER", "microblog")
        self.JWT_AUDIENCE = os.environ.get("JWT_AUDIENCE", "microblog-api")
        self.JWT_LEEWAY = _int("JWT_LEEWAY", 5)
        self.MAX_CONTENT_LENGTH = _int("MAX_CONTENT_LENGTH", 1024 * 1024)
        self.LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO").upper()
        self.LOG_FORMAT = os.environ.get("LOG_FORMAT", "json")
        # Seconds a request's metrics and log line may be held to be done in a batch
        # with others (0: each at once); see observability.RequestRecorder.
        self.TELEMETRY_FLUSH_INTERVAL = _float(
            "TELEMETRY_FLUSH_INTERVAL", 0.5 if self.ENV_NAME == "production" else 0.0
        )
        # Switches for the per-request middleware (bench/ measures their cost with them off).
        self.REQUEST_LOG_ENABLED = _bool("REQUEST_LOG_ENABLED", True)
        self.METRICS_ENABLED = _bool("METRICS_ENABLED", True)
        self.ETAGS_ENABLED = _bool("ETAGS_ENABLED", True)
        # How often (seconds) an authenticated request may write ``last_seen``.
        self.LAST_SEEN_INTERVAL = _int("LAST_SEEN_INTERVAL", 60)
        self.PER_PAGE_DEFAULT = 10
        self.PER_PAGE_MAX = 100
        # argon2id parameters (RFC 9106 second recommendation: 64 MiB, t=3, p=4).
        self.ARGON2_TIME_COST = _int("ARGON2_TIME_COST", 3)
        self.ARGON2_MEMORY_COST = _int("ARGON2_MEMORY_COST", 64 * 1024)
        self.ARGON2_PARALLELISM = _int("ARGON2_PARALLELISM", 4)
        self.SQLALCHEMY_RECORD_QUERIES = False
        # Check every response against its schema (tests, development); see api/responses.
        self.VALIDATE_RESPONSES = _bool("VALIDATE_RESPONSES", self.ENV_NAME != "production")

    def validate(self) -> None:
        """Production refuses to start with a weak secret or an invalid host setting."""
        checked = [("SECRET_KEY", self.SECRET_KEY)]
        # Optional ones: checked when set.
        checked += [
            (name, value)
            for name, value in (
                ("JWT_SECRET_KEY", self.JWT_SECRET_KEY),
                ("METRICS_TOKEN", self.METRICS_TOKEN),
            )
            if value is not None
        ]
        for name, value in checked:
            problem = secret_problem(name, value)
            if problem is not None:
                raise RuntimeError(
                    f"{problem} outside development and testing: use a random value of at "
                    f"least {MIN_SECRET_BYTES} bytes, e.g. the output of {HOW_TO_MAKE_ONE}"
                )
        pooled = self.SQLALCHEMY_DATABASE_URI not in ("sqlite://", "sqlite:///:memory:")
        capacity = self.DB_POOL_SIZE + self.DB_MAX_OVERFLOW
        if pooled and capacity < CONNECTIONS_PER_REQUEST:
            log.warning(
                "DB_POOL_SIZE + DB_MAX_OVERFLOW is %d, but one request can hold %d "
                "connections at once: authenticated requests will wait DB_POOL_TIMEOUT and "
                "fail with 503 (docs/reliability.md#database-pool)",
                capacity,
                CONNECTIONS_PER_REQUEST,
            )
        # PUBLIC_URL and TRUSTED_HOSTS are checked in every environment, by hosts.init_app.
        if not self.PUBLIC_URL and not self.TRUSTED_HOST_NAMES:
            log.warning(
                "neither PUBLIC_URL nor TRUSTED_HOSTS is set: answering only to requests "
                "for localhost, 127.0.0.1 and [::1] (any other Host gets 400)"
            )


class DevelopmentConfig(Config):
    ENV_NAME = "development"
    DEBUG = True

    def __init__(self, instance_path: str) -> None:
        super().__init__(instance_path)
        if not self.SECRET_KEY:
            self.SECRET_KEY = _instance_secret(instance_path)
        self.LOG_FORMAT = os.environ.get("LOG_FORMAT", "text")

    def validate(self) -> None:
        pass


class TestingConfig(Config):
    ENV_NAME = "testing"
    TESTING = True

    def __init__(self, instance_path: str) -> None:
        super().__init__(instance_path)
        self.SECRET_KEY = self.SECRET_KEY or secrets.token_urlsafe(32)
        self.SQLALCHEMY_DATABASE_URI = normalise_database_url(
            os.environ.get("TEST_DATABASE_URL") or "sqlite://"
        )
        # Cheap hashing keeps the suite fast; production parameters are tested in unit tests.
        self.ARGON2_TIME_COST = 1
        self.ARGON2_MEMORY_COST = 8
        self.ARGON2_PARALLELISM = 1
        self.LOG_FORMAT = "text"
        # Tests that exercise limits switch them on; the rest would trip them.
        self.RATELIMIT_ENABLED = False

    def validate(self) -> None:
        pass


class ProductionConfig(Config):
    pass


CONFIGS: dict[str, type[Config]] = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def engine_options(settings: Mapping[str, Any]) -> dict[str, Any]:
    """SQLAlchemy engine options for ``SQLALCHEMY_DATABASE_URI`` from the DB_* settings.

    In-memory SQLite (the tests) keeps Flask-SQLAlchemy's single shared connection; a
    SQLite file gets the pool limits; PostgreSQL also a connect and a statement timeout."""
    url: str = settings["SQLALCHEMY_DATABASE_URI"]
    options: dict[str, Any] = {"pool_pre_ping": settings["DB_POOL_PRE_PING"]}
    if url in ("sqlite://", "sqlite:///:memory:"):
        return options
    options.update(
        pool_size=settings["DB_POOL_SIZE"],
        max_overflow=settings["DB_MAX_OVERFLOW"],
        pool_timeout=settings["DB_POOL_TIMEOUT"],
    )
    if url.startswith("postgresql"):
        connect_args: dict[str, Any] = {"connect_timeout": settings["DB_CONNECT_TIMEOUT"]}
        if settings["DB_STATEMENT_TIMEOUT_MS"] > 0:
            connect_args["options"] = f"-c statement_timeout={settings['DB_STATEMENT_TIMEOUT_MS']}"
        options["connect_args"] = connect_args
    return options


def load_config(name: str | None, instance_path: str) -> Config:
    env_name = name or os.environ.get("MICROBLOG_ENV", "production")
    try:
        cls = CONFIGS[env_name]
    except KeyError:
        raise RuntimeError(
            f"MICROBLOG_ENV must be one of {', '.join(CONFIGS)}, got {env_name!r}"
        ) from None
    config = cls(instance_path)
    config.validate()
    return config


def _instance_secret(instance_path: str) -> str:
    """A development secret kept in ``instance/`` so restarts keep sessions valid."""
    path = Path(instance_path) / ".secret_key"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(32)
    path.write_text(value)
    path.chmod(0o600)
    return value
