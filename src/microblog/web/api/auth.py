from __future__ import annotations

from typing import Any

from flask import request

from microblog.errors import Unauthorized, ValidationFailed
from microblog.services import jwt_tokens
from microblog.services import users as user_service
from microblog.services.jwt_tokens import TokenPair
from microblog.web import representations
from microblog.web.api.users import REGISTRATION, USER_LINKS, register_user
from microblog.web.auth import current_user, require_user
from microblog.web.ratelimit import spend_login_attempt
from microblog.web.routes import Routes
from microblog.web.schemas.auth import LoginRequest, LogoutRequest, RefreshRequest, TokenPairOut
from microblog.web.schemas.users import UserCreate

auth = Routes("auth", __name__, "/api/v1/auth", "JWT login, refresh rotation and logout")
bp = auth.bp

PAIR = {
    "response": TokenPairOut,
    "represent": representations.token_pair,
    "headers": {"Cache-Control": "no-store"},
}


@auth.post(
    "/register",
    **REGISTRATION,
    summary="Register (same as POST /users)",
    operation_id="register",
    description=(
        "The same as POST /users: creates an account, 201 with it and its URL in Location."
    ),
    errors=(409,),
    links=USER_LINKS,
)
def register(body: UserCreate) -> dict[str, Any]:
    return register_user(body)


@auth.post(
    "/login",
    auth="basic",
    optional=True,
    **PAIR,
    summary="Log in with username or email and password (JSON body or HTTP Basic)",
    operation_id="login",
    description=(
        "Username or email and password, in a JSON body or as HTTP Basic, for a JWT access and "
        "refresh token pair."
    ),
)
def login(body: LoginRequest) -> TokenPair:
    principal = current_user()  # set when HTTP Basic was sent (and valid)
    if principal is None:
        login_name = body.username or body.email
        errors = {}
        if login_name is None:
            errors["username"] = ["Send username or email."]
        if body.password is None:
            errors["password"] = ["Missing data for required field."]
        if errors:
            raise ValidationFailed(errors=errors)
        assert login_name is not None
        assert body.password is not None
        principal = user_service.authenticate_password(
            login_name, body.password, spend_login_attempt
        )
        if principal is None:
            raise Unauthorized("Invalid username, email or password.", scheme="Basic")
        user_service.touch_last_seen(principal)
    return jwt_tokens.login(principal.id)


@auth.post(
    "/refresh",
    auth=None,
    **PAIR,
    summary="Rotate a refresh token (JSON body or as Bearer) for a new pair",
    operation_id="refreshToken",
    description=(
        "Spends a refresh token (in the body, or as Authorization: Bearer) for a new pair; a "
        "refresh token works once: sent again, it is taken for stolen and the whole login is "
        "revoked (401). A server with JWT_REFRESH_REUSE_GRACE set (0 by default) refuses a "
        "reuse within that many seconds of the first use with 401 and ends nothing."
    ),
    security=[{"refreshToken": []}, {}],
    errors=(401,),
)
def refresh(body: RefreshRequest) -> TokenPair:
    token = body.refresh_token
    if token is None:
        scheme, _, value = request.headers.get("Authorization", "").partition(" ")
        token = value.strip() if scheme.lower() == "bearer" and value.strip() else None
    if token is None:
        raise Unauthorized("Send the refresh token in the body or as a Bearer token.")
    return jwt_tokens.refresh(token)


@auth.post(
    "/logout",
    summary="Revoke the access token and its login (and refresh_token's, if sent)",
    operation_id="logout",
    description=(
        "Revokes the JWT access token sent as Bearer and its login, and the refresh_token if sent."
    ),
)
def logout(body: LogoutRequest) -> None:
    jwt_tokens.logout(require_user(), body.refresh_token)
