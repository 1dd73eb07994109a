"""HTTP layer: one module per resource, handlers a few lines long."""

from __future__ import annotations

from flask_openapi3 import OpenAPI
from flask_openapi3.models import Operation
from flask_openapi3.utils import get_responses

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
from microblog.web.schemas.auth import OptionalBody


def register(app: OpenAPI) -> None:
    for module in (users, tokens, auth, api_keys, admin, follows, posts, tasks, todo):
        app.register_api(module.bp)
    document_error_responses(app)
    document_optional_bodies(app)
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


def document_optional_bodies(app: OpenAPI) -> None:
    """flask-openapi3 marks every request body required; an ``OptionalBody`` model (login,
    refresh, logout: the credential may come in a header instead) is not."""
    optional = {f"#/components/schemas/{cls.__name__}" for cls in _subclasses(OptionalBody)}
    for item in app.paths.values():
        for method in ("put", "post", "patch", "delete"):
            operation = getattr(item, method, None)
            body = getattr(operation, "requestBody", None)
            if body is None or not body.content:
                continue
            refs = {media.media_type_schema.ref for media in body.content.values()}
            if refs & optional:
                body.required = False


def _subclasses(cls: type) -> set[type]:
    found: set[type] = set(cls.__subclasses__())
    for sub in list(found):
        found |= _subclasses(sub)
    return found
