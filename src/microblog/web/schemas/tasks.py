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


class TaskCreate(InputModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"title": "Buy groceries", "description": "Milk, cheese", "done": False}]
        }
    )

    title: TaskTitle
    description: TaskDescription = ""
    done: bool = False


class TaskUpdate(InputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"done": True}]})

    title: TaskTitle | None = Field(None, json_schema_extra=not_null)
    description: TaskDescription | None = None
    done: bool | None = Field(None, json_schema_extra=not_null)


class TaskPath(BaseModel):
    task_id: Id = Field(description="Task id.", json_schema_extra={"example": 5})


class TaskListQuery(PageQuery):
    done: Literal["true", "false"] | None = Field(None, description="Filter by state.")
    q: str | None = Field(None, max_length=200, description="Title prefix.")
    sort: TASK_SORTS | None = Field(
        None,
        description="Sort field; prefix - for descending.",
    )


class TaskLinks(OutputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"self": "/api/v1/tasks/5"}]})

    self: str


class TaskOut(OutputModel):
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

    id: int
    title: str
    description: str
    done: bool
    created_at: UTCDateTime
    updated_at: UTCDateTime
    uri: str = Field(description="Absolute URL of the task.")
    links: TaskLinks = Field(alias="_links")


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

    uri: str
    title: str
    description: str
    done: bool


class LegacyTaskList(OutputModel):
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

    tasks: list[LegacyTask]


class LegacyTaskOne(OutputModel):
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

    task: LegacyTask


class LegacyResult(OutputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"result": True}]})

    result: bool
