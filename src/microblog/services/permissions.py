"""Permission objects: every "may this caller do that" answer comes from here.

As in Django REST framework, a permission has ``has_permission`` (may the caller use
this operation at all?) and ``has_object_permission`` (on this object?). Services call
:func:`authorize`; a permission marked ``hide`` answers 404 instead of 403, for objects
whose very existence is private (another user's task, API key or draft)."""

from __future__ import annotations

from typing import Any

from microblog.data.principal import Principal
from microblog.errors import Forbidden, NotFound


class Permission:
    message = "You are not allowed to do this."
    hide = False

    def has_permission(self, actor: Principal) -> bool:
        return True

    def has_object_permission(self, actor: Principal, obj: Any) -> bool:
        return True


class IsAdmin(Permission):
    message = "Administrators only."

    def has_permission(self, actor: Principal) -> bool:
        return actor.is_admin


class IsSelfOrAdmin(Permission):
    """A user account: its owner or an admin."""

    message = "You can only change your own account."

    def has_object_permission(self, actor: Principal, obj: Any) -> bool:
        return bool(actor.id == obj.id or actor.is_admin)


class IsAuthor(Permission):
    message = "Only the author can edit a post."

    def has_object_permission(self, actor: Principal, obj: Any) -> bool:
        return bool(obj.user_id == actor.id)


class IsAuthorOrAdmin(Permission):
    message = "Only the author or an admin can delete a post."

    def has_object_permission(self, actor: Principal, obj: Any) -> bool:
        return bool(obj.user_id == actor.id or actor.is_admin)


class CanSee(Permission):
    """Published posts are public; drafts exist only for their author and admins."""

    hide = True

    def has_object_permission(self, actor: Principal | None, obj: Any) -> bool:
        return bool(
            obj.published or (actor is not None and (obj.user_id == actor.id or actor.is_admin))
        )


class IsOwner(Permission):
    """Private objects (tasks, API keys): anyone but the owner is told they do not exist."""

    hide = True

    def __init__(self, noun: str) -> None:
        self.noun = noun

    def has_object_permission(self, actor: Principal, obj: Any) -> bool:
        return bool(obj.user_id == actor.id)


_NO_OBJECT = object()


def authorize(
    actor: Any, permission: Permission, obj: Any = _NO_OBJECT, *, noun: str = "resource"
) -> None:
    """Raise unless ``actor`` may use the operation, and act on ``obj`` when one is given.
    ``obj=None`` means the object does not exist: 404."""
    if not permission.has_permission(actor):
        raise Forbidden(permission.message)
    if obj is _NO_OBJECT:
        return
    noun = getattr(permission, "noun", noun)
    missing = NotFound(f"{noun[0].upper()}{noun[1:]} not found.")
    if obj is None:
        raise missing
    if not permission.has_object_permission(actor, obj):
        raise missing if permission.hide else Forbidden(permission.message)
