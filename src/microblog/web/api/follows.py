from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from microblog.data.pages import Page
from microblog.errors import NotFound
from microblog.services import follows as service
from microblog.web import representations
from microblog.web.auth import require_user
from microblog.web.pagination import page_request
from microblog.web.routes import Routes
from microblog.web.schemas.common import PageQuery
from microblog.web.schemas.users import UserCollection, UserPath

follows = Routes("follows", __name__, "/api/v1", "Followers and following")
bp = follows.bp

Row = Sequence[Any]
USERS = {
    "optional": True,
    "response": UserCollection,
    "represent": representations.user_for_caller,
}


@follows.post(
    "/me/following/<id:user_id>",
    summary="Follow a user (idempotent)",
    operation_id="followUser",
    description="Follows a user; following one you already follow is not an error (204).",
)
def follow(path: UserPath) -> None:
    service.follow(require_user(), path.user_id)


@follows.delete(
    "/me/following/<id:user_id>",
    summary="Stop following a user",
    operation_id="unfollowUser",
    description="Stops following a user (204 even if you did not).",
)
def unfollow(path: UserPath) -> None:
    service.unfollow(require_user(), path.user_id)


@follows.get(
    "/me/following/<id:user_id>",
    summary="204 if you follow the user, else 404",
    operation_id="isFollowing",
    description="204 if you follow the user, 404 if you do not or the user does not exist.",
)
def is_following(path: UserPath) -> None:
    if not service.is_following(require_user().id, path.user_id):
        raise NotFound("You do not follow this user.")


@follows.get(
    "/users/<id:user_id>/followers",
    **USERS,
    summary="Users who follow this user",
    operation_id="listFollowers",
    description="Users who follow this user, page mode.",
)
def followers(path: UserPath, query: PageQuery) -> Page[Row]:
    return service.related_users(
        path.user_id, "followers", page_request(query.page, query.per_page)
    )


@follows.get(
    "/users/<id:user_id>/following",
    **USERS,
    summary="Users this user follows",
    operation_id="listFollowing",
    description="Users this user follows, page mode.",
)
def following(path: UserPath, query: PageQuery) -> Page[Row]:
    return service.related_users(
        path.user_id, "following", page_request(query.page, query.per_page)
    )


@follows.get(
    "/users/<id:user_id>/followed",
    **USERS,
    summary="Alias of /following (its older name)",
    operation_id="listFollowed",
    description=(
        "The same list as /following, under the older name that a user's `followed_count`"
        " and `_links.followed` still use."
    ),
)
def followed(path: UserPath, query: PageQuery) -> Page[Row]:
    return service.related_users(
        path.user_id, "following", page_request(query.page, query.per_page)
    )
