"""Credential checks registered with Flask-HTTPAuth."""

from __future__ import annotations

from flask import g

from microblog.auth import Principal, basic_auth, token_auth
from microblog.services import tokens as token_service
from microblog.services import users as user_service


@basic_auth.verify_password
def verify_password(username: str, password: str) -> Principal | None:
    if not username or not password:
        return None
    principal = user_service.authenticate_password(username, password)
    if principal is not None:
        user_service.touch_last_seen(principal)
    return principal


@token_auth.verify_token
def verify_token(token: str) -> Principal | None:
    if not token:
        return None
    principal = token_service.principal_for_token(token)
    if principal is not None:
        g.token_id = principal.token_id
        user_service.touch_last_seen(principal)
    return principal
