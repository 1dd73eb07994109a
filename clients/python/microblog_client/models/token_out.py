from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="TokenOut")


@_attrs_define
class TokenOut:
    """An opaque bearer token for your requests.

    Example:
        {'expires_at': '2026-05-01T12:00:00.000000Z', 'token': 'mbt_3Jq9xZ0bVwz4Rk'}

    Attributes:
        expires_at (str): When it stops working (UTC).
        token (str): Opaque bearer token; send as Authorization: Bearer.
    """

    expires_at: str
    token: str

    def to_dict(self) -> dict[str, Any]:
        expires_at = self.expires_at

        token = self.token

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "expires_at": expires_at,
                "token": token,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        expires_at = d.pop("expires_at")

        token = d.pop("token")

        token_out = cls(
            expires_at=expires_at,
            token=token,
        )

        return token_out
