from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from microblog.data.pages import Page
from microblog.services import users as service
from microblog.web import representations
from microblog.web.auth import require_user
from microblog.web.pagination import page_request
from microblog.web.ratelimit import spend_login_attempt
from microblog.web.routes import Routes, link_to, links
from microblog.web.schemas.users import (
    UserCollection,
    UserCreate,
    UserListQuery,
    UserOut,
    UserPath,
    UserUpdate,
)

users = Routes("users", __name__, "/api/v1", "Accounts")
bp = users.bp

Row = Sequence[Any]


def register_user(body: UserCreate) -> dict[str, Any]:
    """``POST /users`` and ``POST /auth/register``: the new account, as its owner sees it."""
    user = service.create_user(**body.model_dump())
    return representations.user(service.get_user(user.id), private=True, admin=False)


USER_LINKS = links(
    "user_id",
    "getUser",
    "updateUser",
    "updateUserWithPut",
    "deleteUser",
    "listUserPosts",
    "listFollowers",
    "listFollowing",
    "listFollowed",
    "followUser",
    "unfollowUser",
    "isFollowing",
)

#: ``POST /users`` and ``POST /auth/register`` alike: public, 201 with the new account.
REGISTRATION: dict[str, Any] = {
    "auth": None,
    "response": UserOut,
    "status": 201,
    "location": link_to("users.get_user", "user_id"),
}


@users.post(
    "/users",
    **REGISTRATION,
    summary="Register a new user",
    operation_id="createUser",
    description=(
        "Public: creates an account and answers 201 with it as its owner sees it (email and role"
        " included) and its URL in Location. 409 when the username or email is taken."
    ),
    errors=(409,),
    links=USER_LINKS,
)
def create_user(body: UserCreate) -> dict[str, Any]:
    return register_user(body)


@users.get(
    "/users",
    optional=True,
    response=UserCollection,
    represent=representations.user_for_caller,
    summary="List users",
    operation_id="listUsers",
    description=(
        "Page mode (page, per_page); q searches username and about_me; sort by username, "
        "created_at or last_seen. Anonymous callers see public fields only."
    ),
)
def list_users(query: UserListQuery) -> Page[Row]:
    return service.list_users(page_request(query.page, query.per_page), q=query.q, sort=query.sort)


@users.get(
    "/users/<id:user_id>",
    optional=True,
    response=UserOut,
    represent=representations.user_for_caller,
    summary="Get a user",
    operation_id="getUser",
    description=(
        "One account; email and role are shown to the user themself and admins, is_active to "
        "admins."
    ),
)
def get_user(path: UserPath) -> Row:
    return service.get_user(path.user_id)


@users.put_patch(
    "/users/<id:user_id>",
    response=UserOut,
    represent=representations.user_for_caller,
    summary="Update a user (partial)",
    operation_id={"put": "updateUserWithPut", "patch": "updateUser"},
    description=(
        "Partial update (PUT and PATCH alike): only the fields sent change. Yourself or an "
        "admin; changing your own password or email needs current_password. role and is_active: "
        "admins only."
    ),
    permission=True,
    errors=(409,),
)
def update_user(path: UserPath, body: UserUpdate) -> Row:
    changes = body.model_dump(include=body.model_fields_set)
    service.update_user(require_user(), path.user_id, changes, spend_login_attempt)
    return service.get_user(path.user_id)


@users.delete(
    "/users/<id:user_id>",
    summary="Delete a user",
    operation_id="deleteUser",
    description="Deletes the account and everything it owns. Yourself or an admin.",
    permission=True,
)
def delete_user(path: UserPath) -> None:
    service.delete_user(require_user(), path.user_id)


@users.get(
    "/me",
    response=UserOut,
    represent=representations.user_for_caller,
    summary="The caller",
    operation_id="getMe",
    description="The account the credentials belong to, with its private fields.",
)
def me() -> Row:
    return service.get_user(require_user().id)
