"""Pagination shared by every collection (docs/reference.md#collections-and-pagination): page mode
and keyset mode."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from flask import current_app, request
from itsdangerous import BadData, URLSafeSerializer
from pydantic import Strict, TypeAdapter
from sqlalchemy import Select
from sqlalchemy.engine import Row

from microblog.data.db import read_connection
from microblog.web.errors import ValidationFailed
from microblog.web.schemas.common import Id, UTCInstant


@dataclass(frozen=True, slots=True)
class PageRequest:
    page: int
    per_page: int

    @classmethod
    def from_query(cls, page: int, per_page: int) -> PageRequest:
        """Clamp ``per_page`` to the configured cap (values below 1 were already
        refused by the query schema)."""
        return cls(page=page, per_page=min(per_page, current_app.config["PER_PAGE_MAX"]))

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page

    def is_past_end(self, total: int) -> bool:
        return self.offset >= total


def fetch_page(
    items: Select[Any], count: Select[Any], params: dict[str, Any], page: PageRequest
) -> tuple[list[Row[Any]], int]:
    """Run a collection's count and page statements (bind parameters ``limit`` and
    ``offset``): two statements, or one when the page is past the end."""
    conn = read_connection()
    total: int = conn.execute(count, params).scalar_one()
    if page.is_past_end(total):
        return [], total
    values = {**params, "limit": page.per_page, "offset": page.offset}
    return list(conn.execute(items, values).all()), total


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


@dataclass(frozen=True, slots=True)
class KeysetRequest:
    """``?cursor=…&limit=…``: the page after ``after`` (newest first), ``limit`` long."""

    limit: int
    after: tuple[datetime, int] | None

    @classmethod
    def from_query(cls, cursor: str | None, limit: int | None) -> KeysetRequest:
        cap = current_app.config["PER_PAGE_MAX"]
        size = min(limit if limit is not None else current_app.config["PER_PAGE_DEFAULT"], cap)
        return cls(limit=size, after=decode_cursor(cursor) if cursor else None)


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
