"""Users: reads as prepared statements with counts in one query, writes through the ORM."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from functools import cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Row,
    Select,
    String,
    bindparam,
    delete,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from microblog.data.db import db, read_connection, settings
from microblog.data.models import ApiKey, Post, Task, Token, User, follows
from microblog.data.models.user import ROLE_ADMIN
from microblog.data.pages import Page, PageRequest, fetch_page
from microblog.data.passwords import LoginAttempt, LoginBudget, passwords
from microblog.data.principal import Principal
from microblog.data.timeutil import utcnow
from microblog.errors import Conflict, Forbidden, NotFound, ValidationFailed
from microblog.services import jwt_tokens
from microblog.services.common import get_authorized, null_errors, valid_id
from microblog.services.permissions import IsAdmin, IsSelfOrAdmin

USERNAME_TAKEN = "please use a different username"
EMAIL_TAKEN = "please use a different email address"

ADMIN_ONLY_FIELDS = ("role", "is_active")
NOT_NULLABLE = ("username", "email", "password", "role", "is_active")
#: Changing one's own password or email needs the current password, sent in the body by
#: a caller whose credential a password produced (docs/authentication.md#lifecycle).
PASSWORD_BORN = ("password", "token", "jwt")


def _count_columns() -> list[Any]:
    post_count = (
        select(func.count(Post.id))
        .where(Post.user_id == User.id, Post.published.is_(True))
        .correlate(User)
        .scalar_subquery()
        .label("post_count")
    )
    follower_count = (
        select(func.count())
        .select_from(follows)
        .where(follows.c.followed_id == User.id)
        .correlate(User)
        .scalar_subquery()
        .label("follower_count")
    )
    following_count = (
        select(func.count())
        .select_from(follows)
        .where(follows.c.follower_id == User.id)
        .correlate(User)
        .scalar_subquery()
        .label("following_count")
    )
    return [post_count, follower_count, following_count]


USER_COLUMNS = [
    User.id,
    User.username,
    User.email,
    User.about_me,
    User.role,
    User.is_active,
    User.created_at,
    User.last_seen,
    *_count_columns(),
]

# Built once: constructing a select() costs more than running it on a warm cache.
USER_BY_ID = select(*USER_COLUMNS).where(User.id == bindparam("user_id"))

SORT_COLUMNS: dict[str, Any] = {
    "username": func.lower(User.username),
    "created_at": User.created_at,
    "last_seen": User.last_seen,
}


def like_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _search_filter() -> ColumnElement[bool]:
    pattern = bindparam("pattern", type_=String())
    return or_(
        User.username.ilike(pattern, escape="\\"), User.about_me.ilike(pattern, escape="\\")
    )


@cache
def _list_statements(sort: str | None, searching: bool) -> tuple[Select[Any], Select[Any]]:
    """The page and count statements for one (sort, search) shape, built once."""
    items = select(*USER_COLUMNS)
    count = select(func.count()).select_from(User)
    if searching:
        items = items.where(_search_filter())
        count = count.where(_search_filter())
    if sort:
        column = SORT_COLUMNS[sort.lstrip("-")]
        if sort.startswith("-"):
            items = items.order_by(column.desc(), User.id.desc())
        else:
            items = items.order_by(column.asc(), User.id.asc())
    else:
        items = items.order_by(User.id.asc())
    items = items.limit(bindparam("limit")).offset(bindparam("offset"))
    return items, count


USER_EXISTS = select(User.id).where(User.id == bindparam("user_id"))


def user_exists(user_id: int) -> bool:
    if not valid_id(user_id):
        return False
    return read_connection().execute(USER_EXISTS, {"user_id": user_id}).first() is not None


def field_access(viewer: Principal | None, user_id: int) -> tuple[bool, bool]:
    """Which of a user's fields ``viewer`` sees beyond the public ones: (email and role,
    is_active): the user themself sees the first, admins both."""
    if viewer is None:
        return False, False
    return viewer.id == user_id or viewer.is_admin, viewer.is_admin


def get_user(user_id: int) -> Sequence[Any]:
    """A user's ``USER_COLUMNS``; who sees which of them is :func:`field_access`."""
    row = None
    if valid_id(user_id):
        row = read_connection().execute(USER_BY_ID, {"user_id": user_id}).one_or_none()
    if row is None:
        raise NotFound("User not found.")
    return row


