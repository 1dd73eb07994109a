from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

if TYPE_CHECKING:
    from ..models.author_out import AuthorOut
    from ..models.post_links import PostLinks


T = TypeVar("T", bound="PostOut")


@_attrs_define
class PostOut:
    """A post, with its author.

    Example:
        {'_links': {'author': '/api/v1/users/7', 'self': '/api/v1/posts/42'}, 'author': {'_links': {'self':
            '/api/v1/users/7'}, 'id': 7, 'username': 'ada'}, 'body': 'Lambda calculus, a short note.', 'created_at':
            '2026-05-01T12:00:00.000000Z', 'id': 42, 'published': True, 'title': 'Notes', 'updated_at':
            '2026-05-01T12:00:00.000000Z'}

    Attributes:
        field_links (PostLinks): Where a post and its author live. Example: {'author': '/api/v1/users/7', 'self':
            '/api/v1/posts/42'}.
        author (AuthorOut): Who wrote a post: enough to show and link it; the profile has the rest. Example: {'_links':
            {'self': '/api/v1/users/7'}, 'id': 7, 'username': 'ada'}.
        body (str): Its text.
        created_at (str): When it was written (UTC).
        id (int): The post's id.
        published (bool): false for a draft, seen by its author and admins only.
        title (None | str): Its title; null when it has none.
        updated_at (str): When it last changed (UTC).
    """

    field_links: PostLinks
    author: AuthorOut
    body: str
    created_at: str
    id: int
    published: bool
    title: None | str
    updated_at: str

    def to_dict(self) -> dict[str, Any]:
        field_links = self.field_links.to_dict()

        author = self.author.to_dict()

        body = self.body

        created_at = self.created_at

        id = self.id

        published = self.published

        title: None | str
        title = self.title

        updated_at = self.updated_at

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "_links": field_links,
                "author": author,
                "body": body,
                "created_at": created_at,
                "id": id,
                "published": published,
                "title": title,
                "updated_at": updated_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.author_out import AuthorOut  # noqa: PLC0415
        from ..models.post_links import PostLinks  # noqa: PLC0415

        d = dict(src_dict)
        field_links = PostLinks.from_dict(d.pop("_links"))

        author = AuthorOut.from_dict(d.pop("author"))

        body = d.pop("body")

        created_at = d.pop("created_at")

        id = d.pop("id")

        published = d.pop("published")

        def _parse_title(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        title = _parse_title(d.pop("title"))

        updated_at = d.pop("updated_at")

        post_out = cls(
            field_links=field_links,
            author=author,
            body=body,
            created_at=created_at,
            id=id,
            published=published,
            title=title,
            updated_at=updated_at,
        )

        return post_out
