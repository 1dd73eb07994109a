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


class PostCreate(InputModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"body": "Lambda calculus, a short note.", "title": "Notes", "published": True}
            ]
        }
    )

    body: Body
    title: Title | None = None
    published: bool = True


class PostUpdate(InputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"title": "Notes, revised"}]})

    body: Body | None = Field(None, json_schema_extra=not_null)
    title: Title | None = None
    published: bool | None = Field(None, json_schema_extra=not_null)


class PostPath(BaseModel):
    post_id: Id = Field(description="Post id.", json_schema_extra={"example": 42})


class PostListQuery(KeysetQuery):
    page: PageNumber | None = Field(None, description="Page number (page mode).")
    per_page: PageSize | None = Field(None, description="Items per page (page mode).")
    author: Id | None = Field(None, description="Only posts by this user id.")
    q: str | None = Field(
        None,
        max_length=100,
        description="Search in title and body.",
    )
    since: UTCInstant | None = Field(
        None,
        description="Only posts created at or after (no offset: UTC).",
    )
    sort: POST_SORTS | None = Field(
        None,
        description="Page mode only; default -created_at.",
    )


class UserPostsQuery(KeysetQuery):
    page: PageNumber | None = Field(None, description="Page number (page mode).")
    per_page: PageSize | None = Field(None, description="Items per page (page mode).")


class AuthorLinks(OutputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"self": "/api/v1/users/7"}]})

    self: str


class AuthorOut(OutputModel):
    model_config = ConfigDict(
        populate_by_name=True,
        json_schema_extra={
            "examples": [{"id": 7, "username": "ada", "_links": {"self": "/api/v1/users/7"}}]
        },
    )

    id: int
    username: str
    links: AuthorLinks = Field(alias="_links")


class PostLinks(OutputModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"self": "/api/v1/posts/42", "author": "/api/v1/users/7"}]}
    )

    self: str
    author: str


class PostOut(OutputModel):
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
