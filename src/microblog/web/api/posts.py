from __future__ import annotations

from flask import Response
from flask_openapi3 import APIBlueprint, Tag

from microblog.data.pages import KeysetRequest, PageRequest
from microblog.errors import ValidationFailed
from microblog.services import posts as service
from microblog.web.api.responses import created, no_content, respond
from microblog.web.auth import SECURITY, auth_required, current_user, require_user
from microblog.web.idempotency import idempotent
from microblog.web.pagination import collection, keyset_collection, keyset_request, page_request
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

bp = APIBlueprint(
    "posts", __name__, url_prefix="/api/v1", abp_tags=[Tag(name="posts", description="Posts")]
)

OPTIONAL_BEARER = SECURITY["bearer"] + [{}]


def pager_for(query: PostListQuery | UserPostsQuery) -> PageRequest | KeysetRequest:
    """Keyset mode when ``cursor`` or ``limit`` is sent, page mode otherwise."""
    if query.cursor is not None or query.limit is not None:
        if query.page is not None or query.per_page is not None:
            raise ValidationFailed(
                errors={"page": ["page/per_page cannot be combined with cursor/limit."]}
            )
        return keyset_request(query.cursor, query.limit)
    return page_request(query.page or 1, query.per_page or 10)


def listing(pager: PageRequest | KeysetRequest, result: tuple[list, object]) -> Response:  # type: ignore[type-arg]
    items, extra = result
    if isinstance(pager, KeysetRequest):
        body, headers = keyset_collection(items, pager, extra)  # type: ignore[arg-type]
    else:
        body, headers = collection(items, pager, extra)  # type: ignore[arg-type]
    return respond(PostListing, body, headers=headers)


@bp.post("/posts", responses={201: PostOut}, security=SECURITY["bearer"], summary="Write a post")
@auth_required()
@idempotent
def create_post(body: PostCreate) -> Response:
    actor = require_user()
    post = service.create_post(actor, **body.model_dump())
    return created(PostOut, service.get_post(post.id, actor), "posts.get_post", post_id=post.id)


@bp.get(
    "/posts", responses={200: PostListing}, security=OPTIONAL_BEARER, summary="Published posts"
)
@auth_required(optional=True)
def list_posts(query: PostListQuery) -> Response:
    pager = pager_for(query)
    result = service.list_posts(
        pager, author=query.author, q=query.q, since=query.since, sort=query.sort
    )
    return listing(pager, result)


@bp.get(
    "/posts/<id:post_id>", responses={200: PostOut}, security=OPTIONAL_BEARER, summary="A post"
)
@auth_required(optional=True)
def get_post(path: PostPath) -> Response:
    return respond(PostOut, service.get_post(path.post_id, current_user()))


@bp.put(
    "/posts/<id:post_id>",
    responses={200: PostOut},
    security=SECURITY["bearer"],
    summary="Edit a post (author; partial)",
)
@bp.patch(
    "/posts/<id:post_id>",
    responses={200: PostOut},
    security=SECURITY["bearer"],
    summary="Edit a post (author; partial)",
)
@auth_required()
def update_post(path: PostPath, body: PostUpdate) -> Response:
    actor = require_user()
    service.update_post(actor, path.post_id, body.model_dump(include=body.model_fields_set))
    return respond(PostOut, service.get_post(path.post_id, actor))


@bp.delete(
    "/posts/<id:post_id>",
    responses={204: None},
    security=SECURITY["bearer"],
    summary="Delete a post (author or admin)",
)
@auth_required()
def delete_post(path: PostPath) -> Response:
    service.delete_post(require_user(), path.post_id)
    return no_content()


@bp.get(
    "/users/<id:user_id>/posts",
    responses={200: PostListing},
    security=OPTIONAL_BEARER,
    summary="A user's posts (drafts too, for the author)",
)
@auth_required(optional=True)
def user_posts(path: UserPath, query: UserPostsQuery) -> Response:
    pager = pager_for(query)
    return listing(pager, service.user_posts(path.user_id, pager, current_user()))


@bp.get(
    "/feed",
    responses={200: PostFeed},
    security=SECURITY["bearer"],
    summary="Posts of the users you follow and your own, newest first (keyset)",
)
@auth_required()
def feed(query: KeysetQuery) -> Response:
    keyset = keyset_request(query.cursor, query.limit)
    items, next_key = service.feed(require_user(), keyset)
    body, headers = keyset_collection(items, keyset, next_key)
    return respond(PostFeed, body, headers=headers)
