from __future__ import annotations

from typing import Any

from flask import Response
from flask_openapi3 import APIBlueprint, Tag

from microblog.data.models import ApiKey
from microblog.data.timeutil import isoformat
from microblog.services import api_keys as service
from microblog.web.api.responses import no_content, respond
from microblog.web.auth import SECURITY, auth_required, require_user
from microblog.web.hosts import external_url_for
from microblog.web.pagination import collection, page_request
from microblog.web.schemas.auth import ApiKeyCreate, ApiKeyCreated, ApiKeyOut, ApiKeyPath
from microblog.web.schemas.common import Collection, PageQuery

bp = APIBlueprint(
    "api_keys",
    __name__,
    url_prefix="/api/v1/me/api-keys",
    abp_tags=[Tag(name="api keys", description="Long-lived keys for scripts")],
)

ApiKeyCollection = Collection[ApiKeyOut]


def represent(key: ApiKey) -> dict[str, Any]:
    return {
        "id": key.id,
        "name": key.name,
        "prefix": key.prefix,
        "created_at": isoformat(key.created_at),
        "last_used_at": isoformat(key.last_used_at) if key.last_used_at else None,
        "_links": {"self": f"/api/v1/me/api-keys/{key.id}"},
    }


@bp.post("", responses={201: ApiKeyCreated}, security=SECURITY["bearer"], summary="New key")
@auth_required()
def create_key(body: ApiKeyCreate) -> Response:
    key, secret = service.create_key(require_user(), body.name)
    data = {
        "id": key.id,
        "name": key.name,
        "key": secret,
        "prefix": key.prefix,
        "created_at": isoformat(key.created_at),
    }
    location = external_url_for("api_keys.list_keys") + f"/{key.id}"
    return respond(
        ApiKeyCreated,
        data,
        status=201,
        headers={"Location": location, "Cache-Control": "no-store"},
    )


@bp.get("", responses={200: ApiKeyCollection}, security=SECURITY["bearer"], summary="Your keys")
@auth_required()
def list_keys(query: PageQuery) -> Response:
    page = page_request(query.page, query.per_page)
    keys, total = service.list_keys(require_user(), page)
    body, headers = collection([represent(k) for k in keys], page, total)
    return respond(ApiKeyCollection, body, headers=headers)


@bp.delete(
    "/<id:key_id>", responses={204: None}, security=SECURITY["bearer"], summary="Revoke a key"
)
@auth_required()
def delete_key(path: ApiKeyPath) -> Response:
    service.delete_key(require_user(), path.key_id)
    return no_content()
