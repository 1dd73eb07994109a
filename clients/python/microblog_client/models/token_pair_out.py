from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="TokenPairOut")


@_attrs_define
class TokenPairOut:
    """A JWT access token for requests and a refresh token for the next pair.

    Example:
        {'access_token': 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI3In0.YWNjZXNz', 'expires_in': 900, 'refresh_token':
            'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI3In0.cmVmcmVzaA', 'token_type': 'Bearer'}

    Attributes:
        access_token (str): JWT, valid JWT_ACCESS_TTL seconds (15 min).
        expires_in (int): Seconds until the access token expires.
        refresh_token (str): JWT, valid 30 days; spent on first use.
        token_type (str | Unset): Always Bearer: send the access token as Authorization: Bearer. Default: 'Bearer'.
    """

    access_token: str
    expires_in: int
    refresh_token: str
    token_type: str | Unset = "Bearer"

    def to_dict(self) -> dict[str, Any]:
        access_token = self.access_token

        expires_in = self.expires_in

        refresh_token = self.refresh_token

        token_type = self.token_type

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "access_token": access_token,
                "expires_in": expires_in,
                "refresh_token": refresh_token,
            }
        )
        if token_type is not UNSET:
            field_dict["token_type"] = token_type

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        access_token = d.pop("access_token")

        expires_in = d.pop("expires_in")

        refresh_token = d.pop("refresh_token")

        token_type = d.pop("token_type", UNSET)

        token_pair_out = cls(
            access_token=access_token,
            expires_in=expires_in,
            refresh_token=refresh_token,
            token_type=token_type,
        )

        return token_pair_out
