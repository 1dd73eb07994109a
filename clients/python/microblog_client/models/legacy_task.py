from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="LegacyTask")


@_attrs_define
class LegacyTask:
    """A task as the 2013 tutorial shows it: a `uri` instead of an id.

    Example:
        {'description': 'Milk, cheese', 'done': False, 'title': 'Buy groceries', 'uri':
            'http://127.0.0.1:5000/todo/api/v1.0/tasks/5'}

    Attributes:
        description (str): Details; empty when there are none.
        done (bool): Whether it is done.
        title (str): What to do.
        uri (str): Absolute URL of the task on this surface; its id is the last segment.
    """

    description: str
    done: bool
    title: str
    uri: str

    def to_dict(self) -> dict[str, Any]:
        description = self.description

        done = self.done

        title = self.title

        uri = self.uri

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "description": description,
                "done": done,
                "title": title,
                "uri": uri,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        description = d.pop("description")

        done = d.pop("done")

        title = d.pop("title")

        uri = d.pop("uri")

        legacy_task = cls(
            description=description,
            done=done,
            title=title,
            uri=uri,
        )

        return legacy_task
