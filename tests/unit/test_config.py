from __future__ import annotations

import re
import secrets
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from microblog import create_app
from microblog.config import Settings, engine_options, load_config, normalise_database_url


def test_production_refuses_to_start_without_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app("production")


@pytest.mark.parametrize("secret", ["changeme", "secret", "short"])
def test_production_refuses_placeholder_secrets(
    monkeypatch: pytest.MonkeyPatch, secret: str
) -> None:
    monkeypatch.setenv("SECRET_KEY", secret)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app("production")


def test_production_starts_with_a_real_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SECRET_KEY", secrets.token_urlsafe(32))
    monkeypatch.delenv("JWT_SECRET_KEY", raising=False)
    monkeypatch.delenv("METRICS_TOKEN", raising=False)
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    app = create_app("production")
    assert not app.config["DEBUG"] and not app.config["TESTING"]


def test_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOKEN_TTL", "120")
    monkeypatch.setenv("MAX_CONTENT_LENGTH", "2048")
    app = create_app("testing")
    assert app.config["TOKEN_TTL"] == 120
    assert app.config["MAX_CONTENT_LENGTH"] == 2048


def test_bad_integer_setting_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOKEN_TTL", "an hour")
    with pytest.raises(RuntimeError, match="TOKEN_TTL"):
        create_app("testing")


def test_unknown_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(RuntimeError, match="MICROBLOG_ENV"):
        create_app("staging")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgres://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql://u@h/db", "postgresql+psycopg://u@h/db"),
        ("sqlite:///x.db", "sqlite:///x.db"),
    ],
)
def test_database_url_normalised(url: str, expected: str) -> None:
    assert normalise_database_url(url) == expected


# -- Settings: every variable checked at start-up, named when it is not valid ------------------

GOOD_SECRET = secrets.token_urlsafe(32)


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Callable[..., dict[str, Any]]:
    """``load(env, **variables)``: ``load_config`` over exactly these variables (none of the
    shell's), with an instance folder of its own."""
    for name in Settings.model_fields:
        monkeypatch.delenv(name, raising=False)

    def load(env: str | None, **variables: str) -> dict[str, Any]:
        for name, value in variables.items():
            monkeypatch.setenv(name, value)
        return load_config(env, str(tmp_path))

    return load


