from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

if TYPE_CHECKING:
    from ..models.author_links import AuthorLinks


T = TypeVar("T", bound="AuthorOut")


@_attrs_define
class AuthorOut:
    """
    Example:
        {'_links': {'self': '/api/v1/users/7'}, 'id': 7, 'username': 'ada'}

    Attributes:
        field_links (AuthorLinks):  Example: {'self': '/api/v1/users/7'}.
        id (int):
        username (str):
    """

    field_links: AuthorLinks
    id: int
    username: str

    def to_dict(self) -> dict[str, Any]:
        field_links = self.field_links.to_dict()

        id = self.id

        username = self.username

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "_links": field_links,
                "id": id,
                "username": username,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.author_links import AuthorLinks  # noqa: PLC0415

        d = dict(src_dict)
        field_links = AuthorLinks.from_dict(d.pop("_links"))

        id = d.pop("id")

        username = d.pop("username")

        author_out = cls(
            field_links=field_links,
            id=id,
            username=username,
        )

        return author_out
