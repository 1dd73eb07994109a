from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

if TYPE_CHECKING:
    from ..models.legacy_task import LegacyTask


T = TypeVar("T", bound="LegacyTaskList")


@_attrs_define
class LegacyTaskList:
    """All your tasks, in the 2013 tutorial's shape.

    Example:
        {'tasks': [{'description': 'Milk, cheese', 'done': False, 'title': 'Buy groceries', 'uri':
            'http://127.0.0.1:5000/todo/api/v1.0/tasks/5'}]}

    Attributes:
        tasks (list[LegacyTask]): Every task of yours, oldest first.
    """

    tasks: list[LegacyTask]

    def to_dict(self) -> dict[str, Any]:
        tasks = []
        for tasks_item_data in self.tasks:
            tasks_item = tasks_item_data.to_dict()
            tasks.append(tasks_item)

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "tasks": tasks,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.legacy_task import LegacyTask  # noqa: PLC0415

        d = dict(src_dict)
        tasks = []
        _tasks = d.pop("tasks")
        for tasks_item_data in _tasks:
            tasks_item = LegacyTask.from_dict(tasks_item_data)

            tasks.append(tasks_item)

        legacy_task_list = cls(
            tasks=tasks,
        )

        return legacy_task_list
