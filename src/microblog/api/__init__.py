"""HTTP layer: one module per resource, handlers a few lines long."""

from __future__ import annotations

from flask_openapi3 import OpenAPI

from microblog.api import follows, ops, posts, tasks, todo, tokens, users

API_PREFIX = "/api/v1"


def register(app: OpenAPI) -> None:
    for module in (users, tokens, follows, posts, tasks, todo):
        app.register_api(module.bp)
    ops.register(app)
