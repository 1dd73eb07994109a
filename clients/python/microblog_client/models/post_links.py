from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="PostLinks")


@_attrs_define
class PostLinks:
    """Where a post and its author live.

    Example:
        {'author': '/api/v1/users/7', 'self': '/api/v1/posts/42'}

    Attributes:
        author (str): Its author's profile.
        self_ (str): The post's URL.
    """

    author: str
    self_: str

    def to_dict(self) -> dict[str, Any]:
        author = self.author

        self_ = self.self_

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "author": author,
                "self": self_,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        author = d.pop("author")

        self_ = d.pop("self")

        post_links = cls(
            author=author,
            self_=self_,
        )

        return post_links
