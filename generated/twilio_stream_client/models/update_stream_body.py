from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.stream_update_status import StreamUpdateStatus, check_stream_update_status

T = TypeVar("T", bound="UpdateStreamBody")


@_attrs_define
class UpdateStreamBody:
    """The form body of a stop.

    Attributes:
        status (StreamUpdateStatus): The status to move the Stream to; `stopped` is the only one.
    """

    status: StreamUpdateStatus
    additional_properties: dict[str, str] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        status: str = self.status

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "Status": status,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        # JSON of another shape (a list, a string...) must not reach dict(): dict([["sid", 1]]) succeeds.
        if not isinstance(src_dict, Mapping):
            raise TypeError("expected a JSON object, got " + type(src_dict).__name__)
        d = dict(src_dict)
        status = check_stream_update_status(d.pop("Status"))

        update_stream_body = cls(
            status=status,
        )

        update_stream_body.additional_properties = d
        return update_stream_body

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> str:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: str) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
