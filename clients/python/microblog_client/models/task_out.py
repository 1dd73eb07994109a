from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

if TYPE_CHECKING:
    from ..models.task_links import TaskLinks


T = TypeVar("T", bound="TaskOut")


@_attrs_define
class TaskOut:
    """One of your tasks.

    Example:
        {'_links': {'self': '/api/v1/tasks/5'}, 'created_at': '2026-05-01T12:00:00.000000Z', 'description': 'Milk,
            cheese', 'done': False, 'id': 5, 'title': 'Buy groceries', 'updated_at': '2026-05-01T12:00:00.000000Z', 'uri':
            'http://127.0.0.1:5000/api/v1/tasks/5'}

    Attributes:
        field_links (TaskLinks): Where a task lives. Example: {'self': '/api/v1/tasks/5'}.
        created_at (str): When it was added (UTC).
        description (str): Details; empty when there are none.
        done (bool): Whether it is done.
        id (int): The task's id.
        title (str): What to do.
        updated_at (str): When it last changed (UTC).
        uri (str): Absolute URL of the task.
    """

    field_links: TaskLinks
    created_at: str
    description: str
    done: bool
    id: int
    title: str
    updated_at: str
    uri: str

    def to_dict(self) -> dict[str, Any]:
        field_links = self.field_links.to_dict()

        created_at = self.created_at

        description = self.description

        done = self.done

        id = self.id

        title = self.title

        updated_at = self.updated_at

        uri = self.uri

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "_links": field_links,
                "created_at": created_at,
                "description": description,
                "done": done,
                "id": id,
                "title": title,
                "updated_at": updated_at,
                "uri": uri,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.task_links import TaskLinks  # noqa: PLC0415

        d = dict(src_dict)
        field_links = TaskLinks.from_dict(d.pop("_links"))

        created_at = d.pop("created_at")

        description = d.pop("description")

        done = d.pop("done")

        id = d.pop("id")

        title = d.pop("title")

        updated_at = d.pop("updated_at")

        uri = d.pop("uri")

        task_out = cls(
            field_links=field_links,
            created_at=created_at,
            description=description,
            done=done,
            id=id,
            title=title,
            updated_at=updated_at,
            uri=uri,
        )

        return task_out
