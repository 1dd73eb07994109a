"""Representations: one mapper per resource, from what services return (rows, models,
small dataclasses) to the body its output schema describes (web/schemas/). This is the
only place response bodies are built.

Mappers build plain dicts for orjson rather than pydantic models: validating our own
output costs ~40 % of a 100-item page (docs/architecture.md#representations). With
``VALIDATE_RESPONSES`` on (tests, development) every body is checked against its schema
(web/api/responses.py), so a mapper that drifts from its schema fails the suite."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any

from microblog.data.models import ApiKey, Task
from microblog.data.principal import Principal
from microblog.data.timeutil import isoformat
from microblog.services import users as user_service
from microblog.services.jwt_tokens import TokenPair
from microblog.web.auth import current_user
from microblog.web.hosts import external_url, external_url_for

API_PREFIX = "/api/v1"

Body = dict[str, Any]


# -- users ------------------------------------------------------------------------------


@lru_cache(maxsize=8192)
def avatar_url(email: str, size: int = 128) -> str:
    digest = hashlib.md5(email.strip().lower().encode(), usedforsecurity=False).hexdigest()
    return f"https://www.gravatar.com/avatar/{digest}?d=identicon&s={size}"


def user_links(user_id: int, email: str) -> dict[str, str]:
    base = f"{API_PREFIX}/users/{user_id}"
    return {
        "self": base,
        "followers": base + "/followers",
        "following": base + "/following",
        "followed": base + "/followed",
        "posts": base + "/posts",
        "avatar": avatar_url(email),
    }


def user(row: Sequence[Any], private: bool, admin: bool) -> Body:
    """``UserOut`` of a ``services.users.USER_COLUMNS`` row; ``private`` adds email and
    role, ``admin`` is_active. (Unpacked by position: it is a third of a user page's time.)"""
    (
        user_id,
        username,
        email,
        about_me,
        role,
        is_active,
        created_at,
        last_seen,
        post_count,
        follower_count,
        following_count,
    ) = row
    data: Body = {
        "id": user_id,
        "username": username,
        "about_me": about_me,
        "last_seen": isoformat(last_seen),
        "created_at": isoformat(created_at),
        "post_count": post_count,
        "follower_count": follower_count,
        "following_count": following_count,
        "followed_count": following_count,
        "_links": user_links(user_id, email),
    }
    if private:
        data["email"] = email
        data["role"] = role
    if admin:
        data["is_active"] = is_active
    return data


def user_seen_by(viewer: Principal | None, row: Sequence[Any]) -> Body:
    """``UserOut`` as ``viewer`` sees it: which fields they see is a service rule."""
    return user(row, *user_service.field_access(viewer, row[0]))


def user_for_caller(row: Sequence[Any]) -> Body:
    """``UserOut`` as the caller of this request sees it."""
    return user_seen_by(current_user(), row)


def token(secret: str, expires_at: datetime) -> Body:
    """``TokenOut``."""
    return {"token": secret, "expires_at": isoformat(expires_at)}


# -- posts ------------------------------------------------------------------------------


def post(row: Sequence[Any]) -> Body:
    """``PostOut`` of a ``services.posts.POST_COLUMNS`` row."""
    post_id, title, body, published, created_at, updated_at, user_id, username = row
    author = f"{API_PREFIX}/users/{user_id}"
    return {
        "id": post_id,
        "title": title,
        "body": body,
        "published": published,
        "created_at": isoformat(created_at),
        "updated_at": isoformat(updated_at),
        "author": {"id": user_id, "username": username, "_links": {"self": author}},
        "_links": {"self": f"{API_PREFIX}/posts/{post_id}", "author": author},
    }


# -- tasks ------------------------------------------------------------------------------


def task(item: Task) -> Body:
    """``TaskOut``."""
    path = f"{API_PREFIX}/tasks/{item.id}"
    return {
        "id": item.id,
        "title": item.title,
        "description": item.description,
        "done": item.done,
        "created_at": isoformat(item.created_at),
        "updated_at": isoformat(item.updated_at),
        "uri": external_url(path),
        "_links": {"self": path},
    }


def legacy_task(item: Task) -> Body:
    """``LegacyTask``: the 2013 surface's shape, a ``uri`` instead of an id."""
    return {
        "uri": external_url_for("todo.get_task", task_id=item.id),
        "title": item.title,
        "description": item.description,
        "done": item.done,
    }


# -- credentials ------------------------------------------------------------------------


def api_key(key: ApiKey) -> Body:
    """``ApiKeyOut``."""
    return {
        "id": key.id,
        "name": key.name,
        "prefix": key.prefix,
        "created_at": isoformat(key.created_at),
        "last_used_at": isoformat(key.last_used_at) if key.last_used_at else None,
        "_links": {"self": f"{API_PREFIX}/me/api-keys/{key.id}"},
    }


def api_key_created(key: ApiKey, secret: str) -> Body:
    """``ApiKeyCreated``: the only time the secret is shown."""
    return {
        "id": key.id,
        "name": key.name,
        "key": secret,
        "prefix": key.prefix,
        "created_at": isoformat(key.created_at),
    }


def token_pair(pair: TokenPair) -> Body:
    """``TokenPairOut``."""
    return {
        "access_token": pair.access_token,
        "refresh_token": pair.refresh_token,
        "token_type": "Bearer",
        "expires_in": pair.expires_in,
    }
