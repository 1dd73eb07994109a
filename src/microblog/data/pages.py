"""The query half of pagination: what page a caller asked for, and running a page's
statements (docs/reference.md#collections-and-pagination). web/pagination.py reads the
request and writes the links."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import Select
from sqlalchemy.engine import Row

from microblog.data.db import read_connection

T = TypeVar("T", covariant=True)  # a page of rows is a page of sequences


@dataclass(frozen=True, slots=True)
class PageRequest:
    page: int
    per_page: int

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page

    def is_past_end(self, total: int) -> bool:
        return self.offset >= total


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a collection in page mode, and how many items the collection holds."""

    items: Sequence[T]
    request: PageRequest
    total: int


def fetch_page(
    items: Select[Any], count: Select[Any], params: dict[str, Any], page: PageRequest
) -> Page[Row[Any]]:
    """Run a collection's count and page statements (bind parameters ``limit`` and
    ``offset``): two statements, or one when the page is past the end."""
    conn = read_connection()
    total: int = conn.execute(count, params).scalar_one()
    if page.is_past_end(total):
        return Page([], page, total)
    values = {**params, "limit": page.per_page, "offset": page.offset}
    return Page(conn.execute(items, values).all(), page, total)


@dataclass(frozen=True, slots=True)
class KeysetRequest:
    """The page after ``after`` (newest first), ``limit`` long."""

    limit: int
    after: tuple[datetime, int] | None


@dataclass(frozen=True, slots=True)
class KeysetPage(Generic[T]):
    """One page in keyset mode; ``next_key`` is where the next one starts (None: the end)."""

    items: Sequence[T]
    request: KeysetRequest
    next_key: tuple[datetime, int] | None
