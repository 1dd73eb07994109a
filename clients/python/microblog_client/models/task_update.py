from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="TaskUpdate")


@_attrs_define
class TaskUpdate:
    """Changes to a task: only the fields sent change.

    Example:
        {'done': True}

    Attributes:
        description (None | str | Unset): Details, up to 2,000 characters. null clears it, as "" does.
        done (bool | Unset): Whether it is done.
        title (str | Unset): What to do: 1 to 200 characters, not only spaces.
    """

    description: None | str | Unset = UNSET
    done: bool | Unset = UNSET
    title: str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        description: None | str | Unset
        if isinstance(self.description, Unset):
            description = UNSET
        else:
            description = self.description

        done = self.done

        title = self.title

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if description is not UNSET:
            field_dict["description"] = description
        if done is not UNSET:
            field_dict["done"] = done
        if title is not UNSET:
            field_dict["title"] = title

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_description(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        description = _parse_description(d.pop("description", UNSET))

        done = d.pop("done", UNSET)

        title = d.pop("title", UNSET)

        task_update = cls(
            description=description,
            done=done,
            title=title,
        )

        return task_update
