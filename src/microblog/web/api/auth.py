from __future__ import annotations

from flask import Response, request
from flask_openapi3 import APIBlueprint, Tag

from microblog.errors import Unauthorized, ValidationFailed
from microblog.services import jwt_tokens
from microblog.services import users as user_service
from microblog.web.api.responses import no_content, respond
from microblog.web.api.users import register_user
from microblog.web.auth import SECURITY, auth_required, current_user, require_user
from microblog.web.ratelimit import spend_login_attempt
from microblog.web.schemas.auth import LoginRequest, LogoutRequest, RefreshRequest, TokenPairOut
from microblog.web.schemas.users import UserCreate, UserOut

bp = APIBlueprint(
    "auth",
    __name__,
    url_prefix="/api/v1/auth",
    abp_tags=[Tag(name="auth", description="JWT login, refresh rotation and logout")],
)

NO_STORE = {"Cache-Control": "no-store"}


@bp.post("/register", responses={201: UserOut}, summary="Register (same as POST /users)")
def register(body: UserCreate) -> Response:
    return register_user(body)


@bp.post(
    "/login",
    responses={200: TokenPairOut},
    security=SECURITY["basic"] + [{}],
    summary="Log in with username or email and password (JSON body or HTTP Basic)",
)
@auth_required("basic", optional=True)
def login(body: LoginRequest) -> Response:
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
    return respond(TokenPairOut, jwt_tokens.login(principal.id), headers=NO_STORE)


@bp.post(
    "/refresh",
    responses={200: TokenPairOut},
    summary="Rotate a refresh token (JSON body or as Bearer) for a new pair",
)
def refresh(body: RefreshRequest) -> Response:
    token = body.refresh_token
    if token is None:
        scheme, _, value = request.headers.get("Authorization", "").partition(" ")
        token = value.strip() if scheme.lower() == "bearer" and value.strip() else None
    if token is None:
        raise Unauthorized("Send the refresh token in the body or as a Bearer token.")
    return respond(TokenPairOut, jwt_tokens.refresh(token), headers=NO_STORE)


@bp.post(
    "/logout",
    responses={204: None},
    security=SECURITY["bearer"],
    summary="Revoke the access token and its login (and refresh_token's, if sent)",
)
@auth_required()
def logout(body: LogoutRequest) -> Response:
    jwt_tokens.logout(require_user(), body.refresh_token)
    return no_content()
