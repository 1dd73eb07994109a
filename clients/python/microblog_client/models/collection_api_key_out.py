from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

if TYPE_CHECKING:
    from ..models.api_key_out import ApiKeyOut
    from ..models.page_links import PageLinks
    from ..models.page_meta import PageMeta


T = TypeVar("T", bound="CollectionApiKeyOut")


@_attrs_define
class CollectionApiKeyOut:
    """One page of a collection in page mode (`page`, `per_page`): its items, where it lies
    and links to its neighbours; follow `_links.next` until it is null.

        Example:
            {'_links': {'first': '/api/v1/users?page=1&per_page=10', 'last': '/api/v1/users?page=3&per_page=10', 'next':
                '/api/v1/users?page=2&per_page=10', 'prev': None, 'self': '/api/v1/users?page=1&per_page=10'}, '_meta': {'page':
                1, 'per_page': 10, 'total_items': 25, 'total_pages': 3}, 'items': [{'_links': {'self': '/api/v1/me/api-keys/3'},
                'created_at': '2026-05-01T12:00:00.000000Z', 'id': 3, 'last_used_at': None, 'name': 'backup script', 'prefix':
                'mbk_Xy12'}]}

        Attributes:
            field_links (PageLinks): Links to this page and its neighbours, with the same query (filters, sort, page size).
                Example: {'first': '/api/v1/users?page=1&per_page=10', 'last': '/api/v1/users?page=3&per_page=10', 'next':
                '/api/v1/users?page=2&per_page=10', 'prev': None, 'self': '/api/v1/users?page=1&per_page=10'}.
            field_meta (PageMeta): Where a page-mode page lies in its collection. Example: {'page': 1, 'per_page': 10,
                'total_items': 25, 'total_pages': 3}.
            items (list[ApiKeyOut]): The items of this page, in the collection's order; empty past the end.
    """

    field_links: PageLinks
    field_meta: PageMeta
    items: list[ApiKeyOut]

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
        from ..models.api_key_out import ApiKeyOut  # noqa: PLC0415
        from ..models.page_links import PageLinks  # noqa: PLC0415
        from ..models.page_meta import PageMeta  # noqa: PLC0415

        d = dict(src_dict)
        field_links = PageLinks.from_dict(d.pop("_links"))

        field_meta = PageMeta.from_dict(d.pop("_meta"))

        items = []
        _items = d.pop("items")
        for items_item_data in _items:
            items_item = ApiKeyOut.from_dict(items_item_data)

            items.append(items_item)

        collection_api_key_out = cls(
            field_links=field_links,
            field_meta=field_meta,
            items=items,
        )

        return collection_api_key_out
