from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.user_update_role import UserUpdateRole
from ..types import UNSET, Unset

T = TypeVar("T", bound="UserUpdate")


@_attrs_define
class UserUpdate:
    """Changes to an account: only the fields sent change. `role` and `is_active` are
    accepted from admins only; for anyone else they are unknown fields (400).

        Example:
            {'about_me': 'Analyst and writer.'}

        Attributes:
            about_me (None | str | Unset): A few words about the user, up to 2,000 characters. null clears it, as "" does.
            current_password (None | str | Unset): The caller's current password: required to change one's own password or
                email (with a token or JWT; an API key alone cannot).
            email (str | Unset): An ASCII address (the pattern says which), unique whatever the case. Your own needs
                current_password.
            is_active (bool | Unset): Admins only: false deactivates the account and ends its credentials.
            password (str | Unset): 8 to 256 characters. Your own needs current_password; every credential of the account
                ends.
            role (UserUpdateRole | Unset): Admins only: user or admin.
            username (str | Unset): 3 to 64 of A-Z a-z 0-9 _ . -; unique whatever the case.
    """

    about_me: None | str | Unset = UNSET
    current_password: None | str | Unset = UNSET
    email: str | Unset = UNSET
    is_active: bool | Unset = UNSET
    password: str | Unset = UNSET
    role: UserUpdateRole | Unset = UNSET
    username: str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        about_me: None | str | Unset
        if isinstance(self.about_me, Unset):
            about_me = UNSET
        else:
            about_me = self.about_me

        current_password: None | str | Unset
        if isinstance(self.current_password, Unset):
            current_password = UNSET
        else:
            current_password = self.current_password

        email = self.email

        is_active = self.is_active

        password = self.password

        role: str | Unset = UNSET
        if not isinstance(self.role, Unset):
            role = self.role.value

        username = self.username

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if about_me is not UNSET:
            field_dict["about_me"] = about_me
        if current_password is not UNSET:
            field_dict["current_password"] = current_password
        if email is not UNSET:
            field_dict["email"] = email
        if is_active is not UNSET:
            field_dict["is_active"] = is_active
        if password is not UNSET:
            field_dict["password"] = password
        if role is not UNSET:
            field_dict["role"] = role
        if username is not UNSET:
            field_dict["username"] = username

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_about_me(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        about_me = _parse_about_me(d.pop("about_me", UNSET))

        def _parse_current_password(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        current_password = _parse_current_password(d.pop("current_password", UNSET))

        email = d.pop("email", UNSET)

        is_active = d.pop("is_active", UNSET)

        password = d.pop("password", UNSET)

        _role = d.pop("role", UNSET)
        role: UserUpdateRole | Unset
        if isinstance(_role, Unset):
            role = UNSET
        else:
            role = UserUpdateRole(_role)

        username = d.pop("username", UNSET)

        user_update = cls(
            about_me=about_me,
            current_password=current_password,
            email=email,
            is_active=is_active,
            password=password,
            role=role,
            username=username,
        )

        return user_update
