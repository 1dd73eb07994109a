from __future__ import annotations

from flask import Response, g
from flask_openapi3 import APIBlueprint, Tag

from microblog.api.responses import no_content, respond
from microblog.auth import SECURITY, auth_required, require_user
from microblog.schemas.users import TokenOut
from microblog.services import tokens as service

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
        {"token": token, "expires_at": expires_at},
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
    token_id = g.get("token_id")
    if token_id is not None:
        service.revoke_token(token_id)
    return no_content()
