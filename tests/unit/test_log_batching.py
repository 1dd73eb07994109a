"""logs.BatchingStreamHandler: log lines written in batches (TELEMETRY_FLUSH_INTERVAL), whole
lines only, never more than PIPE_BUF bytes a write, never lost at exit, never twice."""

from __future__ import annotations

import io
import json
import logging
import os
import select
import textwrap
import time
from collections.abc import Iterator

import pytest

from microblog import create_app
from microblog.config import load_config
from microblog.telemetry.logs import AccessRecord, BatchingStreamHandler, JsonFormatter
from tests.conftest import python_stderr


class Writes(io.StringIO):
    """A text stream that remembers each write it was given."""

    def __init__(self) -> None:
        super().__init__()
        self.writes: list[str] = []

    def write(self, text: str) -> int:
        self.writes.append(text)
        return super().write(text)


@pytest.fixture
def stream() -> Writes:
    return Writes()


@pytest.fixture
def handler(stream: Writes) -> Iterator[BatchingStreamHandler]:
    found = BatchingStreamHandler(stream, interval=60)
    found.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    yield found
    found.close()


def record(message: str, level: int = logging.INFO) -> logging.LogRecord:
    return logging.LogRecord("microblog.test", level, __file__, 1, message, None, None)


class TestBatches:
    def test_lines_are_held_then_written_in_one_write(
        self, handler: BatchingStreamHandler, stream: Writes
    ) -> None:
        for n in range(5):
            handler.handle(record(f"line {n}"))
        assert stream.writes == []
        handler.flush()
        assert stream.writes == ["".join(f"INFO line {n}\n" for n in range(5))]

    def test_a_warning_writes_at_once_after_the_lines_before_it(
        self, handler: BatchingStreamHandler, stream: Writes
    ) -> None:
        handler.handle(record("first"))
        handler.handle(record("trouble", logging.WARNING))
        assert stream.writes == ["INFO first\nWARNING trouble\n"]
        handler.handle(record("after"))
        handler.handle(record("worse", logging.ERROR))
        assert stream.getvalue() == "INFO first\nWARNING trouble\nINFO after\nERROR worse\n"

    def test_no_write_is_longer_than_pipe_buf_and_every_write_ends_a_line(
        self, handler: BatchingStreamHandler, stream: Writes
    ) -> None:
        lines = [f"{n:04d} " + "x" * (n % 300) for n in range(400)]
        for line in lines:
            handler.handle(record(line))
        handler.flush()
        assert len(stream.writes) > 1
        for text in stream.writes:
            assert len(text.encode()) <= select.PIPE_BUF
            assert text.endswith("\n")
        assert stream.getvalue() == "".join(f"INFO {line}\n" for line in lines)

    def test_bytes_not_characters_count(
        self, handler: BatchingStreamHandler, stream: Writes
    ) -> None:
        # 4-byte characters: counting characters would put up to 4 times PIPE_BUF in a write.
        line = "\N{GRINNING FACE}" * 200
        for _ in range(40):
            handler.handle(record(line))
        handler.flush()
        assert all(len(text.encode()) <= select.PIPE_BUF for text in stream.writes)
        assert stream.getvalue().count("\n") == 40

    def test_a_line_longer_than_pipe_buf_is_written_alone_and_whole(
        self, handler: BatchingStreamHandler, stream: Writes
    ) -> None:
        handler.handle(record("short"))
        handler.handle(record("y" * (2 * select.PIPE_BUF)))
        handler.handle(record("next"))
        handler.flush()
        assert stream.writes == [
            "INFO short\n",
            "INFO " + "y" * (2 * select.PIPE_BUF) + "\n",
            "INFO next\n",
        ]

    def test_a_quiet_process_writes_within_the_interval(self, stream: Writes) -> None:
        handler = BatchingStreamHandler(stream, interval=0.05)
        handler.setFormatter(logging.Formatter("%(message)s"))
        try:
            handler.handle(record("lonely"))
            deadline = time.monotonic() + 5
            while not stream.writes and time.monotonic() < deadline:
                time.sleep(0.01)
            assert stream.writes == ["lonely\n"]
        finally:
            handler.close()

    def test_close_writes_what_is_held(self, stream: Writes) -> None:
        handler = BatchingStreamHandler(stream, interval=60)
        handler.setFormatter(logging.Formatter("%(message)s"))
        handler.handle(record("last words"))
        handler.close()
        assert stream.getvalue() == "last words\n"

    def test_a_formatting_error_is_reported_not_raised(
        self, handler: BatchingStreamHandler, stream: Writes, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        reported: list[logging.LogRecord] = []
        monkeypatch.setattr(handler, "handleError", reported.append)
        bad = logging.LogRecord("microblog.test", logging.INFO, "", 1, "%d", ("x",), None)
        handler.handle(bad)
        assert reported == [bad]
        handler.handle(record("fine"))
        handler.flush()
        assert stream.getvalue() == "INFO fine\n"


class TestConfiguration:
    def test_production_batches_development_and_testing_do_not(
        self, tmp_path: os.PathLike[str], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.delenv("TELEMETRY_FLUSH_INTERVAL", raising=False)
        monkeypatch.setenv("SECRET_KEY", "a-production-secret-of-32-chars!")
        assert load_config("production", str(tmp_path))["TELEMETRY_FLUSH_INTERVAL"] == 0.5
        assert load_config("development", str(tmp_path))["TELEMETRY_FLUSH_INTERVAL"] == 0
        assert load_config("testing", str(tmp_path))["TELEMETRY_FLUSH_INTERVAL"] == 0

    @pytest.mark.parametrize("raw", ["soon", "-1", "61", "nan", "inf", "1e400"])
    def test_a_bad_interval_stops_the_start(
        self, raw: str, tmp_path: os.PathLike[str], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("TELEMETRY_FLUSH_INTERVAL", raw)
        with pytest.raises(RuntimeError, match="TELEMETRY_FLUSH_INTERVAL"):
            load_config("testing", str(tmp_path))

    def test_the_app_installs_the_handler_the_interval_asks_for(self) -> None:
        logger = logging.getLogger("microblog")
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "TELEMETRY_FLUSH_INTERVAL": 0.5})
        (batching,) = logger.handlers
        assert isinstance(batching, BatchingStreamHandler) and batching.periodic.interval == 0.5
        batching.handle(AccessRecord({"status": 200}))
        assert batching.pending
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
        (plain,) = logger.handlers
        assert type(plain) is logging.StreamHandler
        # The replaced handler was closed: it wrote what it held.
        assert not batching.pending


WORKER = textwrap.dedent(
    """
    import logging, os, sys, warnings
    from microblog.telemetry.logs import AccessRecord, BatchingStreamHandler, JsonFormatter

    # Python 3.12+ warns on every fork of a process with threads (the flusher): gunicorn
    # forks outside __main__, where DeprecationWarnings are not shown; here they would be.
    warnings.filterwarnings("ignore", ".*multi-threaded.*fork", DeprecationWarning)
    handler = BatchingStreamHandler(sys.stderr, interval=60)
    handler.setFormatter(JsonFormatter())
    log = logging.getLogger("microblog.access")
    log.addHandler(handler)
    log.propagate = False
    log.handle(AccessRecord({"from": "parent", "n": -1}))
    children = []
    for worker in range(4):
        pid = os.fork()
        if pid == 0:
            for n in range(3000):
                log.handle(AccessRecord({"from": worker, "n": n, "pad": "p" * (n % 200)}))
            sys.exit(0)  # atexit: logging.shutdown() writes the last batch
        children.append(pid)
    for pid in children:
        os.waitpid(pid, 0)
    """
)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_forked_workers_sharing_a_pipe_never_interleave_or_repeat_lines() -> None:
    """As gunicorn runs: workers forked from one process write batches to one stderr
    pipe. Every line must arrive whole, exactly once, in each worker's order."""
    stderr = python_stderr(WORKER)
    entries = [json.loads(line) for line in stderr.splitlines()]
    # Written once, by the parent, before the first fork: not again by each child.
    assert entries[0]["from"] == "parent"
    assert [e["n"] for e in entries if e["from"] == "parent"] == [-1]
    for worker in range(4):
        assert [e["n"] for e in entries if e["from"] == worker] == list(range(3000))
    assert len(entries) == 1 + 4 * 3000


QUIET_CHILD = textwrap.dedent(
    """
    import logging, os, sys, time, warnings
    from microblog.telemetry.logs import BatchingStreamHandler

    warnings.filterwarnings("ignore", ".*multi-threaded.*fork", DeprecationWarning)  # 3.12+
    handler = BatchingStreamHandler(sys.stderr, interval=0.05)
    log = logging.getLogger("microblog.quiet")
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False
    log.info("parent")  # starts the parent's flusher thread
    pid = os.fork()
    if pid == 0:
        log.info("child")
        time.sleep(1)
        os._exit(0)  # no exit handlers: only the child's own flusher can write the line
    os.waitpid(pid, 0)
    """
)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_forked_child_starts_its_own_flusher() -> None:
    """Threads do not survive a fork: a child that inherited a running flusher's handler
    must start one of its own, or its quiet lines would wait for its exit."""
    stderr = python_stderr(QUIET_CHILD)
    assert sorted(stderr.split()) == ["child", "parent"]


def test_the_json_access_line_is_unchanged_by_batching(stream: Writes) -> None:
    handler = BatchingStreamHandler(stream, interval=60)
    handler.setFormatter(JsonFormatter())
    handler.handle(AccessRecord({"status": 200, "route": "/api/v1/users/<id:user_id>"}))
    handler.close()
    (line,) = stream.getvalue().splitlines()
    entry = json.loads(line)
    assert entry["status"] == 200 and entry["logger"] == "microblog.access"
