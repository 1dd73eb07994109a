"""Settings read from the environment: one pydantic-settings class, checked at start-up.

``MICROBLOG_ENV`` (``development``, ``testing`` or ``production``; production when unset, so
that a forgotten variable never weakens a deployment) picks the defaults that differ by
environment (:data:`ENVIRONMENT_DEFAULTS`, :data:`TESTING_FIXED`). An empty value is the same
as an unset variable. A value that is not valid stops the start with a RuntimeError naming
its variable (:func:`load_config`), rather than failing later inside the app.
"""

from __future__ import annotations

import logging
import re
import secrets
import unicodedata
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from limits import parse_many
from pydantic import (
    AfterValidator,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import ErrorDetails
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

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
#: The shortest secret production accepts, in bytes of UTF-8 (HS256 wants a 256-bit key).
MIN_SECRET_BYTES = 32
#: A short sequence repeated ("aaaa…", "changemechangeme…"): no entropy however long.
REPEATED = re.compile(r"(.{1,8}?)\1+", re.DOTALL)
HOW_TO_MAKE_ONE = 'python -c "import secrets; print(secrets.token_urlsafe(32))"'

#: Secrets are used byte for byte (never stripped) and never repeated in an error.
SECRETS = frozenset({"SECRET_KEY", "JWT_SECRET_KEY", "METRICS_TOKEN"})
#: URLs that may carry a password: their values are left out of error messages too.
UNQUOTED = SECRETS | {"DATABASE_URL", "TEST_DATABASE_URL", "REDIS_URL"}

Environment = Literal["development", "testing", "production"]

#: The defaults that differ from production's (the class's own); a variable set wins.
ENVIRONMENT_DEFAULTS: dict[str, dict[str, Any]] = {
    "production": {},
    "development": {
        "LOG_FORMAT": "text",
        "VALIDATE_RESPONSES": True,
    },
    "testing": {"VALIDATE_RESPONSES": True},
}
#: What testing sets whatever the environment says.
TESTING_FIXED: dict[str, Any] = {
    # Cheap hashing keeps the suite fast; production parameters are tested in unit tests.
    "ARGON2_TIME_COST": 1,
    "ARGON2_MEMORY_COST": 8,
    "ARGON2_PARALLELISM": 1,
    "LOG_FORMAT": "text",
    # Tests that exercise limits switch them on; the rest would trip them.
    "RATELIMIT_ENABLED": False,
}

YEAR = 365 * 24 * 3600
#: Token lifetimes: at most ten years keeps ``now + lifetime`` inside ``datetime``'s range.
MAX_LIFETIME = 10 * YEAR
#: PostgreSQL's largest ``statement_timeout`` (milliseconds).
MAX_STATEMENT_TIMEOUT_MS = 2**31 - 1
#: A budget's count must fit the shared store's 64-bit counters with room to spare.
MAX_RATE_LIMIT = 10**9
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def secret_problem(value: str | None) -> str | None:
    """Why ``value`` is not good enough for a secret setting (to follow its name), or None."""
    if value is None or not value.strip():
        return "must be set"
    size = len(value.encode())
    if value.strip().lower() in WEAK_SECRETS or REPEATED.fullmatch(value):
        return "is a well-known or repetitive placeholder value"
    if size < MIN_SECRET_BYTES:
        return f"is {size} bytes long; it must be at least {MIN_SECRET_BYTES} bytes"
    return None


def normalise_database_url(url: str) -> str:
    """Route PostgreSQL URLs to psycopg 3 whatever scheme the platform hands us."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


# -- value checks, each raising ValueError with what follows the variable's name --------------


def no_control_characters(value: str) -> str:
    # No URL, host, limit or claim needs one; a line break could forge a log line or header.
    for char in value:
        if unicodedata.category(char) in ("Cc", "Cf", "Cs", "Zl", "Zp"):
            raise ValueError(f"contains a control character (U+{ord(char):04X})")
    return value


def database_url(value: str) -> str:
    try:
        make_url(value)
    except (ArgumentError, ValueError):
        raise ValueError(
            "is not a database URL (e.g. postgresql://user:password@host/db, sqlite:///path)"
        ) from None
    return value


def redis_url(value: str) -> str:
    # The rate limiter and the readiness check both understand only these two.
    if urlsplit(value).scheme not in ("redis", "rediss"):
        raise ValueError("must be a redis:// or rediss:// URL (e.g. redis://localhost:6379/0)")
    return value


def one_rate_limit(value: str) -> str:
    try:
        items = parse_many(value)
    except ValueError:
        items = []
    if len(items) != 1:
        raise ValueError("must be one limit such as '300 per minute' or '10/second'")
    if not 1 <= items[0].amount <= MAX_RATE_LIMIT:
        raise ValueError(f"must allow between 1 and {MAX_RATE_LIMIT} requests")
    return value


def log_level(value: str) -> str:
    level = value.upper()
    if level not in logging.getLevelNamesMapping():
        raise ValueError(f"must be one of {', '.join(LOG_LEVELS)}")
    return level


Text = Annotated[str, AfterValidator(no_control_characters)]
DatabaseUrl = Annotated[Text, AfterValidator(database_url)]
RedisUrl = Annotated[Text, AfterValidator(redis_url)]
RateLimit = Annotated[Text, AfterValidator(one_rate_limit)]
LogLevel = Annotated[Text, AfterValidator(log_level)]
#: Seconds waited or held: finite, and at most a minute.
ShortWait = Annotated[float, Field(ge=0, le=60, allow_inf_nan=False)]
Lifetime = Annotated[int, Field(ge=1, le=MAX_LIFETIME)]


class Settings(BaseSettings):
    """Every environment variable the app reads, by its name, typed and bounded."""

    model_config = SettingsConfigDict(case_sensitive=True, extra="ignore", frozen=True)

    # First: the secret checks below depend on it.
    MICROBLOG_ENV: Environment = "production"
    # Validated when unset too: production refuses to start without one.
    SECRET_KEY: str | None = Field(None, validate_default=True)
    # A dedicated JWT key lets tokens be rotated without touching SECRET_KEY.
    JWT_SECRET_KEY: str | None = None
    # /metrics: with a token, only `Authorization: Bearer <token>`; without, loopback
    # clients only. Also shows /readyz's failing checks (api/ops.py).
    METRICS_TOKEN: str | None = None

    # Unset: SQLite under the instance folder (testing: TEST_DATABASE_URL, else in memory).
    DATABASE_URL: DatabaseUrl | None = None
    TEST_DATABASE_URL: DatabaseUrl | None = None
    # The database pool, per worker process (engine_options() turns these into the
    # engine's options). A request that waits DB_POOL_TIMEOUT seconds for a connection,
    # or a statement that runs DB_STATEMENT_TIMEOUT_MS (PostgreSQL), fails with 503 and
    # Retry-After rather than holding the worker (errors.py).
    DB_POOL_SIZE: int = Field(5, ge=1, le=1000)  # 0 would be SQLAlchemy's "no limit"
    DB_MAX_OVERFLOW: int = Field(5, ge=0, le=1000)
    DB_POOL_TIMEOUT: ShortWait = 5.0
    # Test a pooled connection before use when it has been idle DB_POOL_PING_IDLE seconds
    # or more (0: at every checkout), so a database restart between requests costs no
    # failed request. Under load connections are never idle that long and the ping's round
    # trip is skipped (docs/operations.md, "Connections and restarts").
    DB_POOL_PRE_PING: bool = True
    DB_POOL_PING_IDLE: float = Field(1.0, ge=0, le=3600, allow_inf_nan=False)
    DB_STATEMENT_TIMEOUT_MS: int = Field(10_000, ge=0, le=MAX_STATEMENT_TIMEOUT_MS)
    # 0 would make libpq wait forever, holding the worker.
    DB_CONNECT_TIMEOUT: int = Field(3, ge=1, le=3600)
    # PostgreSQL: psycopg prepares a statement on the server after its fifth run on a
    # connection. Off behind PgBouncer in transaction mode, where the next transaction may
    # run on another server connection (docs/operations.md, "Behind PgBouncer").
    DB_PREPARED_STATEMENTS: bool = True
    # Retry-After (seconds) on a 503 for a dependency that is down or saturated.
    SERVICE_RETRY_AFTER: int = Field(1, ge=0, le=3600)
    REDIS_URL: RedisUrl | None = None

    CORS_ORIGINS: Text = ""
    RATELIMIT_ENABLED: bool = True
    RATELIMIT_DEFAULT: RateLimit = "300 per minute"
    # Password guessing: per client address and per account name tried.
    RATELIMIT_LOGIN_PER_ADDRESS: RateLimit = "20 per minute"
    RATELIMIT_LOGIN_PER_USERNAME: RateLimit = "10 per minute"
    # How many reverse proxies in front of us may set X-Forwarded-* (0: trust none).
    TRUSTED_PROXIES: int = Field(0, ge=0, le=10)
    # Where clients reach the API (scheme://host[:port][/prefix]): links and Location
    # are built from it, whatever Host a request carries (hosts.py checks it at start-up).
    PUBLIC_URL: Text | None = None
    # Host names a request may carry, comma-separated: app.config's TRUSTED_HOST_NAMES.
    TRUSTED_HOSTS: Text = ""

    TOKEN_TTL: Lifetime = 3600
    JWT_ACCESS_TTL: Lifetime = 15 * 60
    JWT_REFRESH_TTL: Lifetime = 30 * 24 * 3600
    JWT_ISSUER: Text = "microblog"
    JWT_AUDIENCE: Text = "microblog-api"
    JWT_LEEWAY: int = Field(5, ge=0, le=3600)
    # 0 (the contract's rule): a refresh token presented again is taken as theft and its
    # login revoked. Above 0, a reuse within that many seconds of its rotation is refused
    # without ending the login (a client's own retry; services/jwt_tokens.py).
    JWT_REFRESH_REUSE_GRACE: int = Field(0, ge=0, le=60)
    MAX_CONTENT_LENGTH: int = Field(1024 * 1024, ge=1, le=1024**3)

    LOG_LEVEL: LogLevel = "INFO"
    LOG_FORMAT: Literal["json", "text"] = "json"
    # Switches for the per-request middleware (bench/ measures their cost with them off).
    REQUEST_LOG_ENABLED: bool = True
    METRICS_ENABLED: bool = True
    ETAGS_ENABLED: bool = True
    # Check every response against its schema (tests, development); see api/responses.
    VALIDATE_RESPONSES: bool = False
    # How often (seconds) an authenticated request may write ``last_seen``.
    LAST_SEEN_INTERVAL: int = Field(60, ge=0, le=YEAR)

    # argon2id parameters (RFC 9106 second recommendation: 64 MiB, t=3, p=4).
    ARGON2_TIME_COST: int = Field(3, ge=1, le=100)
    ARGON2_MEMORY_COST: int = Field(64 * 1024, ge=8, le=4 * 1024 * 1024)  # KiB, at most 4 GiB
    ARGON2_PARALLELISM: int = Field(4, ge=1, le=64)

    @model_validator(mode="before")
    @classmethod
    def environment_defaults(cls, data: Any) -> Any:
        """Blank values dropped, others stripped (secrets kept as they are), and the
        environment's own defaults added."""
        if not isinstance(data, dict):
            return data
        values: dict[str, Any] = {}
        for name, value in data.items():
            if isinstance(value, str):
                if not value.strip():
                    continue  # an empty variable is an unset one
                if name not in SECRETS:
                    value = value.strip()
            values[name] = value
        env = values.get("MICROBLOG_ENV", "production")
        if not isinstance(env, str):
            return values  # its own error
        fixed = TESTING_FIXED if env == "testing" else {}
        return {**ENVIRONMENT_DEFAULTS.get(env, {}), **values, **fixed}

    @field_validator("SECRET_KEY", "JWT_SECRET_KEY", "METRICS_TOKEN")
    @classmethod
    def strong_in_production(cls, value: str | None, info: ValidationInfo) -> str | None:
        """Production refuses a weak or short secret (the optional ones when set)."""
        if info.data.get("MICROBLOG_ENV") != "production":
            return value
        if value is None and info.field_name != "SECRET_KEY":
            return value
        problem = secret_problem(value)
        if problem is not None:
            raise ValueError(
                f"{problem} outside development and testing: use a random value of at "
                f"least {MIN_SECRET_BYTES} bytes, e.g. the output of {HOW_TO_MAKE_ONE}"
            )
        return value

    @model_validator(mode="after")
    def argon2_memory_fits_its_lanes(self) -> Settings:
        # argon2 needs 8 KiB per lane; it would refuse at the first password hashed.
        if self.ARGON2_MEMORY_COST < 8 * self.ARGON2_PARALLELISM:
            raise ValueError(
                f"ARGON2_MEMORY_COST must be at least 8 x ARGON2_PARALLELISM "
                f"({8 * self.ARGON2_PARALLELISM}), got {self.ARGON2_MEMORY_COST}"
            )
        return self

    @property
    def trusted_host_names(self) -> list[str]:
        return [item.strip() for item in self.TRUSTED_HOSTS.split(",") if item.strip()]

    def flask_config(self, instance_path: str) -> dict[str, Any]:
        """The ``app.config`` values the app reads: the variables by their own names, but
        for the database URL (``SQLALCHEMY_DATABASE_URI``) and ``TRUSTED_HOST_NAMES``."""
        env = self.MICROBLOG_ENV
        if env == "testing":
            url = self.TEST_DATABASE_URL or "sqlite://"
        else:
            url = self.DATABASE_URL or "sqlite:///" + str(Path(instance_path) / "microblog.db")
        secret_key = self.SECRET_KEY  # production cannot get here without one
        if secret_key is None and env == "development":
            secret_key = _instance_secret(instance_path)
        elif secret_key is None:
            secret_key = secrets.token_urlsafe(32)
        passed = self.model_dump(
            exclude={"MICROBLOG_ENV", "DATABASE_URL", "TEST_DATABASE_URL", "TRUSTED_HOSTS"}
        )
        return {
            **passed,
            "ENV_NAME": env,
            "DEBUG": env == "development",
            "TESTING": env == "testing",
            "SECRET_KEY": secret_key,
            "SQLALCHEMY_DATABASE_URI": normalise_database_url(url),
            "SQLALCHEMY_RECORD_QUERIES": False,
            "TRUSTED_HOST_NAMES": self.trusted_host_names,
            # Not Flask's own check, which stays off: hosts.py says why Flask 3.1's does
            # not do here.
            "TRUSTED_HOSTS": None,
            "PER_PAGE_DEFAULT": 10,
            "PER_PAGE_MAX": 100,
            # Not a variable: it must stay below what gunicorn.conf.py (limit_request_line)
            # and deploy/nginx.conf (large_client_header_buffers) let through, so that a
            # longer URL gets the API's JSON 414 (docs/reference.md#url-length).
            "MAX_URL_LENGTH": 4096,
        }


def describe(error: ErrorDetails) -> str:
    """One validation error as a sentence that starts with the variable's name."""
    name = str(error["loc"][0]) if error["loc"] else ""
    ctx = error.get("ctx") or {}
    if error["type"] == "value_error" and "error" in ctx:
        what = str(ctx["error"])
    elif error["type"] == "bool_parsing":
        what = "must be true or false (or 1/0, yes/no, on/off)"
    elif error["type"] in ("int_parsing", "int_from_float"):
        what = "must be a whole number"
    elif error["type"] == "int_parsing_size":
        what = "is too large"
    elif error["type"] == "greater_than_equal":
        what = f"must be at least {str(ctx['ge']).removesuffix('.0')}"
    elif error["type"] == "less_than_equal":
        what = f"must be at most {str(ctx['le']).removesuffix('.0')}"
    else:
        what = error["msg"].replace("Input should be", "must be", 1)
    if not name:
        return what  # a check across variables, which names them itself
    if name in UNQUOTED:
        return f"{name} {what}"
    shown = repr(error["input"])
    if len(shown) > 60:
        shown = shown[:57] + "..."
    return f"{name} {what}, got {shown}"


def read_settings(env_name: str | None = None) -> Settings:
    """The settings from the environment (``env_name`` wins over ``MICROBLOG_ENV``); a
    RuntimeError naming every variable that is not valid."""
    chosen: dict[str, Any] = {} if env_name is None else {"MICROBLOG_ENV": env_name}
    try:
        return Settings(**chosen)
    except ValidationError as exc:
        problems = [describe(error) for error in exc.errors(include_url=False)]
        # from None: pydantic's own message would repeat the values, secrets included.
        raise RuntimeError("; ".join(problems)) from None


def load_config(name: str | None, instance_path: str) -> dict[str, Any]:
    """``app.config``'s values for environment ``name`` (default: ``MICROBLOG_ENV``)."""
    settings = read_settings(name or None)
    if settings.MICROBLOG_ENV == "production" and not (
        settings.PUBLIC_URL or settings.trusted_host_names
    ):
        # Checked in every environment, by hosts.init_app, when set.
        log.warning(
            "neither PUBLIC_URL nor TRUSTED_HOSTS is set: answering only to requests "
            "for localhost, 127.0.0.1 and [::1] (any other Host gets 400)"
        )
    return settings.flask_config(instance_path)


def engine_options(settings: Mapping[str, Any]) -> dict[str, Any]:
    """SQLAlchemy engine options for ``SQLALCHEMY_DATABASE_URI`` from the DB_* settings.

    In-memory SQLite (the tests) keeps Flask-SQLAlchemy's single shared connection; a
    SQLite file gets the pool limits; PostgreSQL also a connect and a statement timeout,
    and no server-side prepared statements when ``DB_PREPARED_STATEMENTS`` is off."""
    url: str = settings["SQLALCHEMY_DATABASE_URI"]
    # With DB_POOL_PING_IDLE > 0 the ping is data.db.ping_idle_connections' instead.
    every_checkout = settings["DB_POOL_PRE_PING"] and not settings["DB_POOL_PING_IDLE"]
    options: dict[str, Any] = {"pool_pre_ping": every_checkout}
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
        if not settings["DB_PREPARED_STATEMENTS"]:
            # psycopg's own switch: None never prepares, not even in executemany().
            connect_args["prepare_threshold"] = None
        options["connect_args"] = connect_args
    return options


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
