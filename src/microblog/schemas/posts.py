from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

from microblog.schemas.common import (
    MAX_PAGE,
    NO_NUL,
    InputModel,
    KeysetCollection,
    KeysetQuery,
    Listing,
    OutputModel,
    UTCDateTime,
)

Title = Annotated[str, StringConstraints(max_length=200), NO_NUL]
Body = Annotated[str, StringConstraints(min_length=1, max_length=10_000), NO_NUL]


def _iso_8601_only(value: object) -> object:
    # Pydantic would also read a number of seconds ("0.5", "1700000000") as a time.
    if isinstance(value, str) and not re.match(r"\d{4}-\d{2}-\d{2}", value):
        raise ValueError("must be an ISO 8601 time, e.g. 2024-05-01T12:00:00Z")
    return value


Since = Annotated[datetime, BeforeValidator(_iso_8601_only)]

POST_SORTS = Literal["created_at", "-created_at", "updated_at", "-updated_at", "title", "-title"]


class PostCreate(InputModel):
    body: Body
    title: Title | None = None
    published: bool = True


class PostUpdate(InputModel):
    body: Body | None = None
    title: Title | None = None
    published: bool | None = None


class PostPath(BaseModel):
    post_id: int = Field(description="Post id.")


class PostListQuery(KeysetQuery):
    page: int | None = Field(None, ge=1, le=MAX_PAGE, description="Page number (page mode).")
    per_page: int | None = Field(None, ge=1, description="Items per page (page mode).")
    author: int | None = Field(None, ge=1, description="Only posts by this user id.")
    q: str | None = Field(None, max_length=100, description="Search in title and body.")
    since: Since | None = Field(None, description="Only posts created at or after.")
    sort: POST_SORTS | None = Field(None, description="Page mode only; default -created_at.")


class UserPostsQuery(KeysetQuery):
    page: int | None = Field(None, ge=1, le=MAX_PAGE)
    per_page: int | None = Field(None, ge=1)


class AuthorLinks(OutputModel):
    self: str


class AuthorOut(OutputModel):
    model_config = ConfigDict(populate_by_name=True)

    id: int
    username: str
    links: AuthorLinks = Field(alias="_links")


class PostLinks(OutputModel):
    self: str
    author: str


class PostOut(OutputModel):
    model_config = ConfigDict(populate_by_name=True)

    id: int
    title: str | None
    body: str
    published: bool
    created_at: UTCDateTime
    updated_at: UTCDateTime
    author: AuthorOut
    links: PostLinks = Field(alias="_links")


PostListing = Listing[PostOut]
PostFeed = KeysetCollection[PostOut]
