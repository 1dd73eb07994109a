from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="KeysetLinks")


@_attrs_define
class KeysetLinks:
    """Links to this keyset page and the next (a keyset page has no way back).

    Example:
        {'next': '/api/v1/feed?cursor=WyIyMDI2In0.c2ln&limit=10', 'prev': None, 'self': '/api/v1/feed?limit=10'}

    Attributes:
        next_ (None | str): The next page; null on the last one.
        self_ (str): This page.
        prev (None | Unset): Always null: keyset pages go forward only.
    """

    next_: None | str
    self_: str
    prev: None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        next_: None | str
        next_ = self.next_

        self_ = self.self_

        prev = self.prev

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "next": next_,
                "self": self_,
            }
        )
        if prev is not UNSET:
            field_dict["prev"] = prev

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_next_(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        next_ = _parse_next_(d.pop("next"))

        self_ = d.pop("self")

        prev = d.pop("prev", UNSET)

        keyset_links = cls(
            next_=next_,
            self_=self_,
            prev=prev,
        )

        return keyset_links
