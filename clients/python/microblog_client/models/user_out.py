from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.user_out_role_type_0 import UserOutRoleType0
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.user_links import UserLinks


T = TypeVar("T", bound="UserOut")


@_attrs_define
class UserOut:
    """An account as the caller may see it: its public profile, and the private fields to
    the user themself and admins.

        Example:
            {'_links': {'avatar': 'https://www.gravatar.com/avatar/0bc83cb571cd1c50ba6f3e8a78ef1346?d=identicon&s=128',
                'followed': '/api/v1/users/7/followed', 'followers': '/api/v1/users/7/followers', 'following':
                '/api/v1/users/7/following', 'posts': '/api/v1/users/7/posts', 'self': '/api/v1/users/7'}, 'about_me':
                'Analyst.', 'created_at': '2026-05-01T12:00:00.000000Z', 'email': 'ada@example.com', 'followed_count': 1,
                'follower_count': 2, 'following_count': 1, 'id': 7, 'last_seen': '2026-05-01T12:00:00.000000Z', 'post_count': 3,
                'role': 'user', 'username': 'ada'}

        Attributes:
            field_links (UserLinks): Where an account and its collections live. Example: {'avatar':
                'https://www.gravatar.com/avatar/0bc83cb571cd1c50ba6f3e8a78ef1346?d=identicon&s=128', 'followed':
                '/api/v1/users/7/followed', 'followers': '/api/v1/users/7/followers', 'following': '/api/v1/users/7/following',
                'posts': '/api/v1/users/7/posts', 'self': '/api/v1/users/7'}.
            about_me (str): A few words about the user; may be empty.
            created_at (str): When the account was made (UTC).
            followed_count (int): The same as following_count (the seed's name).
            follower_count (int): Users who follow this user.
            following_count (int): Users this user follows.
            id (int): The user's id.
            last_seen (str): When the user last made an authenticated request (UTC; recorded at most once a minute).
            post_count (int): Published posts.
            username (str): The user's name, as registered.
            email (None | str | Unset): Only shown to the user themself and admins.
            is_active (bool | None | Unset): false for a deactivated account. Only shown to admins.
            role (None | Unset | UserOutRoleType0): user or admin. Only shown to the user themself and admins.
    """

    field_links: UserLinks
    about_me: str
    created_at: str
    followed_count: int
    follower_count: int
    following_count: int
    id: int
    last_seen: str
    post_count: int
    username: str
    email: None | str | Unset = UNSET
    is_active: bool | None | Unset = UNSET
    role: None | Unset | UserOutRoleType0 = UNSET

    def to_dict(self) -> dict[str, Any]:
        field_links = self.field_links.to_dict()

        about_me = self.about_me

        created_at = self.created_at

        followed_count = self.followed_count

        follower_count = self.follower_count

        following_count = self.following_count

        id = self.id

        last_seen = self.last_seen

        post_count = self.post_count

        username = self.username

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

        role: None | str | Unset
        if isinstance(self.role, Unset):
            role = UNSET
        elif isinstance(self.role, UserOutRoleType0):
            role = self.role.value
        else:
            role = self.role

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "_links": field_links,
                "about_me": about_me,
                "created_at": created_at,
                "followed_count": followed_count,
                "follower_count": follower_count,
                "following_count": following_count,
                "id": id,
                "last_seen": last_seen,
                "post_count": post_count,
                "username": username,
            }
        )
        if email is not UNSET:
            field_dict["email"] = email
        if is_active is not UNSET:
            field_dict["is_active"] = is_active
        if role is not UNSET:
            field_dict["role"] = role

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.user_links import UserLinks  # noqa: PLC0415

        d = dict(src_dict)
        field_links = UserLinks.from_dict(d.pop("_links"))

        about_me = d.pop("about_me")

        created_at = d.pop("created_at")

        followed_count = d.pop("followed_count")

        follower_count = d.pop("follower_count")

        following_count = d.pop("following_count")

        id = d.pop("id")

        last_seen = d.pop("last_seen")

        post_count = d.pop("post_count")

        username = d.pop("username")

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

        def _parse_role(data: object) -> None | Unset | UserOutRoleType0:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                role_type_0 = UserOutRoleType0(data)

                return role_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | UserOutRoleType0, data)

        role = _parse_role(d.pop("role", UNSET))

        user_out = cls(
            field_links=field_links,
            about_me=about_me,
            created_at=created_at,
            followed_count=followed_count,
            follower_count=follower_count,
            following_count=following_count,
            id=id,
            last_seen=last_seen,
            post_count=post_count,
            username=username,
            email=email,
            is_active=is_active,
            role=role,
        )

        return user_out
