from __future__ import annotations

import secrets
from pathlib import Path

import pytest

from microblog import create_app
from microblog.config import load_config, normalise_database_url


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


def test_a_pool_smaller_than_one_request_needs_is_warned_about(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    """One request can hold three pooled connections (the fault suite's pool scenario)."""
    monkeypatch.setenv("SECRET_KEY", secrets.token_urlsafe(32))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'never-opened.db'}")
    monkeypatch.setenv("DB_POOL_SIZE", "1")
    monkeypatch.setenv("DB_MAX_OVERFLOW", "1")
    with caplog.at_level("WARNING", logger="microblog.config"):
        load_config("production", str(tmp_path))
    assert "one request can hold 3 connections" in caplog.text
    caplog.clear()
    monkeypatch.setenv("DB_MAX_OVERFLOW", "2")
    with caplog.at_level("WARNING", logger="microblog.config"):
        load_config("production", str(tmp_path))
    assert "DB_POOL_SIZE" not in caplog.text
