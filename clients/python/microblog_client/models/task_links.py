from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="TaskLinks")


@_attrs_define
class TaskLinks:
    """Where a task lives.

    Example:
        {'self': '/api/v1/tasks/5'}

    Attributes:
        self_ (str): The task's URL.
    """

    self_: str

    def to_dict(self) -> dict[str, Any]:
        self_ = self.self_

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "self": self_,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        self_ = d.pop("self")

        task_links = cls(
            self_=self_,
        )

        return task_links
