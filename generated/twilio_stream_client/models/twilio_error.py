from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="TwilioError")


@_attrs_define
class TwilioError:
    """The error body of every error answer of Twilio's REST API, 4xx and 5xx alike.

    Attributes:
        code (int): Twilio's error code, e.g. 20404; `more_info` explains it.
        message (str): What went wrong, for a person.
        more_info (str): A page of Twilio's documentation about this error code.
        status (int): The HTTP status code of the answer.
        detail (str | Unset): More about the error, when Twilio has more to say.
    """

    code: int
    message: str
    more_info: str
    status: int
    detail: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        code = self.code

        message = self.message

        more_info = self.more_info

        status = self.status

        detail = self.detail

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "code": code,
                "message": message,
                "more_info": more_info,
                "status": status,
            }
        )
        if detail is not UNSET:
            field_dict["detail"] = detail

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        # JSON of another shape (a list, a string...) must not reach dict(): dict([["sid", 1]]) succeeds.
        if not isinstance(src_dict, Mapping):
            raise TypeError("expected a JSON object, got " + type(src_dict).__name__)
        d = dict(src_dict)
        code = d.pop("code")
        if isinstance(code, float) and code.is_integer():
            # JSON Schema counts 404.0 as an integer; the model holds the int.
            code = int(code)
        if isinstance(code, bool) or not isinstance(code, int):
            raise TypeError("code: expected an integer, got " + type(code).__name__)

        message = d.pop("message")
        if not isinstance(message, str):
            raise TypeError("message: expected a string, got " + type(message).__name__)

        more_info = d.pop("more_info")
        if not isinstance(more_info, str):
            raise TypeError("more_info: expected a string, got " + type(more_info).__name__)

        status = d.pop("status")
        if isinstance(status, float) and status.is_integer():
            # JSON Schema counts 404.0 as an integer; the model holds the int.
            status = int(status)
        if isinstance(status, bool) or not isinstance(status, int):
            raise TypeError("status: expected an integer, got " + type(status).__name__)

        detail = d.pop("detail", UNSET)
        if not isinstance(detail, str | Unset):
            raise TypeError("detail: expected a string, got " + type(detail).__name__)

        twilio_error = cls(
            code=code,
            message=message,
            more_info=more_info,
            status=status,
            detail=detail,
        )

        twilio_error.additional_properties = d
        return twilio_error

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
