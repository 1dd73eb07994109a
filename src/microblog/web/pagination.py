"""The HTTP half of pagination (docs/reference.md#collections-and-pagination): reading
``page``/``per_page`` and ``cursor``/``limit``, signing cursors, and the links and headers of
page mode and keyset mode. data/pages.py runs the statements."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from flask import current_app, request
from itsdangerous import BadData, URLSafeSerializer
from pydantic import Strict, TypeAdapter

from microblog.data.pages import KeysetRequest, PageRequest
from microblog.errors import ValidationFailed
from microblog.web.schemas.common import Id, UTCInstant


def page_request(page: int, per_page: int) -> PageRequest:
    """Clamp ``per_page`` to the configured cap (values below 1 were already refused by
    the query schema)."""
    return PageRequest(page=page, per_page=min(per_page, current_app.config["PER_PAGE_MAX"]))


def _page_url(page: int, per_page: int) -> str:
    args = [(k, v) for k, v in request.args.items(multi=True) if k not in ("page", "per_page")]
    args += [("page", str(page)), ("per_page", str(per_page))]
    return f"{request.path}?{urlencode(args)}"


def collection(
    items: list[dict[str, Any]], page: PageRequest, total: int
) -> tuple[dict[str, Any], dict[str, str]]:
    """The collection body and its headers (``Link``, ``X-Total-Count``)."""
    total_pages = -(-total // page.per_page)
    last_page = max(total_pages, 1)
    links: dict[str, str | None] = {
        "self": _page_url(page.page, page.per_page),
        "next": _page_url(page.page + 1, page.per_page) if page.page < total_pages else None,
        "prev": _page_url(min(page.page - 1, last_page), page.per_page) if page.page > 1 else None,
        "first": _page_url(1, page.per_page),
        "last": _page_url(last_page, page.per_page),
    }
    body = {
        "items": items,
        "_meta": {
            "page": page.page,
            "per_page": page.per_page,
            "total_pages": total_pages,
            "total_items": total,
        },
        "_links": links,
    }
    link_header = ", ".join(f'<{url}>; rel="{rel}"' for rel, url in links.items() if url)
    headers = {"Link": link_header, "X-Total-Count": str(total)}
    return body, headers


# -- keyset mode ------------------------------------------------------------------------

CURSOR_SALT = "microblog.keyset-cursor.v1"
#: What a cursor holds, in the same bounds as the query parameters: ``[created_at, id]``.
_CURSOR_POSITION: TypeAdapter[tuple[datetime, int]] = TypeAdapter(
    tuple[UTCInstant, Annotated[Id, Strict()]]
)


def keyset_request(cursor: str | None, limit: int | None) -> KeysetRequest:
    """``?cursor=…&limit=…``, with ``limit`` clamped to the configured cap."""
    cap = current_app.config["PER_PAGE_MAX"]
    size = min(limit if limit is not None else current_app.config["PER_PAGE_DEFAULT"], cap)
    return KeysetRequest(limit=size, after=decode_cursor(cursor) if cursor else None)


def _cursor_serializer() -> URLSafeSerializer:
    return URLSafeSerializer(
        current_app.config["SECRET_KEY"],
        salt=CURSOR_SALT,
        signer_kwargs={"digest_method": hashlib.sha256},
    )


def encode_cursor(created_at: datetime, item_id: int) -> str:
    """An opaque, signed position: clients cannot forge or edit it."""
    return str(_cursor_serializer().dumps([created_at.isoformat(), item_id]))


def decode_cursor(token: str) -> tuple[datetime, int]:
    try:
        return _CURSOR_POSITION.validate_python(_cursor_serializer().loads(token))
    except (BadData, ValueError, TypeError):
        raise ValidationFailed(errors={"cursor": ["Invalid or tampered cursor."]}) from None


def _keyset_url(cursor: str | None, limit: int) -> str:
    args = [(k, v) for k, v in request.args.items(multi=True) if k not in ("cursor", "limit")]
    args.append(("limit", str(limit)))
    if cursor:
        args.append(("cursor", cursor))
    return f"{request.path}?{urlencode(args)}"


def keyset_collection(
    items: list[dict[str, Any]], keyset: KeysetRequest, next_key: tuple[datetime, int] | None
) -> tuple[dict[str, Any], dict[str, str]]:
    """The keyset body (no totals) and its ``Link`` header."""
    next_cursor = encode_cursor(*next_key) if next_key else None
    current = request.args.get("cursor")
    links = {
        "self": _keyset_url(current, keyset.limit),
        "next": _keyset_url(next_cursor, keyset.limit) if next_cursor else None,
        "prev": None,
    }
    body = {
        "items": items,
        "_meta": {"limit": keyset.limit, "next_cursor": next_cursor},
        "_links": links,
    }
    link_header = ", ".join(f'<{url}>; rel="{rel}"' for rel, url in links.items() if url)
    return body, {"Link": link_header}
