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
    title: TaskTitle
    description: TaskDescription = ""
    done: bool = False


class TaskUpdate(InputModel):
    title: TaskTitle | None = Field(None, json_schema_extra=not_null)
    description: TaskDescription | None = None
    done: bool | None = Field(None, json_schema_extra=not_null)


class TaskPath(BaseModel):
    task_id: Id = Field(description="Task id.")


class TaskListQuery(PageQuery):
    done: Literal["true", "false"] | None = Field(None, description="Filter by state.")
    q: str | None = Field(None, max_length=200, description="Title prefix.")
    sort: TASK_SORTS | None = Field(None, description="Sort field; prefix - for descending.")


class TaskLinks(OutputModel):
    self: str


class TaskOut(OutputModel):
    model_config = ConfigDict(populate_by_name=True)

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

    uri: str
    title: str
    description: str
    done: bool


class LegacyTaskList(OutputModel):
    tasks: list[LegacyTask]


class LegacyTaskOne(OutputModel):
    task: LegacyTask


class LegacyResult(OutputModel):
    result: bool
