from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="ApiKeyCreated")


@_attrs_define
class ApiKeyCreated:
    """A new API key, with its secret: the only time the secret is shown.

    Example:
        {'created_at': '2026-05-01T12:00:00.000000Z', 'id': 3, 'key': 'mbk_Xy12_s3cr3tValue', 'name': 'backup script',
            'prefix': 'mbk_Xy12'}

    Attributes:
        created_at (str): When the key was made (UTC).
        id (int): The key's id, for DELETE /me/api-keys/{key_id}.
        key (str): The secret key (mbk_…), for X-API-Key or Authorization: Bearer. Shown this once: store it now.
        name (str): The label you gave the key.
        prefix (str): The key's first characters, to recognise it (not enough to use it).
    """

    created_at: str
    id: int
    key: str
    name: str
    prefix: str

    def to_dict(self) -> dict[str, Any]:
        created_at = self.created_at

        id = self.id

        key = self.key

        name = self.name

        prefix = self.prefix

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "created_at": created_at,
                "id": id,
                "key": key,
                "name": name,
                "prefix": prefix,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        created_at = d.pop("created_at")

        id = d.pop("id")

        key = d.pop("key")

        name = d.pop("name")

        prefix = d.pop("prefix")

        api_key_created = cls(
            created_at=created_at,
            id=id,
            key=key,
            name=name,
            prefix=prefix,
        )

        return api_key_created
