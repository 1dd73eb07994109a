from __future__ import annotations

from typing import Any

from microblog.errors import BadRequest
from microblog.services import tokens as service
from microblog.web import representations
from microblog.web.auth import OPAQUE_TOKEN_ONLY, require_user
from microblog.web.routes import Routes
from microblog.web.schemas.users import TokenOut

tokens = Routes("tokens", __name__, "/api/v1", "Opaque bearer tokens")
bp = tokens.bp


@tokens.post(
    "/tokens",
    auth="basic",
    response=TokenOut,
    headers={"Cache-Control": "no-store"},
    summary="Get a token with HTTP Basic (username or email)",
    operation_id="createToken",
    description=(
        "Exchanges HTTP Basic credentials (username or email, and password) for an opaque bearer"
        " token."
    ),
)
def issue_token() -> dict[str, Any]:
    return representations.token(*service.issue_token(require_user().id))


@tokens.delete(
    "/tokens",
    summary="Revoke the token sent as Bearer",
    operation_id="revokeToken",
    description=(
        "Revokes the opaque token sent as Bearer; 400 for a JWT or an API key (they end "
        "elsewhere)."
    ),
    errors=(400,),
    security=OPAQUE_TOKEN_ONLY,
)
def revoke_token() -> None:
    principal = require_user()
    if principal.token_id is None:
        raise BadRequest(
            "DELETE /tokens revokes an opaque token; end a JWT login with POST /auth/logout "
            "and an API key with DELETE /me/api-keys/{id}."
        )
    service.revoke_token(principal.token_id)
