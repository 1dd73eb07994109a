"""A fixture for apps with settings of their own, on SQLite (the rules tested with it —
trusted hosts, secrets, log lines, operations endpoints — run before or beside the database).
Not a conftest.py: other modules of this package bring their own fixtures."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import Any

import pytest
from flask import Flask

from microblog import create_app
from microblog.data.db import close_read_connection, db

MakeApp = Callable[..., Flask]


@pytest.fixture
def make_app() -> Iterator[MakeApp]:
    """``make_app(**settings)``: a testing app over those settings, tables created."""
    with ExitStack() as stack:

        def build(**settings: Any) -> Flask:
            app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", **settings})
            stack.enter_context(app.app_context())
            db.create_all()
            stack.callback(db.engine.dispose)
            stack.callback(db.session.remove)
            stack.callback(close_read_connection)
            return app

        yield build
