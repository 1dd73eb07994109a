from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="PageMeta")


@_attrs_define
class PageMeta:
    """Where a page-mode page lies in its collection.

    Example:
        {'page': 1, 'per_page': 10, 'total_items': 25, 'total_pages': 3}

    Attributes:
        page (int): This page's number, from 1.
        per_page (int): Items per page, after the cap of 100 was applied.
        total_items (int): Items in the whole collection.
        total_pages (int): Pages in the collection at this page size (0 if empty).
    """

    page: int
    per_page: int
    total_items: int
    total_pages: int

    def to_dict(self) -> dict[str, Any]:
        page = self.page

        per_page = self.per_page

        total_items = self.total_items

        total_pages = self.total_pages

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "page": page,
                "per_page": per_page,
                "total_items": total_items,
                "total_pages": total_pages,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        page = d.pop("page")

        per_page = d.pop("per_page")

        total_items = d.pop("total_items")

        total_pages = d.pop("total_pages")

        page_meta = cls(
            page=page,
            per_page=per_page,
            total_items=total_items,
            total_pages=total_pages,
        )

        return page_meta
