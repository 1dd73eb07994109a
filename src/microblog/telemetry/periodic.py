"""Work held back and done in batches, written out every few seconds by a background
thread of each process (the request records of observability.py, the log lines of
logs.py), and at the moments where holding it back would lose or repeat it: before a
fork and at exit."""

from __future__ import annotations

import atexit
import contextlib
import os
import sys
import threading
import weakref
from typing import Protocol


class Batcher(Protocol):
    def flush(self) -> None:
        """Do the held work now."""

    def forget(self) -> None:
        """Drop the held work without doing it (a forked child: its parent does it)."""


class Periodic:
    """Calls ``owner.flush()`` every ``interval`` seconds from a daemon thread, started by
    :meth:`ensure` on first need, and again in a forked child (threads do not survive a
    fork). The owner is held weakly: the thread ends when it is gone or :meth:`stop`."""

    def __init__(self, owner: Batcher, interval: float, name: str, stage: int = 0) -> None:
        """``stage``: flush_all() flushes lower stages first (the request records, which
        become log lines, before the log handlers that write them)."""
        self.owner = weakref.ref(owner)
        self.stage = stage
        self.interval = interval
        self.name = name
        self.running = False  # in this process
        self.stopped = threading.Event()
        _live.add(self)

    def ensure(self) -> None:
        if self.running:
            return
        self.running = True
        threading.Thread(target=self._run, name=self.name, daemon=True).start()

    def stop(self) -> None:
        self.stopped.set()

    def _run(self) -> None:
        while not self.stopped.wait(self.interval):
            owner = self.owner()
            if owner is None:
                return
            try:
                owner.flush()
            except Exception:  # e.g. a broken stream: report it, and keep flushing later
                with contextlib.suppress(Exception):
                    sys.excepthook(*sys.exc_info())
            del owner  # no strong reference while waiting

    def _owner_flush(self) -> None:
        owner = self.owner()
        if owner is not None:
            owner.flush()

    def _after_fork_in_child(self) -> None:
        self.running = False
        stopped = self.stopped.is_set()
        self.stopped = threading.Event()  # its lock may have been held at the fork
        if stopped:
            self.stopped.set()
        owner = self.owner()
        if owner is not None:
            owner.forget()


_live: weakref.WeakSet[Periodic] = weakref.WeakSet()


def flush_all() -> None:
    """Do every batcher's held work now (before a fork, at exit), stage by stage."""
    for periodic in sorted(_live, key=lambda p: p.stage):
        periodic._owner_flush()


def _after_fork_in_child() -> None:
    for periodic in list(_live):
        periodic._after_fork_in_child()


os.register_at_fork(before=flush_all, after_in_child=_after_fork_in_child)
# Registered after logging's own exit handler, so it runs first: request records become
# log lines, then logging.shutdown() flushes every handler.
atexit.register(flush_all)
