from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from microblog.web.schemas.common import (
    NO_NUL,
    NOT_BLANK_PATTERN,
    Checked,
    Id,
    InputModel,
    OutputModel,
    PageQuery,
    UTCDateTime,
    not_null,
)


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be blank")
    return value


TaskTitle = Annotated[
    str,
    StringConstraints(min_length=1, max_length=200),
    NO_NUL,
    Checked(_not_blank, NOT_BLANK_PATTERN),
]
TaskDescription = Annotated[str, StringConstraints(max_length=2000), NO_NUL]

TASK_SORTS = Literal["title", "-title", "created_at", "-created_at", "done", "-done"]


#: The descriptions of task fields, in and out.
TITLE = "What to do: 1 to 200 characters, not only spaces."
DESCRIPTION = "Details, up to 2,000 characters."
DONE = "Whether it is done."


class TaskCreate(InputModel):
    """A new task on your list."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"title": "Buy groceries", "description": "Milk, cheese", "done": False}]
        }
    )

    title: TaskTitle = Field(description=TITLE)
    description: TaskDescription = Field("", description=DESCRIPTION + ' Default "".')
    done: bool = Field(False, description=DONE + " Default false.")


class TaskUpdate(InputModel):
    """Changes to a task: only the fields sent change."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"done": True}]})

    title: TaskTitle | None = Field(None, description=TITLE, json_schema_extra=not_null)
    description: TaskDescription | None = Field(
        None, description=DESCRIPTION + ' null clears it, as "" does.'
    )
    done: bool | None = Field(None, description=DONE, json_schema_extra=not_null)


class TaskPath(BaseModel):
    task_id: Id = Field(description="Task id.", json_schema_extra={"example": 5})


class TaskListQuery(PageQuery):
    done: Literal["true", "false"] | None = Field(
        None,
        description="Only the tasks done (true) or not done (false).",
        json_schema_extra={"example": "false"},
    )
    q: str | None = Field(
        None,
        max_length=200,
        description="Only tasks whose title starts with this (any case).",
        json_schema_extra={"example": "Buy"},
    )
    sort: TASK_SORTS | None = Field(
        None,
        description="A field, with - for descending (default: oldest first).",
        json_schema_extra={"example": "-created_at"},
    )


class TaskLinks(OutputModel):
    """Where a task lives."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"self": "/api/v1/tasks/5"}]})

    self: str = Field(description="The task's URL.")


class TaskOut(OutputModel):
    """One of your tasks."""

    model_config = ConfigDict(
        populate_by_name=True,
        json_schema_extra={
            "examples": [
                {
                    "id": 5,
                    "title": "Buy groceries",
                    "description": "Milk, cheese",
                    "done": False,
                    "created_at": "2026-05-01T12:00:00.000000Z",
                    "updated_at": "2026-05-01T12:00:00.000000Z",
                    "uri": "http://127.0.0.1:5000/api/v1/tasks/5",
                    "_links": {"self": "/api/v1/tasks/5"},
                }
            ]
        },
    )

    id: int = Field(description="The task's id.")
    title: str = Field(description="What to do.")
    description: str = Field(description="Details; empty when there are none.")
    done: bool = Field(description=DONE)
    created_at: UTCDateTime = Field(description="When it was added (UTC).")
    updated_at: UTCDateTime = Field(description="When it last changed (UTC).")
    uri: str = Field(description="Absolute URL of the task.")
    links: TaskLinks = Field(alias="_links", description="Where it lives.")


class LegacyTask(OutputModel):
    """A task as the 2013 tutorial shows it: a `uri` instead of an id."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "uri": "http://127.0.0.1:5000/todo/api/v1.0/tasks/5",
                    "title": "Buy groceries",
                    "description": "Milk, cheese",
                    "done": False,
                }
            ]
        }
    )

    uri: str = Field(
        description="Absolute URL of the task on this surface; its id is the last segment."
    )
    title: str = Field(description="What to do.")
    description: str = Field(description="Details; empty when there are none.")
    done: bool = Field(description=DONE)


class LegacyTaskList(OutputModel):
    """All your tasks, in the 2013 tutorial's shape."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "tasks": [
                        {
                            "uri": "http://127.0.0.1:5000/todo/api/v1.0/tasks/5",
                            "title": "Buy groceries",
                            "description": "Milk, cheese",
                            "done": False,
                        }
                    ]
                }
            ]
        }
    )

    tasks: list[LegacyTask] = Field(description="Every task of yours, oldest first.")


class LegacyTaskOne(OutputModel):
    """One task, in the 2013 tutorial's shape."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "task": {
                        "uri": "http://127.0.0.1:5000/todo/api/v1.0/tasks/5",
                        "title": "Buy groceries",
                        "description": "Milk, cheese",
                        "done": False,
                    }
                }
            ]
        }
    )

    task: LegacyTask = Field(description="The task.")


class LegacyResult(OutputModel):
    """The 2013 tutorial's answer to a delete."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"result": True}]})

    result: bool = Field(description="Always true: the task was deleted.")
