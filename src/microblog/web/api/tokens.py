from __future__ import annotations

from flask import Response
from flask_openapi3 import APIBlueprint, Tag

from microblog.data.timeutil import isoformat
from microblog.errors import BadRequest
from microblog.services import tokens as service
from microblog.web.api.responses import no_content, respond
from microblog.web.auth import SECURITY, auth_required, require_user
from microblog.web.schemas.users import TokenOut

bp = APIBlueprint(
    "tokens",
    __name__,
    url_prefix="/api/v1",
    abp_tags=[Tag(name="tokens", description="Opaque bearer tokens")],
)


@bp.post(
    "/tokens",
    responses={200: TokenOut},
    security=SECURITY["basic"],
    summary="Get a token with HTTP Basic (username or email)",
)
@auth_required("basic")
def issue_token() -> Response:
    token, expires_at = service.issue_token(require_user().id)
    return respond(
        TokenOut,
        {"token": token, "expires_at": isoformat(expires_at)},
        headers={"Cache-Control": "no-store"},
    )


@bp.delete(
    "/tokens",
    responses={204: None},
    security=SECURITY["bearer"],
    summary="Revoke the token sent as Bearer",
)
@auth_required()
def revoke_token() -> Response:
    principal = require_user()
    if principal.token_id is None:
        raise BadRequest(
            "DELETE /tokens revokes an opaque token; end a JWT login with POST /auth/logout "
            "and an API key with DELETE /me/api-keys/{id}."
        )
    service.revoke_token(principal.token_id)
    return no_content()
