from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.user_update_role_type_0 import UserUpdateRoleType0
from ..types import UNSET, Unset

T = TypeVar("T", bound="UserUpdate")


@_attrs_define
class UserUpdate:
    """Partial update: only the fields present change. ``role`` and ``is_active`` are
    accepted from admins only; for anyone else they are unknown fields.

        Attributes:
            about_me (None | str | Unset):
            current_password (None | str | Unset): The caller's current password: required to change one's own password or
                email (with a token or JWT; an API key alone cannot).
            email (None | str | Unset):
            is_active (bool | None | Unset):
            password (None | str | Unset):
            role (None | Unset | UserUpdateRoleType0):
            username (None | str | Unset):
    """

    about_me: None | str | Unset = UNSET
    current_password: None | str | Unset = UNSET
    email: None | str | Unset = UNSET
    is_active: bool | None | Unset = UNSET
    password: None | str | Unset = UNSET
    role: None | Unset | UserUpdateRoleType0 = UNSET
    username: None | str | Unset = UNSET

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

        email: None | str | Unset
        if isinstance(self.email, Unset):
            email = UNSET
        else:
            email = self.email

        is_active: bool | None | Unset
        if isinstance(self.is_active, Unset):
            is_active = UNSET
        else:
            is_active = self.is_active

        password: None | str | Unset
        if isinstance(self.password, Unset):
            password = UNSET
        else:
            password = self.password

        role: None | str | Unset
        if isinstance(self.role, Unset):
            role = UNSET
        elif isinstance(self.role, UserUpdateRoleType0):
            role = self.role.value
        else:
            role = self.role

        username: None | str | Unset
        if isinstance(self.username, Unset):
            username = UNSET
        else:
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

        def _parse_email(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        email = _parse_email(d.pop("email", UNSET))

        def _parse_is_active(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        is_active = _parse_is_active(d.pop("is_active", UNSET))

        def _parse_password(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        password = _parse_password(d.pop("password", UNSET))

        def _parse_role(data: object) -> None | Unset | UserUpdateRoleType0:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                role_type_0 = UserUpdateRoleType0(data)

                return role_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | UserUpdateRoleType0, data)

        role = _parse_role(d.pop("role", UNSET))

        def _parse_username(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        username = _parse_username(d.pop("username", UNSET))

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
