from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.error_out_errors_type_0 import ErrorOutErrorsType0


T = TypeVar("T", bound="ErrorOut")


@_attrs_define
class ErrorOut:
    """The one error body of every route, whatever the status (an `application/problem+json`
    answer carries the same facts under RFC 9457's names).

        Example:
            {'error': 'Bad Request', 'errors': {'email': ['value is not a valid email address']}, 'message': 'Validation
                failed.', 'request_id': '3f2b9c1e-checkout'}

        Attributes:
            error (str): The HTTP reason phrase.
            message (str): What went wrong, for a human.
            request_id (str): The request's id, also in X-Request-ID: quote it when you report a problem.
            errors (ErrorOutErrorsType0 | None | Unset): Only when fields are wrong: each field (query parameter or body
                field, dotted when nested) with its messages.
    """

    error: str
    message: str
    request_id: str
    errors: ErrorOutErrorsType0 | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.error_out_errors_type_0 import ErrorOutErrorsType0  # noqa: PLC0415

        error = self.error

        message = self.message

        request_id = self.request_id

        errors: dict[str, Any] | None | Unset
        if isinstance(self.errors, Unset):
            errors = UNSET
        elif isinstance(self.errors, ErrorOutErrorsType0):
            errors = self.errors.to_dict()
        else:
            errors = self.errors

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "error": error,
                "message": message,
                "request_id": request_id,
            }
        )
        if errors is not UNSET:
            field_dict["errors"] = errors

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.error_out_errors_type_0 import ErrorOutErrorsType0  # noqa: PLC0415

        d = dict(src_dict)
        error = d.pop("error")

        message = d.pop("message")

        request_id = d.pop("request_id")

        def _parse_errors(data: object) -> ErrorOutErrorsType0 | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                errors_type_0 = ErrorOutErrorsType0.from_dict(data)

                return errors_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(ErrorOutErrorsType0 | None | Unset, data)

        errors = _parse_errors(d.pop("errors", UNSET))

        error_out = cls(
            error=error,
            message=message,
            request_id=request_id,
            errors=errors,
        )

        error_out.additional_properties = d
        return error_out

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