def list_users(page: PageRequest, *, q: str | None, sort: str | None) -> Page[Row[Any]]:
    items_stmt, count_stmt = _list_statements(sort, bool(q))
    params: dict[str, Any] = {"pattern": like_pattern(q)} if q else {}
    return fetch_page(items_stmt, count_stmt, params, page)


def _taken(username: str | None, email: str | None, exclude_id: int | None) -> None:
    """Raise 409 if another account already uses this username or email."""
    conditions = []
    if username is not None:
        conditions.append(func.lower(User.username) == username.lower())
    if email is not None:
        conditions.append(func.lower(User.email) == email.lower())
    if not conditions:
        return
    stmt = select(User.username, User.email).where(or_(*conditions))
    if exclude_id is not None:
        stmt = stmt.where(User.id != exclude_id)
    for other in db.session.execute(stmt):
        if username is not None and other.username.lower() == username.lower():
            raise Conflict(USERNAME_TAKEN)
        raise Conflict(EMAIL_TAKEN)


def _commit_unique() -> None:
    """Commit, turning a uniqueness race lost to a concurrent request into 409."""
    try:
        db.session.commit()
    except IntegrityError as exc:
        db.session.rollback()
        text = str(exc.orig).lower()
        raise Conflict(EMAIL_TAKEN if "email" in text else USERNAME_TAKEN) from None


def create_user(
    *, username: str, email: str, password: str, about_me: str = "", role: str = "user"
) -> User:
    _taken(username, email, None)
    user = User(
        username=username,
        email=email,
        password_hash=passwords().hash(password),
        about_me=about_me,
        role=role,
    )
    db.session.add(user)
    _commit_unique()
    return user


def _load_for_change(actor: Principal, user_id: int) -> User:
    return get_authorized(User, user_id, actor, IsSelfOrAdmin(), "user")


def update_user(
    actor: Principal, user_id: int, changes: dict[str, Any], spend: LoginBudget
) -> User:
    """Apply a partial update. ``changes`` holds only the fields the client sent."""
    user = _load_for_change(actor, user_id)
    errors: dict[str, list[str]] = {}
    if not IsAdmin().has_permission(actor):
        for name in ADMIN_ONLY_FIELDS:
            if name in changes:
                errors[name] = ["Unknown field."]
    errors = {**null_errors(changes, NOT_NULLABLE), **errors}
    if errors:
        raise ValidationFailed(errors=errors)

    new_username = changes.get("username")
    new_email = changes.get("email")
    password_or_email = changes.get("password") is not None or (
        new_email is not None and new_email != user.email
    )
    if actor.id == user.id and password_or_email:
        _reauthenticate(actor, user, changes.get("current_password"), spend)
    _taken(
        new_username if new_username and new_username != user.username else None,
        new_email if new_email and new_email.lower() != user.email.lower() else None,
        user.id,
    )
    if new_username is not None:
        user.username = new_username
    if new_email is not None:
        user.email = new_email
    if "about_me" in changes:
        user.about_me = changes["about_me"] or ""
    if changes.get("role") is not None:
        user.role = changes["role"]
    if changes.get("is_active") is not None:
        user.is_active = changes["is_active"]
        if not user.is_active:
            end_credentials(user.id)
    if changes.get("password") is not None:
        user.password_hash = passwords().hash(changes["password"])
        end_credentials(user.id)
    _commit_unique()
    return user


def _reauthenticate(
    actor: Principal, user: User, current_password: str | None, spend: LoginBudget
) -> None:
    """403 unless the caller proves, here and now, that they know the password."""
    if actor.credential not in PASSWORD_BORN:
        raise Forbidden("Changing the password or email needs a token or a login, not an API key.")
    if not current_password:
        raise Forbidden("current_password is missing or wrong.")
    attempt: LoginAttempt = spend(account_key(user.id))
    if not passwords().verify(user.password_hash, current_password, attempt):
        raise Forbidden("current_password is missing or wrong.")


