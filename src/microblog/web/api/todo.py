"""The 2013 "Designing a RESTful API with Python and Flask" surface, on the same tasks.

Shapes as the tutorial shows them: ``{"tasks": [...]}``, ``{"task": {...}}`` and
``{"result": true}``, each task with a ``uri`` instead of an id. Errors use the API's one
error shape (JSON, never HTML)."""

from __future__ import annotations

from typing import Any

from microblog.data.db import db
from microblog.data.models import Task
from microblog.services import tasks as service
from microblog.web.auth import require_user
from microblog.web.representations import legacy_task
from microblog.web.routes import Routes, links
from microblog.web.schemas.tasks import (
    LegacyResult,
    LegacyTaskList,
    LegacyTaskOne,
    TaskCreate,
    TaskPath,
    TaskUpdate,
)

todo = Routes(
    "todo", __name__, "/todo/api/v1.0", "The 2013 tutorial's task API", tag_name="todo (2013)"
)
bp = todo.bp

AUTH: dict[str, Any] = {"auth": "basic_or_bearer"}
#: A task here has no id field: its id is the last segment of its ``uri``, read with the
#: regular-expression extractor schemathesis adds to OpenAPI's runtime expressions.
LEGACY_TASK_LINKS = links(
    "task_id",
    "todoGetTask",
    "todoUpdateTask",
    "todoDeleteTask",
    "getTask",
    "updateTask",
    "deleteTask",
    source="$response.body#/task/uri#regex:/tasks/([0-9]+)$",
    where="id (the last segment of task.uri)",
)


def one(task: Task) -> dict[str, Any]:
    return {"task": legacy_task(task)}


@todo.get(
    "/tasks",
    **AUTH,
    response=LegacyTaskList,
    summary="All your tasks",
    operation_id="todoListTasks",
    description="All your tasks in the 2013 tutorial's shape: {tasks: [...]}, each with a uri.",
)
def list_tasks() -> dict[str, Any]:
    return {"tasks": [legacy_task(t) for t in service.all_tasks(require_user())]}


@todo.get(
    "/tasks/<id:task_id>",
    **AUTH,
    response=LegacyTaskOne,
    represent=one,
    summary="A task",
    operation_id="todoGetTask",
    description="One task as {task: {...}}.",
)
def get_task(path: TaskPath) -> Task:
    return service.get_task(require_user(), path.task_id)


@todo.post(
    "/tasks",
    **AUTH,
    response=LegacyTaskOne,
    status=201,
    represent=one,
    location=lambda body: body["task"]["uri"],
    summary="Add a task",
    operation_id="todoCreateTask",
    description="Adds a task; 201 with {task: {...}} and its uri in Location.",
    links=LEGACY_TASK_LINKS,
)
def create_task(body: TaskCreate) -> Task:
    task = service.create_task(require_user(), **body.model_dump())
    db.session.commit()
    return task


@todo.put(
    "/tasks/<id:task_id>",
    **AUTH,
    response=LegacyTaskOne,
    represent=one,
    summary="Update",
    operation_id="todoUpdateTask",
    description="Partial update of a task; answers {task: {...}}.",
)
def update_task(path: TaskPath, body: TaskUpdate) -> Task:
    changes = body.model_dump(include=body.model_fields_set)
    return service.update_task(require_user(), path.task_id, changes)


@todo.delete(
    "/tasks/<id:task_id>",
    **AUTH,
    response=LegacyResult,
    summary="Delete",
    operation_id="todoDeleteTask",
    description="Deletes a task; answers {result: true}.",
)
def delete_task(path: TaskPath) -> dict[str, bool]:
    service.delete_task(require_user(), path.task_id)
    return {"result": True}
