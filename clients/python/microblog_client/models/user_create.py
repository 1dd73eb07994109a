from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="UserCreate")


@_attrs_define
class UserCreate:
    """A new account.

    Example:
        {'about_me': 'Analyst.', 'email': 'ada@example.com', 'password': 'correct horse battery', 'username': 'ada'}

    Attributes:
        email (str): An ASCII address (the pattern says which), unique whatever the case.
        password (str): 8 to 256 characters.
        username (str): 3 to 64 of A-Z a-z 0-9 _ . -; unique whatever the case.
        about_me (str | Unset): A few words about the user, up to 2,000 characters. Default "". Default: ''.
    """

    email: str
    password: str
    username: str
    about_me: str | Unset = ""

    def to_dict(self) -> dict[str, Any]:
        email = self.email

        password = self.password

        username = self.username

        about_me = self.about_me

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "email": email,
                "password": password,
                "username": username,
            }
        )
        if about_me is not UNSET:
            field_dict["about_me"] = about_me

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        email = d.pop("email")

        password = d.pop("password")

        username = d.pop("username")

        about_me = d.pop("about_me", UNSET)

        user_create = cls(
            email=email,
            password=password,
            username=username,
            about_me=about_me,
        )

        return user_create
