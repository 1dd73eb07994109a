"""A fixture for apps with settings of their own, on SQLite and on PostgreSQL: the test's
``backend`` (tests/conftest.py's ``database_url``), like every module of this package. A
test whose rule is decided before or beside the database says so and pins ``backend`` to
SQLite with :data:`sqlite_only`. Not a conftest.py: other modules of this package bring
their own fixtures."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import Any

import pytest
from flask import Flask

from microblog import create_app
from microblog.data.db import close_read_connection, db
from tests.conftest import empty_postgres_tables

MakeApp = Callable[..., Flask]

#: For a test that never reaches the database (a refusal before it, start-up settings, a
#: pure function): running it on PostgreSQL too would test nothing more.
sqlite_only = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)


@pytest.fixture
def make_app(database_url: str) -> Iterator[MakeApp]:
    """``make_app(**settings)``: a testing app over those settings on the test's database,
    tables created (SQLite) or emptied when the test ends (PostgreSQL)."""
    postgres = database_url.startswith("postgresql")
    with ExitStack() as stack:

        def build(**settings: Any) -> Flask:
            app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, **settings})
            stack.enter_context(app.app_context())
            if not postgres:
                db.create_all()  # the PostgreSQL schema is made once (postgres_url)
            # Undone last first: connections back, then the rows, then the engine.
            stack.callback(db.engine.dispose)
            if postgres:
                stack.callback(empty_postgres_tables)
            stack.callback(db.session.remove)
            stack.callback(close_read_connection)
            return app

        yield build