def end_credentials(user_id: int) -> None:
    """End every credential of an account (a new password, a deactivation, a deletion):
    opaque tokens and API keys are deleted and JWT families revoked, so nothing of them
    comes back with a reactivation. The caller commits."""
    db.session.execute(delete(Token).where(Token.user_id == user_id))
    db.session.execute(delete(ApiKey).where(ApiKey.user_id == user_id))
    jwt_tokens.revoke_user_families(user_id)


def delete_user(actor: Principal, user_id: int) -> None:
    """Delete an account: its credentials are revoked, not forgotten (its JWT families stay,
    revoked, and lose their owner by ``ON DELETE SET NULL``), and its content goes too."""
    user = _load_for_change(actor, user_id)
    end_credentials(user.id)
    # Dependent rows go explicitly rather than by the foreign keys' cascades.
    db.session.execute(
        delete(follows).where(
            or_(follows.c.follower_id == user.id, follows.c.followed_id == user.id)
        )
    )
    db.session.execute(delete(Post).where(Post.user_id == user.id))
    db.session.execute(delete(Task).where(Task.user_id == user.id))
    db.session.delete(user)
    db.session.commit()


PRINCIPAL_BY_LOGIN = select(
    User.id, User.username, User.role, User.last_seen, User.is_active, User.password_hash
)
#: No account name is longer (emails: 254, usernames: 64).
MAX_LOGIN_LENGTH = 254


def login_account(login: str) -> tuple[str, Row[Any] | None]:
    """The login budget's key for ``login`` and the account's row (``None`` if unknown),
    in one query on the case-insensitive unique indexes. A username, its email and their
    case variants are one account, ``"id:<id>"``; an unknown name is a budget of its own,
    ``"name:<normalised name>"``."""
    name = login.strip().lower()
    row = None
    # No account name holds "@" unless it is an email, none is longer than the limit, and
    # none holds NUL (PostgreSQL refuses it in a parameter: a 500).
    if len(name) <= MAX_LOGIN_LENGTH and "\x00" not in name:
        column = User.email if "@" in name else User.username
        row = db.session.execute(
            PRINCIPAL_BY_LOGIN.where(func.lower(column) == name)
        ).one_or_none()
    return (account_key(row.id) if row is not None else f"name:{name[:MAX_LOGIN_LENGTH]}"), row


def account_key(user_id: int) -> str:
    """An account's login budget key, whichever name or email it was reached by."""
    return f"id:{user_id}"


def authenticate_password(login: str, password: str, spend: LoginBudget) -> Principal | None:
    """Username or email plus password; the one place a password is checked. The attempt
    is counted against the login budgets (429 once they are spent) before anything is
    hashed (``spend``); an unknown user costs one dummy hash check, like a wrong password."""
    account, row = login_account(login)
    attempt: LoginAttempt = spend(account)
    hasher = passwords()
    ok = hasher.verify(row.password_hash if row is not None else None, password, attempt)
    if row is None or not ok or not row.is_active:
        return None
    if hasher.needs_rehash(row.password_hash):
        db.session.execute(
            update(User).where(User.id == row.id).values(password_hash=hasher.hash(password))
        )
        db.session.commit()
    return Principal(id=row.id, username=row.username, role=row.role, last_seen=row.last_seen)


def touch_last_seen(principal: Principal) -> None:
    """Record activity at most once per ``LAST_SEEN_INTERVAL``, not on every request."""
    now = utcnow()
    interval = timedelta(seconds=settings()["LAST_SEEN_INTERVAL"])
    if now - principal.last_seen < interval:
        return
    db.session.execute(update(User).where(User.id == principal.id).values(last_seen=now))
    db.session.commit()


def create_admin(username: str, email: str, password: str) -> User:
    return create_user(username=username, email=email, password=password, role=ROLE_ADMIN)
