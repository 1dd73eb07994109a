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


#: The descriptions of account fields, in and out.
USERNAME = "3 to 64 of A-Z a-z 0-9 _ . -; unique whatever the case."
EMAIL = "An ASCII address (the pattern says which), unique whatever the case."
LENGTH_OF_PASSWORDS = f"8 to {MAX_PASSWORD_LENGTH} characters."
ABOUT_ME = "A few words about the user, up to 2,000 characters."
PRIVATE = "Only shown to the user themself and admins."


class UserCreate(InputModel):
    """A new account."""

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

    username: Username = Field(description=USERNAME)
    email: Email = Field(description=EMAIL)
    password: Password = Field(description=LENGTH_OF_PASSWORDS)
    about_me: AboutMe = Field("", description=ABOUT_ME + ' Default "".')


class UserUpdate(InputModel):
    """Changes to an account: only the fields sent change. `role` and `is_active` are
    accepted from admins only; for anyone else they are unknown fields (400)."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"about_me": "Analyst and writer."}]}
    )

    username: Username | None = Field(None, description=USERNAME, json_schema_extra=not_null)
    email: Email | None = Field(
        None,
        description=EMAIL + " Your own needs current_password.",
        json_schema_extra=not_null,
    )
    password: Password | None = Field(
        None,
        description=LENGTH_OF_PASSWORDS
        + " Your own needs current_password; every credential of the account ends.",
        json_schema_extra=not_null,
    )
    about_me: AboutMe | None = Field(None, description=ABOUT_ME + ' null clears it, as "" does.')
    role: Role | None = Field(
        None, description="Admins only: user or admin.", json_schema_extra=not_null
    )
    is_active: bool | None = Field(
        None,
        description="Admins only: false deactivates the account and ends its credentials.",
        json_schema_extra=not_null,
    )
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
        json_schema_extra={"example": "analyst"},
    )
    sort: USER_SORTS | None = Field(
        None,
        description="A field, with - for descending (default: by id, oldest first).",
        json_schema_extra={"example": "-last_seen"},
    )


class UserLinks(OutputModel):
    """Where an account and its collections live."""

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

    self: str = Field(description="The account's profile.")
    followers: str = Field(description="The users who follow it.")
    following: str = Field(description="The users it follows.")
    followed: str = Field(description="The same as following, under the seed's name.")
    posts: str = Field(description="Its posts.")
    avatar: str = Field(description="A Gravatar image URL (an identicon without one).")


def _omit_if_none(value: object) -> bool:
    return value is None


class UserOut(OutputModel):
    """An account as the caller may see it: its public profile, and the private fields to
    the user themself and admins."""

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

    id: int = Field(description="The user's id.")
    username: str = Field(description="The user's name, as registered.")
    about_me: str = Field(description="A few words about the user; may be empty.")
    last_seen: UTCDateTime = Field(
        description="When the user last made an authenticated request (UTC; recorded at "
        "most once a minute)."
    )
    created_at: UTCDateTime = Field(description="When the account was made (UTC).")
    post_count: int = Field(description="Published posts.")
    follower_count: int = Field(description="Users who follow this user.")
    following_count: int = Field(description="Users this user follows.")
    followed_count: int = Field(description="The same as following_count (the seed's name).")
    email: str | None = Field(None, exclude_if=_omit_if_none, description=PRIVATE)
    role: Role | None = Field(
        None, exclude_if=_omit_if_none, description="user or admin. " + PRIVATE
    )
    is_active: bool | None = Field(
        None,
        exclude_if=_omit_if_none,
        description="false for a deactivated account. Only shown to admins.",
    )
    links: UserLinks = Field(alias="_links", description="Where the account lives.")


UserCollection = Collection[UserOut]


class TokenOut(OutputModel):
    """An opaque bearer token for your requests."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"token": "mbt_3Jq9xZ0bVwz4Rk", "expires_at": "2026-05-01T12:00:00.000000Z"}
            ]
        }
    )

    token: str = Field(description="Opaque bearer token; send as Authorization: Bearer.")
    expires_at: UTCDateTime = Field(description="When it stops working (UTC).")
