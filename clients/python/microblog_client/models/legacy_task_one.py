from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

if TYPE_CHECKING:
    from ..models.legacy_task import LegacyTask


T = TypeVar("T", bound="LegacyTaskOne")


@_attrs_define
class LegacyTaskOne:
    """One task, in the 2013 tutorial's shape.

    Example:
        {'task': {'description': 'Milk, cheese', 'done': False, 'title': 'Buy groceries', 'uri':
            'http://127.0.0.1:5000/todo/api/v1.0/tasks/5'}}

    Attributes:
        task (LegacyTask): A task as the 2013 tutorial shows it: a `uri` instead of an id. Example: {'description':
            'Milk, cheese', 'done': False, 'title': 'Buy groceries', 'uri': 'http://127.0.0.1:5000/todo/api/v1.0/tasks/5'}.
    """

    task: LegacyTask

    def to_dict(self) -> dict[str, Any]:
        task = self.task.to_dict()

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "task": task,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.legacy_task import LegacyTask  # noqa: PLC0415

        d = dict(src_dict)
        task = LegacyTask.from_dict(d.pop("task"))

        legacy_task_one = cls(
            task=task,
        )

        return legacy_task_one
