"""ApiApp.ensure_sync (http.py): remembered per function, with Flask's answer."""

from __future__ import annotations

from typing import Any

import pytest

from microblog import create_app
from microblog.web.http import ApiApp


def test_ensure_sync_keeps_flasks_answers() -> None:
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert isinstance(app, ApiApp)

    def plain() -> str:
        return "plain"

    async def coroutine() -> str:
        return "async"

    assert app.ensure_sync(plain) is plain
    assert app.ensure_sync(plain) is plain  # from the cache
    for _ in range(2):  # Flask's answer (no asgiref here: refused), never cached as sync
        with pytest.raises(RuntimeError, match="async"):
            app.ensure_sync(coroutine)


def test_the_cache_is_bounded() -> None:
    """A library handing in a new function on every call must not grow it forever."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})

    def make() -> Any:
        return lambda: None

    functions = [make() for _ in range(5000)]
    for function in functions:
        assert app.ensure_sync(function) is function
    assert app.sync_functions is not None and len(app.sync_functions) <= 4096
