"""Log lines (docs/reference.md#operations): JSON or key=value text on stderr, one access line per
request, written in batches in production.

The access line's record (:class:`AccessRecord`) and its formatter are built for a line
written on every request; :class:`BatchingStreamHandler` writes many lines in one system
call instead of one each (``TELEMETRY_FLUSH_INTERVAL``)."""

from __future__ import annotations

import logging
import multiprocessing
import os
import re
import select
import sys
import threading
import time
from functools import lru_cache
from typing import IO, Any

import orjson
from flask import Flask

from microblog.telemetry.periodic import Periodic

ACCESS_LOGGER = "microblog.access"
access_log = logging.getLogger(ACCESS_LOGGER)


@lru_cache(maxsize=4)
def _second(seconds: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds))


def _timestamp(created: float) -> str:
    """``2024-05-01T12:00:00.000000Z`` for a ``time.time()`` value (the formatted second
    is cached: a busy worker writes many lines a second)."""
    seconds = int(created)
    return f"{_second(seconds)}.{int((created - seconds) * 1_000_000):06d}Z"


class _Process:
    """This process's id and name for log records, read again after a fork (gunicorn
    forks its workers from the master)."""

    def __init__(self) -> None:
        self.refresh()

    def refresh(self) -> None:
        self.pid = os.getpid()
        self.name = multiprocessing.current_process().name


_PROCESS = _Process()
os.register_at_fork(after_in_child=_PROCESS.refresh)
_LOADED = time.time()


class AccessRecord(logging.LogRecord):
    """The request's log line: its ``fields`` are the JSON object's keys.

    Built with every attribute a ``LogRecord`` has, without the work its ``__init__`` does
    for a call site (file name and module from a path, the message's arguments), which an
    access line does not have, and with the process id read once per process: that work
    was ~4 µs of the line's ~19 µs in the request path (docs/architecture.md)."""

    fields: dict[str, Any]

    def __init__(
        self,
        fields: dict[str, Any],
        created: float | None = None,
        thread: threading.Thread | None = None,
    ) -> None:
        """``created`` and ``thread``: when and where the request ended, if the record is
        made later (observability.RequestRecorder); by default now and here."""
        if created is None:
            created = time.time()
        if thread is None:
            thread = threading.current_thread()
        self.name = ACCESS_LOGGER
        self.msg = "request"
        self.args = None
        self.levelname = "INFO"
        self.levelno = logging.INFO
        self.pathname = self.filename = self.module = ""
        self.exc_info = self.exc_text = self.stack_info = None
        self.funcName = ""
        self.lineno = 0
        self.created = created
        self.msecs = int((created - int(created)) * 1000) + 0.0
        self.relativeCreated = (created - _LOADED) * 1000
        self.thread = thread.ident
        self.threadName = thread.name
        self.processName = _PROCESS.name
        self.process = _PROCESS.pid
        self.fields = fields


class JsonFormatter(logging.Formatter):
    """A JSON object per line: time, level, logger, message and any ``fields``."""

    def format(self, record: logging.LogRecord) -> str:
        fields = getattr(record, "fields", None) or {"message": record.getMessage()}
        entry: dict[str, Any] = {
            "time": _timestamp(record.created),
            "level": record.levelname,
            "logger": record.name,
            **fields,
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(entry).decode()


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
    """``time level logger message`` or, for a record with ``fields`` (the access line),
    ``key=value`` pairs. One record is always one line: control characters in any part of
    it (a path with ``%0A``, a traceback's new lines) are escaped (JSON escapes them too)."""

    def format(self, record: logging.LogRecord) -> str:
        fields = getattr(record, "fields", None)
        if fields:
            record.msg = " ".join(f"{k}={_value(v)}" for k, v in fields.items())
            record.args = ()
        return escape_text(super().format(record))


class BatchingStreamHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """A stream handler that writes lines in batches, as nginx's ``access_log ... buffer=
    flush=`` does: measured under gunicorn, one ``write`` per request line cost ~3-5 % of
    the throughput of ``GET /users/{id}`` (docs/architecture.md).

    The lines held are written
    - when the next line would take the batch past ``PIPE_BUF`` bytes (4,096 on Linux): a
      write that small to a pipe is atomic, so the lines of gunicorn workers sharing one
      stderr never interleave mid-line (a single longer line is written alone);
    - at once when a record at ``WARNING`` or above arrives, after the lines before it;
    - every ``interval`` seconds, by a background thread (periodic.py), so a quiet
      process's last lines wait at most that long;
    - before a fork, and on ``flush()``, which runs at exit: a gunicorn worker that stops,
      on its timeout too, writes what it holds. A process killed outright (SIGKILL, out of
      memory) loses at most ``interval`` seconds of lines."""

    LIMIT = select.PIPE_BUF

    def __init__(self, stream: IO[str], interval: float) -> None:
        super().__init__(stream)
        self.pending: list[str] = []
        self.size = 0  # bytes held
        self.periodic = Periodic(self, interval, "log-flusher", stage=1)

    def emit(self, record: logging.LogRecord) -> None:
        # Called with the handler's lock held (Handler.handle).
        try:
            line = self.format(record) + self.terminator
            size = len(line) if line.isascii() else len(line.encode())
            if self.pending and self.size + size > self.LIMIT:
                self._write()
            self.pending.append(line)
            self.size += size
            if record.levelno >= logging.WARNING:
                self._write()
            elif not self.periodic.running:
                self.periodic.ensure()
        except RecursionError:
            raise
        except Exception:
            self.handleError(record)

    def _write(self) -> None:
        text = "".join(self.pending)
        self.pending.clear()
        self.size = 0
        self.stream.write(text)
        self.stream.flush()

    def flush(self) -> None:
        with self.lock:  # type: ignore[union-attr]
            if self.pending:
                self._write()
            else:
                super().flush()

    def forget(self) -> None:
        self.pending.clear()
        self.size = 0

    def close(self) -> None:
        self.periodic.stop()
        try:
            self.flush()
        finally:
            super().close()


def configure_logging(app: Flask) -> None:
    """The ``microblog`` loggers' one handler, on stderr: JSON or text (``LOG_FORMAT``),
    batched when ``TELEMETRY_FLUSH_INTERVAL`` is above zero (the production default)."""
    interval = app.config["TELEMETRY_FLUSH_INTERVAL"]
    handler = (
        BatchingStreamHandler(sys.stderr, interval)
        if interval > 0
        else logging.StreamHandler(sys.stderr)
    )
    if app.config["LOG_FORMAT"] == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(TextFormatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    logger = logging.getLogger("microblog")
    for replaced in logger.handlers:
        replaced.close()  # a batching handler writes what it holds
    logger.handlers[:] = [handler]
    logger.setLevel(app.config["LOG_LEVEL"])
    logger.propagate = False
