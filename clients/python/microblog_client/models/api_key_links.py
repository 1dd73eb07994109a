from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="ApiKeyLinks")


@_attrs_define
class ApiKeyLinks:
    """Where an API key lives.

    Example:
        {'self': '/api/v1/me/api-keys/3'}

    Attributes:
        self_ (str): The key's URL: DELETE it to revoke the key.
    """

    self_: str

    def to_dict(self) -> dict[str, Any]:
        self_ = self.self_

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "self": self_,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        self_ = d.pop("self")

        api_key_links = cls(
            self_=self_,
        )

        return api_key_links
