"""HTTP layer: one module per resource, handlers a few lines long."""

from __future__ import annotations

from flask_openapi3 import OpenAPI

from microblog.web.api import (
    admin,
    api_keys,
    auth,
    follows,
    ops,
    posts,
    tasks,
    todo,
    tokens,
    users,
)


def register(app: OpenAPI) -> None:
    for module in (users, tokens, auth, api_keys, admin, follows, posts, tasks, todo):
        app.register_api(module.bp)
    ops.register(app)
