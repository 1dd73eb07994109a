from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

if TYPE_CHECKING:
    from ..models.keyset_links import KeysetLinks
    from ..models.keyset_meta import KeysetMeta
    from ..models.page_links import PageLinks
    from ..models.page_meta import PageMeta
    from ..models.post_out import PostOut


T = TypeVar("T", bound="ListingPostOut")


@_attrs_define
class ListingPostOut:
    """One page of a collection that answers in page mode (`page`, `per_page`: `_meta` and
    `_links` as in page mode), or in keyset mode when `cursor` or `limit` is sent.

        Example:
            {'_links': {'first': '/api/v1/users?page=1&per_page=10', 'last': '/api/v1/users?page=3&per_page=10', 'next':
                '/api/v1/users?page=2&per_page=10', 'prev': None, 'self': '/api/v1/users?page=1&per_page=10'}, '_meta': {'page':
                1, 'per_page': 10, 'total_items': 25, 'total_pages': 3}, 'items': [{'_links': {'author': '/api/v1/users/7',
                'self': '/api/v1/posts/42'}, 'author': {'_links': {'self': '/api/v1/users/7'}, 'id': 7, 'username': 'ada'},
                'body': 'Lambda calculus, a short note.', 'created_at': '2026-05-01T12:00:00.000000Z', 'id': 42, 'published':
                True, 'title': 'Notes', 'updated_at': '2026-05-01T12:00:00.000000Z'}]}

        Attributes:
            field_links (KeysetLinks | PageLinks): PageLinks in page mode, KeysetLinks in keyset mode.
            field_meta (KeysetMeta | PageMeta): PageMeta in page mode, KeysetMeta in keyset mode.
            items (list[PostOut]): The items of this page, in the collection's order; empty past the end.
    """

    field_links: KeysetLinks | PageLinks
    field_meta: KeysetMeta | PageMeta
    items: list[PostOut]

    def to_dict(self) -> dict[str, Any]:
        from ..models.page_links import PageLinks  # noqa: PLC0415
        from ..models.page_meta import PageMeta  # noqa: PLC0415

        field_links: dict[str, Any]
        if isinstance(self.field_links, PageLinks):
            field_links = self.field_links.to_dict()
        else:
            field_links = self.field_links.to_dict()

        field_meta: dict[str, Any]
        if isinstance(self.field_meta, PageMeta):
            field_meta = self.field_meta.to_dict()
        else:
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
        from ..models.page_links import PageLinks  # noqa: PLC0415
        from ..models.page_meta import PageMeta  # noqa: PLC0415
        from ..models.post_out import PostOut  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_field_links(data: object) -> KeysetLinks | PageLinks:
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                field_links_type_0 = PageLinks.from_dict(data)

                return field_links_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not isinstance(data, dict):
                raise TypeError()
            field_links_type_1 = KeysetLinks.from_dict(data)

            return field_links_type_1

        field_links = _parse_field_links(d.pop("_links"))

        def _parse_field_meta(data: object) -> KeysetMeta | PageMeta:
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                field_meta_type_0 = PageMeta.from_dict(data)

                return field_meta_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not isinstance(data, dict):
                raise TypeError()
            field_meta_type_1 = KeysetMeta.from_dict(data)

            return field_meta_type_1

        field_meta = _parse_field_meta(d.pop("_meta"))

        items = []
        _items = d.pop("items")
        for items_item_data in _items:
            items_item = PostOut.from_dict(items_item_data)

            items.append(items_item)

        listing_post_out = cls(
            field_links=field_links,
            field_meta=field_meta,
            items=items,
        )

        return listing_post_out
