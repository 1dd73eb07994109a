"""The 2013 "Designing a RESTful API with Python and Flask" surface, on the same tasks.

Shapes as the tutorial shows them: ``{"tasks": [...]}``, ``{"task": {...}}`` and
``{"result": true}``, each task with a ``uri`` instead of an id. Errors use the API's one
error shape (JSON, never HTML)."""

from __future__ import annotations

from typing import Any

from flask import Response
from flask_openapi3 import APIBlueprint, Tag

from microblog.data.db import db
from microblog.data.models import Task
from microblog.services import tasks as service
from microblog.web.api.responses import respond
from microblog.web.auth import SECURITY, auth_required, require_user
from microblog.web.hosts import external_url_for
from microblog.web.schemas.tasks import (
    LegacyResult,
    LegacyTaskList,
    LegacyTaskOne,
    TaskCreate,
    TaskPath,
    TaskUpdate,
)

bp = APIBlueprint(
    "todo",
    __name__,
    url_prefix="/todo/api/v1.0",
    abp_tags=[Tag(name="todo (2013)", description="The 2013 tutorial's task API")],
)

AUTH = SECURITY["basic_or_bearer"]


def legacy(task: Task) -> dict[str, Any]:
    return {
        "uri": external_url_for("todo.get_task", task_id=task.id),
        "title": task.title,
        "description": task.description,
        "done": task.done,
    }


@bp.get("/tasks", responses={200: LegacyTaskList}, security=AUTH, summary="All your tasks")
@auth_required("basic_or_bearer")
def list_tasks() -> Response:
    tasks = service.all_tasks(require_user())
    return respond(LegacyTaskList, {"tasks": [legacy(t) for t in tasks]})


@bp.get("/tasks/<id:task_id>", responses={200: LegacyTaskOne}, security=AUTH, summary="A task")
@auth_required("basic_or_bearer")
def get_task(path: TaskPath) -> Response:
    return respond(LegacyTaskOne, {"task": legacy(service.get_task(require_user(), path.task_id))})


@bp.post("/tasks", responses={201: LegacyTaskOne}, security=AUTH, summary="Add a task")
@auth_required("basic_or_bearer")
def create_task(body: TaskCreate) -> Response:
    task = service.create_task(require_user(), **body.model_dump())
    db.session.commit()
    data = {"task": legacy(task)}
    return respond(LegacyTaskOne, data, status=201, headers={"Location": data["task"]["uri"]})


@bp.put("/tasks/<id:task_id>", responses={200: LegacyTaskOne}, security=AUTH, summary="Update")
@auth_required("basic_or_bearer")
def update_task(path: TaskPath, body: TaskUpdate) -> Response:
    changes = body.model_dump(include=body.model_fields_set)
    task = service.update_task(require_user(), path.task_id, changes)
    return respond(LegacyTaskOne, {"task": legacy(task)})


@bp.delete("/tasks/<id:task_id>", responses={200: LegacyResult}, security=AUTH, summary="Delete")
@auth_required("basic_or_bearer")
def delete_task(path: TaskPath) -> Response:
    service.delete_task(require_user(), path.task_id)
    return respond(LegacyResult, {"result": True})
