from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

T = TypeVar("T", bound="PageLinks")


@_attrs_define
class PageLinks:
    """Links to this page and its neighbours, with the same query (filters, sort, page size).

    Example:
        {'first': '/api/v1/users?page=1&per_page=10', 'last': '/api/v1/users?page=3&per_page=10', 'next':
            '/api/v1/users?page=2&per_page=10', 'prev': None, 'self': '/api/v1/users?page=1&per_page=10'}

    Attributes:
        first (str): The first page.
        last (str): The last page (the first one when the collection is empty).
        next_ (None | str): The next page; null on the last one.
        prev (None | str): The previous page; null on the first one.
        self_ (str): This page.
    """

    first: str
    last: str
    next_: None | str
    prev: None | str
    self_: str

    def to_dict(self) -> dict[str, Any]:
        first = self.first

        last = self.last

        next_: None | str
        next_ = self.next_

        prev: None | str
        prev = self.prev

        self_ = self.self_

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "first": first,
                "last": last,
                "next": next_,
                "prev": prev,
                "self": self_,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        first = d.pop("first")

        last = d.pop("last")

        def _parse_next_(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        next_ = _parse_next_(d.pop("next"))

        def _parse_prev(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        prev = _parse_prev(d.pop("prev"))

        self_ = d.pop("self")

        page_links = cls(
            first=first,
            last=last,
            next_=next_,
            prev=prev,
            self_=self_,
        )

        return page_links
