from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from microblog.data.pages import KeysetPage, KeysetRequest, Page, PageRequest
from microblog.errors import ValidationFailed
from microblog.services import posts as service
from microblog.web import representations
from microblog.web.auth import current_user, require_user
from microblog.web.pagination import keyset_request, page_request
from microblog.web.routes import Routes, link_to
from microblog.web.schemas.common import KeysetQuery
from microblog.web.schemas.posts import (
    PostCreate,
    PostFeed,
    PostListing,
    PostListQuery,
    PostOut,
    PostPath,
    PostUpdate,
    UserPostsQuery,
)
from microblog.web.schemas.users import UserPath

posts = Routes("posts", __name__, "/api/v1", "Posts")
bp = posts.bp

Row = Sequence[Any]
Posts = Page[Row] | KeysetPage[Row]
post = representations.post


def pager(query: PostListQuery | UserPostsQuery) -> PageRequest | KeysetRequest:
    """Keyset mode when ``cursor`` or ``limit`` is sent, page mode otherwise."""
    if query.cursor is not None or query.limit is not None:
        if query.page is not None or query.per_page is not None:
            raise ValidationFailed(
                errors={"page": ["page/per_page cannot be combined with cursor/limit."]}
            )
        return keyset_request(query.cursor, query.limit)
    return page_request(query.page or 1, query.per_page or 10)


@posts.post(
    "/posts",
    response=PostOut,
    status=201,
    represent=post,
    idempotent=True,
    location=link_to("posts.get_post", "post_id"),
    summary="Write a post",
)
def create_post(body: PostCreate) -> Row:
    actor = require_user()
    created = service.create_post(actor, **body.model_dump())
    return service.get_post(created.id, actor)


@posts.get(
    "/posts", optional=True, response=PostListing, represent=post, summary="Published posts"
)
def list_posts(query: PostListQuery) -> Posts:
    return service.list_posts(
        pager(query), author=query.author, q=query.q, since=query.since, sort=query.sort
    )


@posts.get(
    "/posts/<id:post_id>", optional=True, response=PostOut, represent=post, summary="A post"
)
def get_post(path: PostPath) -> Row:
    return service.get_post(path.post_id, current_user())


@posts.put_patch(
    "/posts/<id:post_id>",
    response=PostOut,
    represent=post,
    summary="Edit a post (author; partial)",
)
def update_post(path: PostPath, body: PostUpdate) -> Row:
    actor = require_user()
    service.update_post(actor, path.post_id, body.model_dump(include=body.model_fields_set))
    return service.get_post(path.post_id, actor)


@posts.delete("/posts/<id:post_id>", summary="Delete a post (author or admin)")
def delete_post(path: PostPath) -> None:
    service.delete_post(require_user(), path.post_id)


@posts.get(
    "/users/<id:user_id>/posts",
    optional=True,
    response=PostListing,
    represent=post,
    summary="A user's posts (drafts too, for the author)",
)
def user_posts(path: UserPath, query: UserPostsQuery) -> Posts:
    return service.user_posts(path.user_id, pager(query), current_user())


@posts.get(
    "/feed",
    response=PostFeed,
    represent=post,
    summary="Posts of the users you follow and your own, newest first (keyset)",
)
def feed(query: KeysetQuery) -> KeysetPage[Row]:
    return service.feed(require_user(), keyset_request(query.cursor, query.limit))
