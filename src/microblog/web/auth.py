"""Authentication: one path for every protected route.

Routes declare what they accept (web/routes.py); a ``before_request`` step
(:func:`authenticate_request`) runs the matching Flask-HTTPAuth guard before the body is
parsed, so an anonymous request is always answered ``401`` first (auth → permission →
validation, the order Django REST framework uses).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask, Request, Response, current_app, g, request
from flask_httpauth import HTTPBasicAuth, HTTPTokenAuth, MultiAuth
from werkzeug.datastructures import Authorization

from microblog.data.principal import Principal
from microblog.web.errors import error_response
from microblog.web.spec import spec_of

REALM = "microblog"


class BearerAuth(HTTPTokenAuth):  # type: ignore[misc]
    """``Authorization: Bearer <credential>``, or ``X-API-Key: <key>`` when there is no
    ``Authorization`` header."""

    def get_auth(self) -> Authorization | None:
        environ = request.environ  # not request.headers: a missing header raises inside
        key = environ.get("HTTP_X_API_KEY")
        if key is not None and "HTTP_AUTHORIZATION" not in environ:
            # This header carries API keys only, not tokens or JWTs.
            return Authorization("bearer", token=key if key.startswith("mbk_") else "")
        auth: Authorization | None = super().get_auth()
        return auth

    def is_compatible_auth(self, headers: Any) -> bool:
        return "X-API-Key" in headers or bool(super().is_compatible_auth(headers))


basic_auth = HTTPBasicAuth(realm=REALM)
token_auth = BearerAuth(scheme="Bearer", realm=REALM)
basic_or_token_auth = MultiAuth(basic_auth, token_auth)


#: OpenAPI security requirements, per kind of credential a route takes.
SECURITY: dict[str, list[dict[str, list[str]]]] = {
    "bearer": [{"bearerAuth": []}, {"apiKeyAuth": []}],
    "basic": [{"basicAuth": []}],
    "basic_or_bearer": [{"basicAuth": []}, {"bearerAuth": []}, {"apiKeyAuth": []}],
}
#: The requirement of a route that accepts an opaque token and nothing else.
OPAQUE_TOKEN_ONLY: list[dict[str, list[str]]] = [{"opaqueToken": []}]
SECURITY_SCHEMES = {
    "basicAuth": {"type": "http", "scheme": "basic"},
    "bearerAuth": {
        "type": "http",
        "scheme": "bearer",
        "description": "An opaque token (mbt_…), a JWT access token or an API key (mbk_…).",
    },
    "apiKeyAuth": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
    # DELETE /tokens: the guard takes any Bearer credential, the handler only an opaque token.
    "opaqueToken": {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "opaque (mbt_…)",
        "description": "An opaque token (mbt_…) from POST /tokens, as Authorization: Bearer; "
        "a JWT or an API key in its place is a 400.",
    },
    # POST /auth/refresh reads it itself (the guard does not): a refresh token, not access.
    "refreshToken": {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": "A JWT refresh token (from POST /auth/login or /auth/refresh).",
    },
}


def current_user() -> Principal | None:
    user: Principal | None = g.get("flask_httpauth_user")
    return user


def current_user_id() -> int | None:
    user = current_user()
    return user.id if user is not None else None


def require_user() -> Principal:
    user = current_user()
    if user is None:  # pragma: no cover - the route declares auth
        raise RuntimeError("the route is declared without auth")
    return user


def has_credentials(environ: dict[str, Any]) -> bool:
    """Whether the request with this WSGI environ sent credentials (read from the environ:
    cheaper than ``request.headers``, on every request)."""
    return "HTTP_AUTHORIZATION" in environ or "HTTP_X_API_KEY" in environ


def _passthrough() -> None:
    return None


GUARDS: dict[str, Callable[[], Response | None]] = {
    "bearer": token_auth.login_required(_passthrough),
    "basic": basic_auth.login_required(_passthrough),
    "basic_or_bearer": basic_or_token_auth.login_required(_passthrough),
}


def authenticate_request(req: Request) -> Response | None:
    g.flask_httpauth_user = None
    if req.endpoint is None or req.method == "OPTIONS":
        return None
    spec = spec_of(current_app.view_functions.get(req.endpoint))
    if spec is None or spec.auth is None:
        return None
    if spec.optional and not has_credentials(req.environ):
        return None
    return GUARDS[spec.auth]()


def _auth_error(status: int) -> Response:
    message = (
        "Valid credentials are required." if status == 401 else "You are not allowed to do this."
    )
    return error_response(status, message)


def init_app(app: Flask) -> None:
    """Wire the verification callbacks; the request pipeline runs
    :func:`authenticate_request`."""
    # Imported here: the verification callbacks need the models and services.
    from microblog.web import credentials  # noqa: F401

    basic_auth.error_handler(_auth_error)
    token_auth.error_handler(_auth_error)
