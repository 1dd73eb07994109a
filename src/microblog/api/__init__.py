"""HTTP layer: one module per resource, handlers a few lines long."""

from __future__ import annotations

from flask_openapi3 import OpenAPI
from flask_openapi3.models import Operation
from flask_openapi3.utils import get_responses

from microblog.api import follows, ops, posts, tasks, todo, tokens, users

API_PREFIX = "/api/v1"


def register(app: OpenAPI) -> None:
    for module in (users, tokens, follows, posts, tasks, todo):
        app.register_api(module.bp)
    document_error_responses(app)
    ops.register(app)


def document_error_responses(app: OpenAPI) -> None:
    """Give blueprint operations the app-wide error ``responses``: flask-openapi3 adds
    them to routes declared on the app only, and otherwise documents 400 as a *list* of
    error bodies and no other error status. A route's own declarations win."""
    errors = Operation()
    get_responses(app.responses, app.components_schemas, errors)
    for item in app.paths.values():
        for method in ("get", "put", "post", "delete", "patch"):
            operation = getattr(item, method, None)
            if operation is not None:
                operation.responses = {**(errors.responses or {}), **(operation.responses or {})}
