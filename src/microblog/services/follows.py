"""Who follows whom."""

from __future__ import annotations

from functools import cache
from typing import Any, Literal

from sqlalchemy import Select, bindparam, delete, func, insert, select
from sqlalchemy.engine import Row
from sqlalchemy.exc import IntegrityError

from microblog.data.db import db, read_connection
from microblog.data.models import User, follows
from microblog.data.pages import Page, PageRequest, fetch_page
from microblog.data.principal import Principal
from microblog.data.timeutil import utcnow
from microblog.errors import BadRequest, NotFound
from microblog.services.users import USER_COLUMNS, user_exists

Direction = Literal["followers", "following"]

IS_FOLLOWING = select(follows.c.follower_id).where(
    follows.c.follower_id == bindparam("follower"), follows.c.followed_id == bindparam("followed")
)


def _target(actor: Principal, user_id: int) -> None:
    if not user_exists(user_id):
        raise NotFound("User not found.")
    if user_id == actor.id:
        raise BadRequest("You cannot follow yourself.")


def follow(actor: Principal, user_id: int) -> None:
    """Idempotent: following someone you already follow changes nothing."""
    _target(actor, user_id)
    if is_following(actor.id, user_id):
        return
    try:
        db.session.execute(
            insert(follows).values(follower_id=actor.id, followed_id=user_id, created_at=utcnow())
        )
        db.session.commit()
    except IntegrityError:  # a concurrent identical request won the race
        db.session.rollback()


def unfollow(actor: Principal, user_id: int) -> None:
    _target(actor, user_id)
    db.session.execute(
        delete(follows).where(follows.c.follower_id == actor.id, follows.c.followed_id == user_id)
    )
    db.session.commit()


def is_following(follower_id: int, followed_id: int) -> bool:
    params = {"follower": follower_id, "followed": followed_id}
    return read_connection().execute(IS_FOLLOWING, params).first() is not None


@cache
def _statements(direction: Direction) -> tuple[Select[Any], Select[Any]]:
    # followers of X: rows where followed_id = X, listing the follower, and vice versa
    mine, theirs = (
        (follows.c.followed_id, follows.c.follower_id)
        if direction == "followers"
        else (follows.c.follower_id, follows.c.followed_id)
    )
    items = (
        select(*USER_COLUMNS)
        .join(follows, theirs == User.id)
        .where(mine == bindparam("user_id"))
        .order_by(follows.c.created_at.desc(), User.id.desc())
        .limit(bindparam("limit"))
        .offset(bindparam("offset"))
    )
    count = select(func.count()).select_from(follows).where(mine == bindparam("user_id"))
    return items, count


def related_users(user_id: int, direction: Direction, page: PageRequest) -> Page[Row[Any]]:
    """Followers of, or users followed by, ``user_id`` (``USER_COLUMNS``); most recent
    first."""
    if not user_exists(user_id):
        raise NotFound("User not found.")
    items_stmt, count_stmt = _statements(direction)
    return fetch_page(items_stmt, count_stmt, {"user_id": user_id}, page)
