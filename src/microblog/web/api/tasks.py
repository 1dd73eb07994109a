from __future__ import annotations

from microblog.data.models import Task
from microblog.data.pages import Page
from microblog.services import tasks as service
from microblog.web import representations
from microblog.web.auth import require_user
from microblog.web.pagination import page_request
from microblog.web.routes import Routes, link_to, links
from microblog.web.schemas.common import Collection
from microblog.web.schemas.tasks import TaskCreate, TaskListQuery, TaskOut, TaskPath, TaskUpdate

tasks = Routes("tasks", __name__, "/api/v1", "Your private to-do list")
bp = tasks.bp

TaskCollection = Collection[TaskOut]
TASK_LINKS = links(
    "task_id", "getTask", "updateTask", "updateTaskWithPut", "deleteTask", "todoGetTask"
)
task = representations.task


@tasks.get(
    "/tasks",
    response=TaskCollection,
    represent=task,
    summary="Your tasks",
    operation_id="listTasks",
    description="Your tasks, page mode; filter by done, search a title prefix with q.",
)
def list_tasks(query: TaskListQuery) -> Page[Task]:
    done = None if query.done is None else query.done == "true"
    page = page_request(query.page, query.per_page)
    return service.list_tasks(require_user(), page, done=done, q=query.q, sort=query.sort)


@tasks.post(
    "/tasks",
    response=TaskOut,
    status=201,
    represent=task,
    idempotent=True,
    location=link_to("tasks.get_task", "task_id"),
    summary="Add a task",
    operation_id="createTask",
    description=(
        "Adds a task to your list; 201 with it and its URL in Location. Honours Idempotency-Key."
    ),
    links=TASK_LINKS,
)
def create_task(body: TaskCreate) -> Task:
    return service.create_task(require_user(), **body.model_dump())


@tasks.get(
    "/tasks/<id:task_id>",
    response=TaskOut,
    represent=task,
    summary="A task",
    operation_id="getTask",
    description="One of your tasks (404 for anyone else's).",
)
def get_task(path: TaskPath) -> Task:
    return service.get_task(require_user(), path.task_id)


@tasks.put_patch(
    "/tasks/<id:task_id>",
    response=TaskOut,
    represent=task,
    summary="Update a task (partial)",
    operation_id={"put": "updateTaskWithPut", "patch": "updateTask"},
    description="Partial update (PUT and PATCH alike) of one of your tasks.",
)
def update_task(path: TaskPath, body: TaskUpdate) -> Task:
    changes = body.model_dump(include=body.model_fields_set)
    return service.update_task(require_user(), path.task_id, changes)


@tasks.delete(
    "/tasks/<id:task_id>",
    summary="Delete a task",
    operation_id="deleteTask",
    description="Deletes one of your tasks.",
)
def delete_task(path: TaskPath) -> None:
    service.delete_task(require_user(), path.task_id)
