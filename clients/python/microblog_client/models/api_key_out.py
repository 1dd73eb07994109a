from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

if TYPE_CHECKING:
    from ..models.api_key_links import ApiKeyLinks


T = TypeVar("T", bound="ApiKeyOut")


@_attrs_define
class ApiKeyOut:
    """One of your API keys, without its secret.

    Example:
        {'_links': {'self': '/api/v1/me/api-keys/3'}, 'created_at': '2026-05-01T12:00:00.000000Z', 'id': 3,
            'last_used_at': None, 'name': 'backup script', 'prefix': 'mbk_Xy12'}

    Attributes:
        field_links (ApiKeyLinks): Where an API key lives. Example: {'self': '/api/v1/me/api-keys/3'}.
        created_at (str): When the key was made (UTC).
        id (int): The key's id, for DELETE /me/api-keys/{key_id}.
        last_used_at (None | str): When a request last authenticated with it (UTC; recorded at most once a minute); null
            if never.
        name (str): The label you gave the key.
        prefix (str): The key's first characters, to recognise it (not enough to use it).
    """

    field_links: ApiKeyLinks
    created_at: str
    id: int
    last_used_at: None | str
    name: str
    prefix: str

    def to_dict(self) -> dict[str, Any]:
        field_links = self.field_links.to_dict()

        created_at = self.created_at

        id = self.id

        last_used_at: None | str
        last_used_at = self.last_used_at

        name = self.name

        prefix = self.prefix

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "_links": field_links,
                "created_at": created_at,
                "id": id,
                "last_used_at": last_used_at,
                "name": name,
                "prefix": prefix,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.api_key_links import ApiKeyLinks  # noqa: PLC0415

        d = dict(src_dict)
        field_links = ApiKeyLinks.from_dict(d.pop("_links"))

        created_at = d.pop("created_at")

        id = d.pop("id")

        def _parse_last_used_at(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        last_used_at = _parse_last_used_at(d.pop("last_used_at"))

        name = d.pop("name")

        prefix = d.pop("prefix")

        api_key_out = cls(
            field_links=field_links,
            created_at=created_at,
            id=id,
            last_used_at=last_used_at,
            name=name,
            prefix=prefix,
        )

        return api_key_out
