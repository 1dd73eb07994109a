"""The query half of pagination: what page a caller asked for, and running a page's
statements (docs/reference.md#collections-and-pagination). web/pagination.py reads the
request and writes the links."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select
from sqlalchemy.engine import Row

from microblog.data.db import read_connection


@dataclass(frozen=True, slots=True)
class PageRequest:
    page: int
    per_page: int

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


@dataclass(frozen=True, slots=True)
class KeysetRequest:
    """The page after ``after`` (newest first), ``limit`` long."""

    limit: int
    after: tuple[datetime, int] | None
