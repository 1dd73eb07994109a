from __future__ import annotations

from typing import Any

from microblog.data.models import ApiKey
from microblog.data.pages import Page
from microblog.services import api_keys as service
from microblog.web import representations
from microblog.web.auth import require_user
from microblog.web.hosts import external_url_for
from microblog.web.pagination import page_request
from microblog.web.routes import Routes, links
from microblog.web.schemas.auth import ApiKeyCreate, ApiKeyCreated, ApiKeyOut, ApiKeyPath
from microblog.web.schemas.common import Collection, PageQuery

api_keys = Routes("api_keys", __name__, "/api/v1/me/api-keys", "Long-lived keys for scripts")
bp = api_keys.bp

ApiKeyCollection = Collection[ApiKeyOut]
API_KEY_LINKS = links("key_id", "deleteApiKey")


@api_keys.post(
    "",
    response=ApiKeyCreated,
    status=201,
    location=lambda body: f"{external_url_for('api_keys.list_keys')}/{body['id']}",
    headers={"Cache-Control": "no-store"},
    summary="New key",
    operation_id="createApiKey",
    description="A new long-lived API key; the secret is in this response only.",
    links=API_KEY_LINKS,
)
def create_key(body: ApiKeyCreate) -> dict[str, Any]:
    key, secret = service.create_key(require_user(), body.name)
    return representations.api_key_created(key, secret)


@api_keys.get(
    "",
    response=ApiKeyCollection,
    represent=representations.api_key,
    summary="Your keys",
    operation_id="listApiKeys",
    description="Your API keys (never their secrets), page mode.",
)
def list_keys(query: PageQuery) -> Page[ApiKey]:
    return service.list_keys(require_user(), page_request(query.page, query.per_page))


@api_keys.delete(
    "/<id:key_id>",
    summary="Revoke a key",
    operation_id="deleteApiKey",
    description="Revokes one of your API keys.",
)
def delete_key(path: ApiKeyPath) -> None:
    service.delete_key(require_user(), path.key_id)
