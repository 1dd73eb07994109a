from __future__ import annotations

from flask import Response
from flask_openapi3 import APIBlueprint, Tag

from microblog.services import users as service
from microblog.web.api.responses import created, no_content, respond
from microblog.web.auth import SECURITY, auth_required, current_user, require_user
from microblog.web.pagination import collection, page_request
from microblog.web.ratelimit import spend_login_attempt
from microblog.web.schemas.users import (
    UserCollection,
    UserCreate,
    UserListQuery,
    UserOut,
    UserPath,
    UserUpdate,
)

bp = APIBlueprint(
    "users", __name__, url_prefix="/api/v1", abp_tags=[Tag(name="users", description="Accounts")]
)


@bp.post("/users", responses={201: UserOut}, summary="Register a new user")
def create_user(body: UserCreate) -> Response:
    return register_user(body)


def register_user(body: UserCreate) -> Response:
    """``POST /users`` and ``POST /auth/register``."""
    user = service.create_user(**body.model_dump())
    data = service.get_user(user.id, viewer=None)
    data["email"], data["role"] = user.email, user.role
    return created(UserOut, data, "users.get_user", user_id=user.id)


@bp.get(
    "/users",
    responses={200: UserCollection},
    security=SECURITY["bearer"] + [{}],
    summary="List users",
)
@auth_required(optional=True)
def list_users(query: UserListQuery) -> Response:
    page = page_request(query.page, query.per_page)
    items, total = service.list_users(page, q=query.q, sort=query.sort, viewer=current_user())
    body, headers = collection(items, page, total)
    return respond(UserCollection, body, headers=headers)


@bp.get(
    "/users/<id:user_id>",
    responses={200: UserOut},
    security=SECURITY["bearer"] + [{}],
    summary="Get a user",
)
@auth_required(optional=True)
def get_user(path: UserPath) -> Response:
    return respond(UserOut, service.get_user(path.user_id, viewer=current_user()))


@bp.put(
    "/users/<id:user_id>",
    responses={200: UserOut},
    security=SECURITY["bearer"],
    summary="Update a user (partial)",
)
@bp.patch(
    "/users/<id:user_id>",
    responses={200: UserOut},
    security=SECURITY["bearer"],
    summary="Update a user (partial)",
)
@auth_required()
def update_user(path: UserPath, body: UserUpdate) -> Response:
    actor = require_user()
    changes = body.model_dump(include=body.model_fields_set)
    service.update_user(actor, path.user_id, changes, spend_login_attempt)
    return respond(UserOut, service.get_user(path.user_id, viewer=actor))


@bp.delete(
    "/users/<id:user_id>",
    responses={204: None},
    security=SECURITY["bearer"],
    summary="Delete a user",
)
@auth_required()
def delete_user(path: UserPath) -> Response:
    service.delete_user(require_user(), path.user_id)
    return no_content()


@bp.get("/me", responses={200: UserOut}, security=SECURITY["bearer"], summary="The caller")
@auth_required()
def me() -> Response:
    actor = require_user()
    return respond(UserOut, service.get_user(actor.id, viewer=actor))
