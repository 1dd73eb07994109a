from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

if TYPE_CHECKING:
    from ..models.keyset_links import KeysetLinks
    from ..models.keyset_meta import KeysetMeta
    from ..models.post_out import PostOut


T = TypeVar("T", bound="KeysetCollectionPostOut")


@_attrs_define
class KeysetCollectionPostOut:
    """One page of a collection in keyset mode (`cursor`, `limit`): no totals and no page
    numbers, stable while items are added; follow `_links.next` until it is null.

        Example:
            {'_links': {'next': '/api/v1/feed?cursor=WyIyMDI2In0.c2ln&limit=10', 'prev': None, 'self':
                '/api/v1/feed?limit=10'}, '_meta': {'limit': 10, 'next_cursor': 'WyIyMDI2LTA1LTAxVDEyOjAwOjAwIiwgNDJd.c2ln'},
                'items': [{'_links': {'author': '/api/v1/users/7', 'self': '/api/v1/posts/42'}, 'author': {'_links': {'self':
                '/api/v1/users/7'}, 'id': 7, 'username': 'ada'}, 'body': 'Lambda calculus, a short note.', 'created_at':
                '2026-05-01T12:00:00.000000Z', 'id': 42, 'published': True, 'title': 'Notes', 'updated_at':
                '2026-05-01T12:00:00.000000Z'}]}

        Attributes:
            field_links (KeysetLinks): Links to this keyset page and the next (a keyset page has no way back). Example:
                {'next': '/api/v1/feed?cursor=WyIyMDI2In0.c2ln&limit=10', 'prev': None, 'self': '/api/v1/feed?limit=10'}.
            field_meta (KeysetMeta): Where a keyset page ends: the cursor of the next one. Example: {'limit': 10,
                'next_cursor': 'WyIyMDI2LTA1LTAxVDEyOjAwOjAwIiwgNDJd.c2ln'}.
            items (list[PostOut]): The items of this page, in the collection's order; empty past the end.
    """

    field_links: KeysetLinks
    field_meta: KeysetMeta
    items: list[PostOut]

    def to_dict(self) -> dict[str, Any]:
        field_links = self.field_links.to_dict()

        field_meta = self.field_meta.to_dict()

        items = []
        for items_item_data in self.items:
            items_item = items_item_data.to_dict()
            items.append(items_item)

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "_links": field_links,
                "_meta": field_meta,
                "items": items,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.keyset_links import KeysetLinks  # noqa: PLC0415
        from ..models.keyset_meta import KeysetMeta  # noqa: PLC0415
        from ..models.post_out import PostOut  # noqa: PLC0415

        d = dict(src_dict)
        field_links = KeysetLinks.from_dict(d.pop("_links"))

        field_meta = KeysetMeta.from_dict(d.pop("_meta"))

        items = []
        _items = d.pop("items")
        for items_item_data in _items:
            items_item = PostOut.from_dict(items_item_data)

            items.append(items_item)

        keyset_collection_post_out = cls(
            field_links=field_links,
            field_meta=field_meta,
            items=items,
        )

        return keyset_collection_post_out
