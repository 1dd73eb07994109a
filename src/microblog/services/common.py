"""Helpers every service uses: loading an object the caller may act on, and the rule for
``null`` in partial updates."""

from __future__ import annotations

from typing import Any, TypeVar

from microblog.data.db import db
from microblog.data.principal import Principal
from microblog.errors import ValidationFailed
from microblog.services.permissions import Permission, authorize

#: Ids are 32-bit integers on every backend; a larger one names nothing.
MAX_ID = 2**31 - 1

ModelT = TypeVar("ModelT")


def valid_id(obj_id: int) -> bool:
    return 0 < obj_id <= MAX_ID


def get_authorized(
    model: type[ModelT], obj_id: int, actor: Principal | None, permission: Permission, noun: str
) -> ModelT:
    """Load ``model`` by id and apply ``permission`` (404 if missing or hidden, 403 if
    visible but not allowed)."""
    obj = db.session.get(model, obj_id) if valid_id(obj_id) else None
    authorize(actor, permission, obj, noun=noun)
    assert obj is not None
    return obj


def null_errors(changes: dict[str, Any], not_nullable: tuple[str, ...]) -> dict[str, list[str]]:
    """A partial update may omit a field, but not send ``null`` for one that needs a value."""
    return {
        name: ["Field may not be null."]
        for name in not_nullable
        if name in changes and changes[name] is None
    }


def reject_nulls(changes: dict[str, Any], not_nullable: tuple[str, ...]) -> None:
    errors = null_errors(changes, not_nullable)
    if errors:
        raise ValidationFailed(errors=errors)
