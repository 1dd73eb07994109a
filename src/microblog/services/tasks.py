"""Each user's private task list. Another user's task does not exist (404, never 403)."""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import Select, String, and_, bindparam, func, select, true

from microblog.data.db import db, read_connection
from microblog.data.models import Task
from microblog.data.pages import Page, PageRequest
from microblog.data.principal import Principal
from microblog.data.timeutil import utcnow
from microblog.services.common import get_authorized, reject_nulls
from microblog.services.permissions import IsOwner

SORT_COLUMNS: dict[str, Any] = {
    "title": Task.title,
    "created_at": Task.created_at,
    "done": Task.done,
}


def prefix_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"{escaped}%"


@cache
def _statements(sort: str | None, done: bool, search: bool) -> tuple[Select[Any], Select[Any]]:
    conditions = [Task.user_id == bindparam("owner")]
    if done:
        conditions.append(Task.done == bindparam("done"))
    if search:
        conditions.append(Task.title.ilike(bindparam("prefix", type_=String()), escape="\\"))
    where = and_(true(), *conditions)
    if sort:
        column = SORT_COLUMNS[sort.lstrip("-")]
        order = (
            [column.desc(), Task.id.desc()] if sort.startswith("-") else [column.asc(), Task.id]
        )
    else:
        order = [Task.id.asc()]
    items = (
        select(Task)
        .where(where)
        .order_by(*order)
        .limit(bindparam("limit"))
        .offset(bindparam("offset"))
    )
    count = select(func.count(Task.id)).where(where)
    return items, count


def list_tasks(
    owner: Principal, page: PageRequest, *, done: bool | None, q: str | None, sort: str | None
) -> Page[Task]:
    items_stmt, count_stmt = _statements(sort, done is not None, bool(q))
    params: dict[str, Any] = {"owner": owner.id}
    if done is not None:
        params["done"] = done
    if q:
        params["prefix"] = prefix_pattern(q)
    total = read_connection().execute(count_stmt, params).scalar_one()
    if page.is_past_end(total):
        return Page([], page, total)
    rows = db.session.scalars(
        items_stmt, {**params, "limit": page.per_page, "offset": page.offset}
    ).all()
    return Page(rows, page, total)


def all_tasks(owner: Principal) -> list[Task]:
    return list(db.session.scalars(select(Task).where(Task.user_id == owner.id).order_by(Task.id)))


def get_task(owner: Principal, task_id: int) -> Task:
    return get_authorized(Task, task_id, owner, IsOwner("task"), "task")


def create_task(owner: Principal, *, title: str, description: str, done: bool) -> Task:
    now = utcnow()
    task = Task(
        user_id=owner.id,
        title=title,
        description=description,
        done=done,
        created_at=now,
        updated_at=now,
    )
    db.session.add(task)
    db.session.flush()  # the caller commits: idempotency.idempotent
    return task


def update_task(owner: Principal, task_id: int, changes: dict[str, Any]) -> Task:
    task = get_task(owner, task_id)
    reject_nulls(changes, ("title", "done"))
    for name in ("title", "description", "done"):
        if name in changes:
            setattr(task, name, changes[name] if changes[name] is not None else "")
    task.updated_at = utcnow()
    db.session.commit()
    return task


def delete_task(owner: Principal, task_id: int) -> None:
    db.session.delete(get_task(owner, task_id))
    db.session.commit()
