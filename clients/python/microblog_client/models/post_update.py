from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="PostUpdate")


@_attrs_define
class PostUpdate:
    """Changes to a post: only the fields sent change.

    Example:
        {'title': 'Notes, revised'}

    Attributes:
        body (str | Unset): The text, 1 to 10,000 characters.
        published (bool | Unset): false for a draft, which only its author (and admins) can see.
        title (None | str | Unset): An optional title, up to 200 characters. null removes it.
    """

    body: str | Unset = UNSET
    published: bool | Unset = UNSET
    title: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        body = self.body

        published = self.published

        title: None | str | Unset
        if isinstance(self.title, Unset):
            title = UNSET
        else:
            title = self.title

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if body is not UNSET:
            field_dict["body"] = body
        if published is not UNSET:
            field_dict["published"] = published
        if title is not UNSET:
            field_dict["title"] = title

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        body = d.pop("body", UNSET)

        published = d.pop("published", UNSET)

        def _parse_title(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        title = _parse_title(d.pop("title", UNSET))

        post_update = cls(
            body=body,
            published=published,
            title=title,
        )

        return post_update
