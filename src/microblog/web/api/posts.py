from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from microblog.data.pages import KeysetPage, KeysetRequest, Page, PageRequest
from microblog.errors import ValidationFailed
from microblog.services import posts as service
from microblog.web import representations
from microblog.web.auth import current_user, require_user
from microblog.web.pagination import keyset_request, page_request
from microblog.web.routes import Routes, link_to, links
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
POST_LINKS = links("post_id", "getPost", "updatePost", "updatePostWithPut", "deletePost")
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
    operation_id="createPost",
    description=(
        "Writes a post as the caller; 201 with the post and its URL in Location. Honours "
        "Idempotency-Key."
    ),
    links=POST_LINKS,
)
def create_post(body: PostCreate) -> Row:
    actor = require_user()
    created = service.create_post(actor, **body.model_dump())
    return service.get_post(created.id, actor)


@posts.get(
    "/posts",
    optional=True,
    response=PostListing,
    represent=post,
    summary="Published posts",
    operation_id="listPosts",
    description=(
        "Published posts, newest first by default. Page mode (page, per_page, sort) or keyset "
        "mode (cursor, limit); filters: author, q, since."
    ),
)
def list_posts(query: PostListQuery) -> Posts:
    return service.list_posts(
        pager(query), author=query.author, q=query.q, since=query.since, sort=query.sort
    )


@posts.get(
    "/posts/<id:post_id>",
    optional=True,
    response=PostOut,
    represent=post,
    summary="A post",
    operation_id="getPost",
    description="One post. Drafts are visible to their author only (404 to anyone else).",
)
def get_post(path: PostPath) -> Row:
    return service.get_post(path.post_id, current_user())


@posts.put_patch(
    "/posts/<id:post_id>",
    response=PostOut,
    represent=post,
    summary="Edit a post (author; partial)",
    operation_id={"put": "updatePostWithPut", "patch": "updatePost"},
    description="Partial update (PUT and PATCH alike) by the post's author.",
    permission=True,
)
def update_post(path: PostPath, body: PostUpdate) -> Row:
    actor = require_user()
    service.update_post(actor, path.post_id, body.model_dump(include=body.model_fields_set))
    return service.get_post(path.post_id, actor)


@posts.delete(
    "/posts/<id:post_id>",
    summary="Delete a post (author or admin)",
    operation_id="deletePost",
    description="Deletes a post; its author or an admin.",
    permission=True,
)
def delete_post(path: PostPath) -> None:
    service.delete_post(require_user(), path.post_id)


@posts.get(
    "/users/<id:user_id>/posts",
    optional=True,
    response=PostListing,
    represent=post,
    summary="A user's posts (drafts too, for the author)",
    operation_id="listUserPosts",
    description=(
        "A user's posts, newest first; the author also sees their drafts. Page or keyset mode."
    ),
)
def user_posts(path: UserPath, query: UserPostsQuery) -> Posts:
    return service.user_posts(path.user_id, pager(query), current_user())


@posts.get(
    "/feed",
    response=PostFeed,
    represent=post,
    summary="Posts of the users you follow and your own, newest first (keyset)",
    operation_id="getFeed",
    description=(
        "Posts of the users you follow and your own, newest first, in keyset pages (cursor, "
        "limit)."
    ),
)
def feed(query: KeysetQuery) -> KeysetPage[Row]:
    return service.feed(require_user(), keyset_request(query.cursor, query.limit))
