"""logs.configure_logging: one stderr handler for the ``microblog`` loggers, JSON or text,
one line per record, in gunicorn's forked workers too."""

from __future__ import annotations

import json
import logging
import os
import re
import textwrap
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from microblog.data.db import db
from microblog.telemetry.logs import JsonFormatter, TextFormatter
from tests.conftest import BuildApp, python_stderr

TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z")
ACCESS_KEYS = [
    "time",
    "level",
    "logger",
    "request_id",
    "method",
    "route",
    "path",
    "status",
    "duration_ms",
    "user_id",
]


AppLogging = Callable[[str], Flask]


@pytest.fixture
def app_logging(build_app: BuildApp) -> AppLogging:
    """``app_logging(log_format)``: an app whose handler writes to the current (captured)
    stderr."""

    def build(log_format: str) -> Flask:
        app = build_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "LOG_FORMAT": log_format})
        with app.app_context():
            db.create_all()
        return app

    return build


def json_lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines()]


def test_the_app_installs_one_stream_handler_on_stderr(app_logging: AppLogging) -> None:
    for log_format, formatter in (("json", JsonFormatter), ("text", TextFormatter)):
        app_logging(log_format)
        (handler,) = logging.getLogger("microblog").handlers
        assert type(handler) is logging.StreamHandler
        assert isinstance(handler.formatter, formatter)


class TestJson:
    def test_every_line_is_a_json_object_with_the_expected_keys(
        self, capsys: pytest.CaptureFixture[str], app_logging: AppLogging
    ) -> None:
        app = app_logging("json")
        capsys.readouterr()
        log = logging.getLogger("microblog.test")
        with app.app_context():
            app.test_client().get("/api/v1/users/%0D%0Aforged", headers={"X-Request-ID": "r-1"})
        log.warning("looked up %s", "a\nb")
        log.info("with context", extra={"attempt": 2})
        try:
            raise ValueError("bad")
        except ValueError:
            log.exception("failed")
        access, warning, info, error = json_lines(capsys.readouterr().err)

        assert list(access) == ACCESS_KEYS
        assert access["level"] == "INFO" and access["logger"] == "microblog.access"
        assert access["request_id"] == "r-1" and access["status"] == 404
        assert access["route"] == "unmatched" and access["path"] == "/api/v1/users/\r\nforged"
        assert isinstance(access["duration_ms"], float) and access["user_id"] is None
        assert warning == {
            "time": warning["time"],
            "level": "WARNING",
            "logger": "microblog.test",
            "message": "looked up a\nb",
        }
        assert info["attempt"] == 2 and info["message"] == "with context"
        assert list(error) == ["time", "level", "logger", "message", "exception"]
        assert error["message"] == "failed"
        assert error["exception"].endswith("ValueError: bad")
        for entry in (access, warning, info, error):
            assert TIME.fullmatch(entry["time"]), entry["time"]


class TestText:
    def test_cr_and_lf_are_escaped_in_every_part_of_a_line(
        self, capsys: pytest.CaptureFixture[str], app_logging: AppLogging
    ) -> None:
        app = app_logging("text")
        capsys.readouterr()
        with app.app_context():
            app.test_client().get("/api/v1/users/%0D%0Aforged", headers={"X-Request-ID": "r-1"})
        logging.getLogger("microblog.test").warning("name\r\nforged")
        access, warning = capsys.readouterr().err.splitlines()
        assert re.fullmatch(
            r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} INFO microblog.access request_id=r-1 method=GET"
            r' route=unmatched path="/api/v1/users/\\r\\nforged" status=404 duration_ms=\S+'
            r" user_id=None",
            access,
        ), access
        assert warning.endswith(" WARNING microblog.test name\\r\\nforged")

    def test_the_access_record_is_left_for_the_other_handlers(self) -> None:
        record = logging.LogRecord(
            "microblog.access", logging.INFO, "", 0, {"status": 200}, None, None
        )
        text = TextFormatter("%(message)s").format(record)
        assert text == "status=200"
        assert json.loads(JsonFormatter().format(record))["status"] == 200


FORKED = textwrap.dedent(
    """
    import logging, os
    from microblog import create_app
    from microblog.data.db import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "LOG_FORMAT": "json"})
    with app.app_context():
        db.create_all()
    log = logging.getLogger("microblog.test")
    log.info("parent", extra={"pid": os.getpid()})
    pid = os.fork()  # as gunicorn starts a worker from its preloaded master
    if pid == 0:
        log.info("child", extra={"pid": os.getpid()})
        with app.app_context():
            app.test_client().get("/healthz", headers={"X-Request-ID": "in-child"})
        os._exit(0)  # no exit handlers: every line must be out already
    os.waitpid(pid, 0)
    log.info("parent again", extra={"pid": os.getpid()})
    """
)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_forked_child_logs_through_the_inherited_handler() -> None:
    parent, child, access, again = json_lines(python_stderr(FORKED))
    assert [parent["message"], child["message"], again["message"]] == [
        "parent",
        "child",
        "parent again",
    ]
    assert parent["pid"] == again["pid"] != child["pid"]
    assert access["request_id"] == "in-child" and access["status"] == 200