# Development: it neither judges secrets nor fixes values the way testing does, so every
# variable's own check is seen.
MALFORMED = [
    ("RATELIMIT_DEFAULT", "lots", "must be one limit such as '300 per minute'"),
    ("RATELIMIT_DEFAULT", "10 per minute; 1000 per second", "must be one limit"),
    ("RATELIMIT_LOGIN_PER_ADDRESS", "20 per fortnight", "must be one limit"),
    ("RATELIMIT_LOGIN_PER_USERNAME", "per minute", "must be one limit"),
    ("DATABASE_URL", "not a url", "is not a database URL"),
    ("TEST_DATABASE_URL", "postgresql://u@h:port/db", "is not a database URL"),
    ("REDIS_URL", "localhost:6379", "must be a redis:// or rediss:// URL"),
    ("REDIS_URL", "unix:///run/redis.sock", "must be a redis:// or rediss:// URL"),
    ("LOG_LEVEL", "loud", "must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL"),
    ("LOG_FORMAT", "xml", "must be 'json' or 'text'"),
    ("LOG_FORMAT", "JSON", "must be 'json' or 'text'"),
]
WRONG_TYPE = [
    ("DB_POOL_SIZE", "abc", "must be a whole number, got 'abc'"),
    ("DB_MAX_OVERFLOW", "five", "must be a whole number"),
    ("TOKEN_TTL", "1.5", "must be a whole number"),
    ("JWT_LEEWAY", "5s", "must be a whole number"),
    ("JWT_REFRESH_REUSE_GRACE", "10.5", "must be a whole number"),
    ("ARGON2_TIME_COST", "٣", "must be a whole number"),  # an Arabic-Indic three
    ("DB_POOL_TIMEOUT", "soon", "must be a valid number"),
    ("DB_POOL_TIMEOUT", "nan", "must be a finite number"),
    ("DB_POOL_PING_IDLE", "inf", "must be a finite number"),
    ("DB_POOL_PRE_PING", "maybe", "must be true or false"),
    ("DB_PREPARED_STATEMENTS", "sometimes", "must be true or false"),
    ("RATELIMIT_ENABLED", "2", "must be true or false"),
    ("VALIDATE_RESPONSES", "enabled", "must be true or false"),
]
OUT_OF_RANGE = [
    ("DB_POOL_SIZE", "0", "must be at least 1"),
    ("DB_POOL_SIZE", "1001", "must be at most 1000"),
    ("DB_POOL_SIZE", "9" * 5000, "is too large"),
    ("DB_MAX_OVERFLOW", "-1", "must be at least 0"),
    ("DB_POOL_TIMEOUT", "60.5", "must be at most 60"),
    ("DB_POOL_TIMEOUT", "-0.1", "must be at least 0"),
    ("DB_POOL_PING_IDLE", "-1", "must be at least 0"),
    ("DB_POOL_PING_IDLE", "3601", "must be at most 3600"),
    ("DB_STATEMENT_TIMEOUT_MS", str(2**31), "must be at most 2147483647"),
    ("DB_CONNECT_TIMEOUT", "0", "must be at least 1"),
    ("SERVICE_RETRY_AFTER", "-1", "must be at least 0"),
    ("TRUSTED_PROXIES", "11", "must be at most 10"),
    ("TOKEN_TTL", "0", "must be at least 1"),
    ("JWT_ACCESS_TTL", "-900", "must be at least 1"),
    ("JWT_REFRESH_TTL", str(10**12), "must be at most 315360000"),
    ("JWT_LEEWAY", "3601", "must be at most 3600"),
    ("JWT_REFRESH_REUSE_GRACE", "-1", "must be at least 0"),
    ("JWT_REFRESH_REUSE_GRACE", "61", "must be at most 60"),
    ("MAX_CONTENT_LENGTH", "0", "must be at least 1"),
    ("MAX_CONTENT_LENGTH", str(2**40), "must be at most 1073741824"),
    ("LAST_SEEN_INTERVAL", "-60", "must be at least 0"),
    ("DB_POOL_TIMEOUT", "1e400", "must be a finite number"),
    ("ARGON2_TIME_COST", "0", "must be at least 1"),
    ("ARGON2_MEMORY_COST", str(64 * 1024 * 1024), "must be at most 4194304"),
    ("ARGON2_PARALLELISM", "0", "must be at least 1"),
    ("RATELIMIT_DEFAULT", "0 per minute", "must allow between 1 and 1000000000 requests"),
    ("RATELIMIT_DEFAULT", "99999999999999999999 per second", "must allow between 1 and"),
]
HOSTILE = [
    ("LOG_LEVEL", "INFO\nDEBUG", "contains a control character (U+000A)"),
    ("JWT_ISSUER", "microblog\r\nX-Injected: 1", "contains a control character (U+000D)"),
    ("JWT_AUDIENCE", "microblog-api\u202e", "contains a control character (U+202E)"),
    ("PUBLIC_URL", "https://api.example.com\n.evil.example", "contains a control character"),
    ("TRUSTED_HOSTS", "api.example.com\u2028evil.example", "contains a control character"),
    ("CORS_ORIGINS", "https://a.example,\x1b[2Jhttps://b.example", "contains a control char"),
    ("RATELIMIT_DEFAULT", "300 per minute\n1 per day", "contains a control character"),
    ("DATABASE_URL", "sqlite:///x.db\nsqlite:///y.db", "contains a control character"),
]


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [*MALFORMED, *WRONG_TYPE, *OUT_OF_RANGE, *HOSTILE],
    ids=lambda v: v if len(v) < 40 else v[:40],
)
def test_a_bad_value_is_refused_by_its_name(
    environment: Callable[..., dict[str, Any]], name: str, value: str, message: str
) -> None:
    with pytest.raises(RuntimeError) as refused:
        environment("development", **{name: value})
    text = str(refused.value)
    assert text.startswith(f"{name} "), text
    assert message in text
    assert "\n" not in text and "\r" not in text  # one line, whatever the value held


