from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="TaskCreate")


@_attrs_define
class TaskCreate:
    """A new task on your list.

    Example:
        {'description': 'Milk, cheese', 'done': False, 'title': 'Buy groceries'}

    Attributes:
        title (str): What to do: 1 to 200 characters, not only spaces.
        description (str | Unset): Details, up to 2,000 characters. Default "". Default: ''.
        done (bool | Unset): Whether it is done. Default false. Default: False.
    """

    title: str
    description: str | Unset = ""
    done: bool | Unset = False

    def to_dict(self) -> dict[str, Any]:
        title = self.title

        description = self.description

        done = self.done

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "title": title,
            }
        )
        if description is not UNSET:
            field_dict["description"] = description
        if done is not UNSET:
            field_dict["done"] = done

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        title = d.pop("title")

        description = d.pop("description", UNSET)

        done = d.pop("done", UNSET)

        task_create = cls(
            title=title,
            description=description,
            done=done,
        )

        return task_create
