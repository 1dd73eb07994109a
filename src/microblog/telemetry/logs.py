"""Log lines (docs/reference.md#operations): the ``microblog`` loggers write to stderr, one
line per record, as JSON (python-json-logger) or as text (``LOG_FORMAT``).

The access line is a record whose message is a dict of its fields: JSON writes them as
keys, text as ``key=value`` pairs."""

from __future__ import annotations

import copy
import logging
import re
import sys
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from flask import Flask
from pythonjsonlogger.orjson import OrjsonFormatter

ACCESS_LOGGER = "microblog.access"
access_log = logging.getLogger(ACCESS_LOGGER)


class JsonFormatter(OrjsonFormatter):
    """A JSON object per line: time, level, logger, then the message or the access fields,
    and any ``extra`` and exception."""

    def __init__(self) -> None:
        super().__init__(
            ["asctime", "levelname", "name", "message"],
            rename_fields={
                "asctime": "time",
                "levelname": "level",
                "name": "logger",
                "exc_info": "exception",
            },
        )

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        return datetime.fromtimestamp(record.created, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")

    def add_fields(
        self, log_data: dict[str, Any], record: logging.LogRecord, message_dict: dict[str, Any]
    ) -> None:
        super().add_fields(log_data, record, message_dict)
        if isinstance(record.msg, Mapping):  # the access line: its fields are its message
            del log_data["message"]


def _escapes() -> dict[int, str]:
    """Backslash escapes for what could end or rewrite a line on a terminal or in a log
    file: C0 controls (CR and LF included), DEL, C1 controls and the Unicode line and
    paragraph separators."""
    table = {code: f"\\x{code:02x}" for code in (*range(0x20), 0x7F, *range(0x80, 0xA0))}
    table.update({ord("\n"): "\\n", ord("\r"): "\\r", ord("\t"): "\\t"})
    table.update({0x2028: "\\u2028", 0x2029: "\\u2029"})
    return table


ESCAPES = _escapes()
#: A value written bare in ``key=value`` text; anything else is quoted (``"`` and ``\\``
#: escaped), so that a value holding spaces or ``=`` cannot pass for more fields.
BARE_VALUE = re.compile(r"[^\s\"=]+")


def escape_text(text: str) -> str:
    """``text`` with every character in :data:`ESCAPES` written as its escape."""
    if text.isprintable():  # the common case: nothing to escape
        return text
    return text.translate(ESCAPES)


def _value(value: Any) -> str:
    text = str(value)
    if BARE_VALUE.fullmatch(text):
        return text
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


class TextFormatter(logging.Formatter):
    """``time level logger message``, the access line's message as ``key=value`` pairs. One
    record is always one line: control characters in any part of it (a path with ``%0A``,
    a traceback's new lines) are escaped (JSON escapes them too)."""

    def format(self, record: logging.LogRecord) -> str:
        fields = record.msg
        if isinstance(fields, Mapping):
            # A copy: another handler may format the same record as JSON.
            record = copy.copy(record)
            record.msg = " ".join(f"{k}={_value(v)}" for k, v in fields.items())
            record.args = None
        return escape_text(super().format(record))


def configure_logging(app: Flask) -> None:
    """The ``microblog`` loggers' one handler, on stderr: JSON or text (``LOG_FORMAT``)."""
    handler = logging.StreamHandler(sys.stderr)
    if app.config["LOG_FORMAT"] == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(TextFormatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    logger = logging.getLogger("microblog")
    for replaced in logger.handlers:
        replaced.close()
    logger.handlers[:] = [handler]
    logger.setLevel(app.config["LOG_LEVEL"])
    logger.propagate = False
