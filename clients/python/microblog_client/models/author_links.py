from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="AuthorLinks")


@_attrs_define
class AuthorLinks:
    """Where a post's author lives.

    Example:
        {'self': '/api/v1/users/7'}

    Attributes:
        self_ (str): The author's profile.
    """

    self_: str

    def to_dict(self) -> dict[str, Any]:
        self_ = self.self_

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "self": self_,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        self_ = d.pop("self")

        author_links = cls(
            self_=self_,
        )

        return author_links
