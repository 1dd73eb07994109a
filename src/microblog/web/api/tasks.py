from __future__ import annotations

from typing import Any

from flask import Response
from flask_openapi3 import APIBlueprint, Tag

from microblog.data.models import Task
from microblog.data.timeutil import isoformat
from microblog.services import tasks as service
from microblog.web.api.responses import created, no_content, respond
from microblog.web.auth import SECURITY, auth_required, require_user
from microblog.web.hosts import external_url
from microblog.web.idempotency import idempotent
from microblog.web.pagination import collection, page_request
from microblog.web.schemas.common import Collection
from microblog.web.schemas.tasks import TaskCreate, TaskListQuery, TaskOut, TaskPath, TaskUpdate

bp = APIBlueprint(
    "tasks",
    __name__,
    url_prefix="/api/v1",
    abp_tags=[Tag(name="tasks", description="Your private to-do list")],
)

TaskCollection = Collection[TaskOut]


def represent(task: Task) -> dict[str, Any]:
    path = f"/api/v1/tasks/{task.id}"
    return {
        "id": task.id,
        "title": task.title,
        "description": task.description,
        "done": task.done,
        "created_at": isoformat(task.created_at),
        "updated_at": isoformat(task.updated_at),
        "uri": external_url(path),
        "_links": {"self": path},
    }


@bp.get(
    "/tasks", responses={200: TaskCollection}, security=SECURITY["bearer"], summary="Your tasks"
)
@auth_required()
def list_tasks(query: TaskListQuery) -> Response:
    page = page_request(query.page, query.per_page)
    done = None if query.done is None else query.done == "true"
    tasks, total = service.list_tasks(require_user(), page, done=done, q=query.q, sort=query.sort)
    body, headers = collection([represent(t) for t in tasks], page, total)
    return respond(TaskCollection, body, headers=headers)


@bp.post("/tasks", responses={201: TaskOut}, security=SECURITY["bearer"], summary="Add a task")
@auth_required()
@idempotent
def create_task(body: TaskCreate) -> Response:
    task = service.create_task(require_user(), **body.model_dump())
    return created(TaskOut, represent(task), "tasks.get_task", task_id=task.id)


@bp.get(
    "/tasks/<id:task_id>", responses={200: TaskOut}, security=SECURITY["bearer"], summary="A task"
)
@auth_required()
def get_task(path: TaskPath) -> Response:
    return respond(TaskOut, represent(service.get_task(require_user(), path.task_id)))


@bp.put(
    "/tasks/<id:task_id>",
    responses={200: TaskOut},
    security=SECURITY["bearer"],
    summary="Update a task (partial)",
)
@bp.patch(
    "/tasks/<id:task_id>",
    responses={200: TaskOut},
    security=SECURITY["bearer"],
    summary="Update a task (partial)",
)
@auth_required()
def update_task(path: TaskPath, body: TaskUpdate) -> Response:
    changes = body.model_dump(include=body.model_fields_set)
    task = service.update_task(require_user(), path.task_id, changes)
    return respond(TaskOut, represent(task))


@bp.delete(
    "/tasks/<id:task_id>",
    responses={204: None},
    security=SECURITY["bearer"],
    summary="Delete a task",
)
@auth_required()
def delete_task(path: TaskPath) -> Response:
    service.delete_task(require_user(), path.task_id)
    return no_content()
