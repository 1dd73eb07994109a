from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from microblog.web.schemas.common import (
    NO_NUL,
    Id,
    InputModel,
    KeysetCollection,
    KeysetQuery,
    Listing,
    OutputModel,
    PageNumber,
    PageSize,
    UTCDateTime,
    UTCInstant,
    not_null,
)

Title = Annotated[str, StringConstraints(max_length=200), NO_NUL]
Body = Annotated[str, StringConstraints(min_length=1, max_length=10_000), NO_NUL]

POST_SORTS = Literal["created_at", "-created_at", "updated_at", "-updated_at", "title", "-title"]


#: The descriptions of post fields, in and out.
BODY = "The text, 1 to 10,000 characters."
TITLE = "An optional title, up to 200 characters."
PUBLISHED = "false for a draft, which only its author (and admins) can see."


class PostCreate(InputModel):
    """A new post, written as the caller."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"body": "Lambda calculus, a short note.", "title": "Notes", "published": True}
            ]
        }
    )

    body: Body = Field(description=BODY)
    title: Title | None = Field(None, description=TITLE)
    published: bool = Field(True, description=PUBLISHED + " Default true.")


class PostUpdate(InputModel):
    """Changes to a post: only the fields sent change."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"title": "Notes, revised"}]})

    body: Body | None = Field(None, description=BODY, json_schema_extra=not_null)
    title: Title | None = Field(None, description=TITLE + " null removes it.")
    published: bool | None = Field(None, description=PUBLISHED, json_schema_extra=not_null)


class PostPath(BaseModel):
    post_id: Id = Field(description="Post id.", json_schema_extra={"example": 42})


#: ``page`` and ``per_page`` where keyset mode is the alternative.
PAGE = Field(
    None,
    description="Page number, from 1 (page mode; default 1).",
    json_schema_extra={"example": 2},
)
PAGE_SIZE = Field(
    None,
    description="Items per page (page mode): default 10, values above 100 are treated as 100.",
    json_schema_extra={"example": 20},
)


class PostListQuery(KeysetQuery):
    page: PageNumber | None = PAGE
    per_page: PageSize | None = PAGE_SIZE
    author: Id | None = Field(
        None, description="Only posts by this user id.", json_schema_extra={"example": 7}
    )
    q: str | None = Field(
        None,
        max_length=100,
        description="Search in title and body.",
        json_schema_extra={"example": "lambda"},
    )
    since: UTCInstant | None = Field(
        None,
        description="Only posts created at or after this time (no offset: UTC).",
        json_schema_extra={"example": "2026-05-01T00:00:00Z"},
    )
    sort: POST_SORTS | None = Field(
        None,
        description="Page mode only; a field, with - for descending (default -created_at).",
        json_schema_extra={"example": "-updated_at"},
    )


class UserPostsQuery(KeysetQuery):
    page: PageNumber | None = PAGE
    per_page: PageSize | None = PAGE_SIZE


class AuthorLinks(OutputModel):
    """Where a post's author lives."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"self": "/api/v1/users/7"}]})

    self: str = Field(description="The author's profile.")


class AuthorOut(OutputModel):
    """Who wrote a post: enough to show and link it; the profile has the rest."""

    model_config = ConfigDict(
        populate_by_name=True,
        json_schema_extra={
            "examples": [{"id": 7, "username": "ada", "_links": {"self": "/api/v1/users/7"}}]
        },
    )

    id: int = Field(description="The author's user id.")
    username: str = Field(description="The author's username.")
    links: AuthorLinks = Field(alias="_links", description="Where the author lives.")


class PostLinks(OutputModel):
    """Where a post and its author live."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"self": "/api/v1/posts/42", "author": "/api/v1/users/7"}]}
    )

    self: str = Field(description="The post's URL.")
    author: str = Field(description="Its author's profile.")


class PostOut(OutputModel):
    """A post, with its author."""

    model_config = ConfigDict(
        populate_by_name=True,
        json_schema_extra={
            "examples": [
                {
                    "id": 42,
                    "title": "Notes",
                    "body": "Lambda calculus, a short note.",
                    "published": True,
                    "created_at": "2026-05-01T12:00:00.000000Z",
                    "updated_at": "2026-05-01T12:00:00.000000Z",
                    "author": {"id": 7, "username": "ada", "_links": {"self": "/api/v1/users/7"}},
                    "_links": {"self": "/api/v1/posts/42", "author": "/api/v1/users/7"},
                }
            ]
        },
    )

    id: int = Field(description="The post's id.")
    title: str | None = Field(description="Its title; null when it has none.")
    body: str = Field(description="Its text.")
    published: bool = Field(description="false for a draft, seen by its author and admins only.")
    created_at: UTCDateTime = Field(description="When it was written (UTC).")
    updated_at: UTCDateTime = Field(description="When it last changed (UTC).")
    author: AuthorOut = Field(description="Who wrote it.")
    links: PostLinks = Field(alias="_links", description="Where it and its author live.")


PostListing = Listing[PostOut]
PostFeed = KeysetCollection[PostOut]
