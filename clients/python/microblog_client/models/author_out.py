from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

if TYPE_CHECKING:
    from ..models.author_links import AuthorLinks


T = TypeVar("T", bound="AuthorOut")


@_attrs_define
class AuthorOut:
    """Who wrote a post: enough to show and link it; the profile has the rest.

    Example:
        {'_links': {'self': '/api/v1/users/7'}, 'id': 7, 'username': 'ada'}

    Attributes:
        field_links (AuthorLinks): Where a post's author lives. Example: {'self': '/api/v1/users/7'}.
        id (int): The author's user id.
        username (str): The author's username.
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