@pytest.mark.parametrize(
    ("name", "value"),
    [("DB_POOL_SIZE", "abc"), ("RATELIMIT_DEFAULT", "lots"), ("LOG_LEVEL", "INFO\nDEBUG")],
)
def test_the_app_does_not_start_with_a_bad_value(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(RuntimeError, match=rf"^{name} "):
        create_app("testing")


def test_every_bad_value_is_named_at_once(environment: Callable[..., dict[str, Any]]) -> None:
    with pytest.raises(RuntimeError) as refused:
        environment("development", DB_POOL_SIZE="abc", TOKEN_TTL="-5", LOG_FORMAT="yaml")
    names = re.findall(r"(?:^|; )([A-Z][A-Z0-9_]+) ", str(refused.value))
    assert names == ["DB_POOL_SIZE", "TOKEN_TTL", "LOG_FORMAT"]


def test_argon2_memory_must_hold_its_lanes(environment: Callable[..., dict[str, Any]]) -> None:
    with pytest.raises(RuntimeError, match=r"ARGON2_MEMORY_COST must be at least 8 x "):
        environment("development", ARGON2_MEMORY_COST="16", ARGON2_PARALLELISM="4")
    assert environment("development", ARGON2_MEMORY_COST="32")["ARGON2_MEMORY_COST"] == 32


def test_a_url_or_secret_is_never_repeated_in_the_error(
    environment: Callable[..., dict[str, Any]],
) -> None:
    # Out of the call: Python 3.13's tracebacks show every line of the call that raised.
    settings = {
        "SECRET_KEY": "changeme",
        "DATABASE_URL": "postgresql://app:hunter2@db:port/app",
        "REDIS_URL": "http://:hunter3@redis:6379",
    }
    with pytest.raises(RuntimeError) as refused:
        environment("production", **settings)
    shown = "".join(traceback.format_exception(refused.value))
    assert "SECRET_KEY is a well-known" in shown and "DATABASE_URL is not" in shown
    assert "REDIS_URL must be" in shown
    for secret in ("changeme", "hunter2", "hunter3"):
        assert secret not in shown


@pytest.mark.parametrize("value", ["", "   ", "\t"])
def test_an_empty_value_is_an_unset_one(
    environment: Callable[..., dict[str, Any]], value: str
) -> None:
    unset = environment("production", SECRET_KEY=GOOD_SECRET)
    names = [n for n in Settings.model_fields if n not in ("SECRET_KEY", "MICROBLOG_ENV")]
    assert environment("production", **dict.fromkeys(names, value)) == unset
    # Production's secret is required: empty is missing.
    with pytest.raises(RuntimeError, match=r"^SECRET_KEY must be set"):
        environment("production", SECRET_KEY=value)


def test_an_unknown_environment_name_is_refused(
    environment: Callable[..., dict[str, Any]],
) -> None:
    expected = "MICROBLOG_ENV must be 'development', 'testing' or 'production', got 'staging'"
    with pytest.raises(RuntimeError, match=f"^{expected}$"):
        environment(None, MICROBLOG_ENV="staging")


def test_an_empty_environment_name_is_production(
    environment: Callable[..., dict[str, Any]],
) -> None:
    with pytest.raises(RuntimeError, match=r"^SECRET_KEY must be set"):
        environment(None, MICROBLOG_ENV=" ")


def test_values_are_stripped_but_secrets_are_not(
    environment: Callable[..., dict[str, Any]],
) -> None:
    secret = f" {GOOD_SECRET} "
    config = environment(
        "production",
        SECRET_KEY=secret,
        DB_POOL_SIZE=" 7 ",
        LOG_LEVEL=" debug\n",
        RATELIMIT_ENABLED=" Off ",
        JWT_ISSUER=" issuer ",
        TRUSTED_HOSTS=" a.example, ,b.example ,",
    )
    assert config["SECRET_KEY"] == secret
    assert config["DB_POOL_SIZE"] == 7
    assert config["LOG_LEVEL"] == "DEBUG"
    assert config["RATELIMIT_ENABLED"] is False
    assert config["JWT_ISSUER"] == "issuer"
    assert config["TRUSTED_HOST_NAMES"] == ["a.example", "b.example"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [("1", True), ("true", True), ("YES", True), ("on", True), ("0", False), ("off", False)],
)
def test_switches(environment: Callable[..., dict[str, Any]], value: str, expected: bool) -> None:
    assert environment("development", ETAGS_ENABLED=value)["ETAGS_ENABLED"] is expected


def test_prepared_statements_off_reaches_psycopg_on_postgresql_only(
    environment: Callable[..., dict[str, Any]],
) -> None:
    postgres = {"SECRET_KEY": GOOD_SECRET, "DATABASE_URL": "postgresql://u@h/db"}
    # On (the default): psycopg's own threshold. (Variables set stay set: this one first.)
    assert (
        "prepare_threshold"
        not in engine_options(environment("production", **postgres))["connect_args"]
    )
    off = environment("production", DB_PREPARED_STATEMENTS="false", **postgres)
    assert engine_options(off)["connect_args"]["prepare_threshold"] is None
    # SQLite has no such option.
    sqlite = environment("development", DATABASE_URL="sqlite:///x.db")
    assert sqlite["DB_PREPARED_STATEMENTS"] is False
    assert "connect_args" not in engine_options(sqlite)


# -- per-environment defaults ------------------------------------------------------------------

#: What each environment gives when no variable is set (production's secret aside).
ENVIRONMENT_VALUES: dict[str, dict[str, Any]] = {
    "production": {
        "ENV_NAME": "production",
        "DEBUG": False,
        "TESTING": False,
        "LOG_FORMAT": "json",
        "VALIDATE_RESPONSES": False,
        "RATELIMIT_ENABLED": True,
        "ARGON2_TIME_COST": 3,
        "ARGON2_MEMORY_COST": 65536,
        "ARGON2_PARALLELISM": 4,
    },
    "development": {
        "ENV_NAME": "development",
        "DEBUG": True,
        "TESTING": False,
        "LOG_FORMAT": "text",
        "VALIDATE_RESPONSES": True,
        "RATELIMIT_ENABLED": True,
        "ARGON2_TIME_COST": 3,
        "ARGON2_MEMORY_COST": 65536,
        "ARGON2_PARALLELISM": 4,
    },
    "testing": {
        "ENV_NAME": "testing",
        "DEBUG": False,
        "TESTING": True,
        "LOG_FORMAT": "text",
        "VALIDATE_RESPONSES": True,
        "RATELIMIT_ENABLED": False,
        "ARGON2_TIME_COST": 1,
        "ARGON2_MEMORY_COST": 8,
        "ARGON2_PARALLELISM": 1,
    },
}
#: The same in every environment.
COMMON_VALUES: dict[str, Any] = {
    "DB_POOL_SIZE": 5,
    "DB_MAX_OVERFLOW": 5,
    "DB_POOL_TIMEOUT": 5.0,
    "DB_POOL_PRE_PING": True,
    "DB_POOL_PING_IDLE": 1.0,
    "DB_STATEMENT_TIMEOUT_MS": 10_000,
    "DB_CONNECT_TIMEOUT": 3,
    "DB_PREPARED_STATEMENTS": True,
    "SERVICE_RETRY_AFTER": 1,
    "REDIS_URL": None,
    "CORS_ORIGINS": "",
    "RATELIMIT_DEFAULT": "300 per minute",
    "RATELIMIT_LOGIN_PER_ADDRESS": "20 per minute",
    "RATELIMIT_LOGIN_PER_USERNAME": "10 per minute",
    "TRUSTED_PROXIES": 0,
    "PUBLIC_URL": None,
    "TRUSTED_HOST_NAMES": [],
    "TRUSTED_HOSTS": None,
    "METRICS_TOKEN": None,
    "TOKEN_TTL": 3600,
    "JWT_ACCESS_TTL": 900,
    "JWT_REFRESH_TTL": 2_592_000,
    "JWT_SECRET_KEY": None,
    "JWT_ISSUER": "microblog",
    "JWT_AUDIENCE": "microblog-api",
    "JWT_LEEWAY": 5,
    "JWT_REFRESH_REUSE_GRACE": 0,
    "MAX_CONTENT_LENGTH": 1_048_576,
    "LOG_LEVEL": "INFO",
    "REQUEST_LOG_ENABLED": True,
    "METRICS_ENABLED": True,
    "ETAGS_ENABLED": True,
    "LAST_SEEN_INTERVAL": 60,
    "PER_PAGE_DEFAULT": 10,
    "PER_PAGE_MAX": 100,
    "MAX_URL_LENGTH": 4096,
    "SQLALCHEMY_RECORD_QUERIES": False,
}


@pytest.mark.parametrize("env", ["production", "development", "testing"])
def test_the_defaults_of_each_environment(
    environment: Callable[..., dict[str, Any]], tmp_path: Path, env: str
) -> None:
    secret = {"SECRET_KEY": GOOD_SECRET} if env == "production" else {}
    config = environment(env, **secret)
    expected = {**COMMON_VALUES, **ENVIRONMENT_VALUES[env]}
    assert {name: config[name] for name in expected} == expected
    assert set(config) == {*expected, "SECRET_KEY", "SQLALCHEMY_DATABASE_URI"}
    database = "sqlite://" if env == "testing" else f"sqlite:///{tmp_path / 'microblog.db'}"
    assert config["SQLALCHEMY_DATABASE_URI"] == database


def test_the_environment_name_comes_from_microblog_env(
    environment: Callable[..., dict[str, Any]],
) -> None:
    assert environment(None, MICROBLOG_ENV="testing")["TESTING"] is True
    # An explicit name wins over the variable.
    assert environment("development", MICROBLOG_ENV="testing")["DEBUG"] is True


def test_a_variable_wins_over_its_environment_default(
    environment: Callable[..., dict[str, Any]],
) -> None:
    config = environment("development", LOG_FORMAT="json", VALIDATE_RESPONSES="0")
    assert config["LOG_FORMAT"] == "json"
    assert config["VALIDATE_RESPONSES"] is False


@pytest.mark.parametrize("value", ["0", "60"])
def test_the_refresh_reuse_grace_takes_its_bounds(
    environment: Callable[..., dict[str, Any]], value: str
) -> None:
    # 0 (no grace: every reuse ends the login) and a minute are both allowed.
    config = environment("production", SECRET_KEY=GOOD_SECRET, JWT_REFRESH_REUSE_GRACE=value)
    assert config["JWT_REFRESH_REUSE_GRACE"] == int(value)


def test_testing_fixes_hashing_logs_and_limits_whatever_the_environment(
    environment: Callable[..., dict[str, Any]],
) -> None:
    config = environment(
        "testing",
        ARGON2_TIME_COST="3",
        ARGON2_MEMORY_COST="65536",
        ARGON2_PARALLELISM="4",
        LOG_FORMAT="json",
        RATELIMIT_ENABLED="true",
        DATABASE_URL="postgresql://u@h/production",
        TEST_DATABASE_URL="postgres://u@h/test",
    )
    fixed = ("ARGON2_TIME_COST", "ARGON2_MEMORY_COST", "ARGON2_PARALLELISM", "LOG_FORMAT")
    assert [config[name] for name in fixed] == [1, 8, 1, "text"]
    assert config["RATELIMIT_ENABLED"] is False
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@h/test"


def test_development_keeps_its_generated_secret(
    environment: Callable[..., dict[str, Any]], tmp_path: Path
) -> None:
    first = environment("development")["SECRET_KEY"]
    assert len(first) >= 32 and environment("development")["SECRET_KEY"] == first
    assert (tmp_path / ".secret_key").read_text() == first
    assert environment("development", SECRET_KEY="dev")["SECRET_KEY"] == "dev"


def test_testing_makes_a_secret_per_app(environment: Callable[..., dict[str, Any]]) -> None:
    assert environment("testing")["SECRET_KEY"] != environment("testing")["SECRET_KEY"]


def test_production_warns_without_a_public_name(
    environment: Callable[..., dict[str, Any]], caplog: pytest.LogCaptureFixture
) -> None:
    environment("production", SECRET_KEY=GOOD_SECRET, TRUSTED_HOSTS=" , ")
    assert "neither PUBLIC_URL nor TRUSTED_HOSTS is set" in caplog.text
    caplog.clear()
    environment("production", TRUSTED_HOSTS="api.example.com")
    assert not caplog.text


# -- production's secrets ----------------------------------------------------------------------


@pytest.mark.parametrize("name", ["SECRET_KEY", "JWT_SECRET_KEY", "METRICS_TOKEN"])
@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("changeme", "is a well-known or repetitive placeholder value"),
        (" Secret ", "is a well-known or repetitive placeholder value"),
        ("ab" * 32, "is a well-known or repetitive placeholder value"),
        (GOOD_SECRET[:31], "is 31 bytes long; it must be at least 32 bytes"),
    ],
)
def test_production_refuses_a_weak_or_short_secret(
    environment: Callable[..., dict[str, Any]], name: str, value: str, problem: str
) -> None:
    others = {} if name == "SECRET_KEY" else {"SECRET_KEY": GOOD_SECRET}
    with pytest.raises(RuntimeError, match=rf"^{name} {re.escape(problem)} outside development"):
        environment("production", **others, **{name: value})
    # The same value is accepted where secrets are not judged.
    assert environment("development", **{name: value})[name] == value


def test_production_accepts_strong_secrets(environment: Callable[..., dict[str, Any]]) -> None:
    strong = {name: secrets.token_urlsafe(32) for name in ("JWT_SECRET_KEY", "METRICS_TOKEN")}
    config = environment("production", SECRET_KEY=GOOD_SECRET, **strong)
    assert config["SECRET_KEY"] == GOOD_SECRET
    assert {name: config[name] for name in strong} == strong
