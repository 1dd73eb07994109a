"""Credential checks registered with Flask-HTTPAuth: one function per scheme, and one
dispatcher for every kind of Bearer credential."""

from __future__ import annotations

from microblog.data.principal import Principal
from microblog.services import api_keys, jwt_tokens
from microblog.services import tokens as token_service
from microblog.services import users as user_service
from microblog.web.auth import basic_auth, token_auth
from microblog.web.ratelimit import spend_login_attempt

MAX_CREDENTIAL_LENGTH = 4096


@basic_auth.verify_password
def verify_password(username: str, password: str) -> Principal | None:
    if not username or not password:
        return None
    principal = user_service.authenticate_password(username, password, spend_login_attempt)
    if principal is not None:
        user_service.touch_last_seen(principal)
    return principal


@token_auth.verify_token
def verify_token(token: str) -> Principal | None:
    """An opaque token (``mbt_…``), an API key (``mbk_…``) or a JWT access token."""
    if not token or len(token) > MAX_CREDENTIAL_LENGTH:
        return None
    if token.startswith(token_service.TOKEN_PREFIX):
        principal = token_service.principal_for_token(token)
    elif token.startswith(api_keys.KEY_MARKER):
        principal = api_keys.principal_for_key(token)
    elif token.count(".") == 2:
        principal = jwt_tokens.principal_for_access(token)
    else:
        principal = None
    if principal is not None:
        user_service.touch_last_seen(principal)
    return principal
