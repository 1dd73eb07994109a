from __future__ import annotations

from flask import Response
from flask_openapi3 import APIBlueprint, Tag

from microblog.errors import NotFound
from microblog.services import follows as service
from microblog.web.api.responses import no_content, respond
from microblog.web.auth import SECURITY, auth_required, current_user, require_user
from microblog.web.pagination import collection, page_request
from microblog.web.schemas.common import PageQuery
from microblog.web.schemas.users import UserCollection, UserPath

bp = APIBlueprint(
    "follows",
    __name__,
    url_prefix="/api/v1",
    abp_tags=[Tag(name="follows", description="Followers and following")],
)


@bp.post(
    "/me/following/<id:user_id>",
    responses={204: None},
    security=SECURITY["bearer"],
    summary="Follow a user (idempotent)",
)
@auth_required()
def follow(path: UserPath) -> Response:
    service.follow(require_user(), path.user_id)
    return no_content()


@bp.delete(
    "/me/following/<id:user_id>",
    responses={204: None},
    security=SECURITY["bearer"],
    summary="Stop following a user",
)
@auth_required()
def unfollow(path: UserPath) -> Response:
    service.unfollow(require_user(), path.user_id)
    return no_content()


@bp.get(
    "/me/following/<id:user_id>",
    responses={204: None},
    security=SECURITY["bearer"],
    summary="204 if you follow the user, else 404",
)
@auth_required()
def is_following(path: UserPath) -> Response:
    if not service.is_following(require_user().id, path.user_id):
        raise NotFound("You do not follow this user.")
    return no_content()


def _related(path: UserPath, query: PageQuery, direction: service.Direction) -> Response:
    page = page_request(query.page, query.per_page)
    items, total = service.related_users(path.user_id, direction, page, current_user())
    body, headers = collection(items, page, total)
    return respond(UserCollection, body, headers=headers)


@bp.get(
    "/users/<id:user_id>/followers",
    responses={200: UserCollection},
    security=SECURITY["bearer"] + [{}],
    summary="Users who follow this user",
)
@auth_required(optional=True)
def followers(path: UserPath, query: PageQuery) -> Response:
    return _related(path, query, "followers")


@bp.get(
    "/users/<id:user_id>/following",
    responses={200: UserCollection},
    security=SECURITY["bearer"] + [{}],
    summary="Users this user follows",
)
@auth_required(optional=True)
def following(path: UserPath, query: PageQuery) -> Response:
    return _related(path, query, "following")


@bp.get(
    "/users/<id:user_id>/followed",
    responses={200: UserCollection},
    security=SECURITY["bearer"] + [{}],
    summary="Alias of /following (the seed's name)",
)
@auth_required(optional=True)
def followed(path: UserPath, query: PageQuery) -> Response:
    return _related(path, query, "following")
