from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="LegacyResult")


@_attrs_define
class LegacyResult:
    """The 2013 tutorial's answer to a delete.

    Example:
        {'result': True}

    Attributes:
        result (bool): Always true: the task was deleted.
    """

    result: bool

    def to_dict(self) -> dict[str, Any]:
        result = self.result

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "result": result,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        result = d.pop("result")

        legacy_result = cls(
            result=result,
        )

        return legacy_result
