from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="UserLinks")


@_attrs_define
class UserLinks:
    """Where an account and its collections live.

    Example:
        {'avatar': 'https://www.gravatar.com/avatar/0bc83cb571cd1c50ba6f3e8a78ef1346?d=identicon&s=128', 'followed':
            '/api/v1/users/7/followed', 'followers': '/api/v1/users/7/followers', 'following': '/api/v1/users/7/following',
            'posts': '/api/v1/users/7/posts', 'self': '/api/v1/users/7'}

    Attributes:
        avatar (str): A Gravatar image URL (an identicon without one).
        followed (str): The same as following, under the seed's name.
        followers (str): The users who follow it.
        following (str): The users it follows.
        posts (str): Its posts.
        self_ (str): The account's profile.
    """

    avatar: str
    followed: str
    followers: str
    following: str
    posts: str
    self_: str

    def to_dict(self) -> dict[str, Any]:
        avatar = self.avatar

        followed = self.followed

        followers = self.followers

        following = self.following

        posts = self.posts

        self_ = self.self_

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "avatar": avatar,
                "followed": followed,
                "followers": followers,
                "following": following,
                "posts": posts,
                "self": self_,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        avatar = d.pop("avatar")

        followed = d.pop("followed")

        followers = d.pop("followers")

        following = d.pop("following")

        posts = d.pop("posts")

        self_ = d.pop("self")

        user_links = cls(
            avatar=avatar,
            followed=followed,
            followers=followers,
            following=following,
            posts=posts,
            self_=self_,
        )

        return user_links
