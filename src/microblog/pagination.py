"""Page-mode pagination shared by every collection (API.md §5)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from flask import current_app, request


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
