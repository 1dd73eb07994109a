from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from microblog.data.passwords import MAX_PASSWORD_LENGTH
from microblog.web.schemas.common import (
    NO_NUL,
    Checked,
    Collection,
    Id,
    InputModel,
    OutputModel,
    PageQuery,
    UTCDateTime,
    not_null,
)

Username = Annotated[
    str,
    StringConstraints(min_length=3, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$"),
]
Password = Annotated[str, StringConstraints(min_length=8, max_length=MAX_PASSWORD_LENGTH)]
#: The addresses accepted: ASCII ``local@domain``, the local part dot-atom characters, the
#: domain two or more DNS labels ending in a letters-only top-level label. A client
#: generator can check it as a pattern (docs/reference.md#users).
EMAIL_PATTERN = (
    r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$"
)
_EMAIL = re.compile(EMAIL_PATTERN)


def _email(value: str) -> str:
    if not _EMAIL.fullmatch(value):
        raise ValueError("value is not a valid email address")
    return value


Email = Annotated[str, StringConstraints(max_length=254), Checked(_email, EMAIL_PATTERN)]
AboutMe = Annotated[str, StringConstraints(max_length=2000), NO_NUL]
Role = Literal["user", "admin"]

USER_SORTS = Literal[
    "username", "-username", "created_at", "-created_at", "last_seen", "-last_seen"
]


class UserCreate(InputModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "username": "ada",
                    "email": "ada@example.com",
                    "password": "correct horse battery",
                    "about_me": "Analyst.",
                }
            ]
        }
    )

    username: Username
    email: Email
    password: Password
    about_me: AboutMe = ""


class UserUpdate(InputModel):
    """Partial update: only the fields present change. ``role`` and ``is_active`` are
    accepted from admins only; for anyone else they are unknown fields."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"about_me": "Analyst and writer."}]}
    )

    username: Username | None = Field(None, json_schema_extra=not_null)
    email: Email | None = Field(None, json_schema_extra=not_null)
    password: Password | None = Field(None, json_schema_extra=not_null)
    about_me: AboutMe | None = Field(None, description='null clears it, as "" does.')
    role: Role | None = Field(None, json_schema_extra=not_null)
    is_active: bool | None = Field(None, json_schema_extra=not_null)
    current_password: str | None = Field(
        None,
        max_length=256,
        description="The caller's current password: required to change one's own "
        "password or email (with a token or JWT; an API key alone cannot).",
    )


class UserPath(BaseModel):
    user_id: Id = Field(description="User id.", json_schema_extra={"example": 7})


class UserListQuery(PageQuery):
    q: str | None = Field(
        None,
        max_length=100,
        description="Search in username and about_me.",
    )
    sort: USER_SORTS | None = Field(
        None,
        description="Sort field; prefix with - for descending.",
    )


class UserLinks(OutputModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "self": "/api/v1/users/7",
                    "followers": "/api/v1/users/7/followers",
                    "following": "/api/v1/users/7/following",
                    "followed": "/api/v1/users/7/followed",
                    "posts": "/api/v1/users/7/posts",
                    "avatar": "https://www.gravatar.com/avatar/0bc83cb571cd1c50ba6f3e8a78ef1346?d=identicon&s=128",
                }
            ]
        }
    )

    self: str
    followers: str
    following: str
    followed: str
    posts: str
    avatar: str


def _omit_if_none(value: object) -> bool:
    return value is None


class UserOut(OutputModel):
    model_config = ConfigDict(
        populate_by_name=True,
        json_schema_extra={
            "examples": [
                {
                    "id": 7,
                    "username": "ada",
                    "about_me": "Analyst.",
                    "last_seen": "2026-05-01T12:00:00.000000Z",
                    "created_at": "2026-05-01T12:00:00.000000Z",
                    "post_count": 3,
                    "follower_count": 2,
                    "following_count": 1,
                    "followed_count": 1,
                    "email": "ada@example.com",
                    "role": "user",
                    "_links": {
                        "self": "/api/v1/users/7",
                        "followers": "/api/v1/users/7/followers",
                        "following": "/api/v1/users/7/following",
                        "followed": "/api/v1/users/7/followed",
                        "posts": "/api/v1/users/7/posts",
                        "avatar": "https://www.gravatar.com/avatar/0bc83cb571cd1c50ba6f3e8a78ef1346?d=identicon&s=128",
                    },
                }
            ]
        },
    )

    id: int
    username: str
    about_me: str
    last_seen: UTCDateTime
    created_at: UTCDateTime
    post_count: int
    follower_count: int
    following_count: int
    followed_count: int
    email: str | None = Field(
        None,
        exclude_if=_omit_if_none,
        description="Only shown to the user themself and admins.",
    )
    role: Role | None = Field(
        None,
        exclude_if=_omit_if_none,
        description="Only shown to the user themself and admins.",
    )
    is_active: bool | None = Field(
        None, exclude_if=_omit_if_none, description="Only shown to admins."
    )
    links: UserLinks = Field(alias="_links")


UserCollection = Collection[UserOut]


class TokenOut(OutputModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"token": "mbt_3Jq9xZ0bVwz4Rk", "expires_at": "2026-05-01T12:00:00.000000Z"}
            ]
        }
    )

    token: str = Field(description="Opaque bearer token; send as Authorization: Bearer.")
    expires_at: UTCDateTime
