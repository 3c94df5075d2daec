from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..models.stream_update_status import StreamUpdateStatus, check_stream_update_status

T = TypeVar("T", bound="UpdateStreamBody")


@_attrs_define
class UpdateStreamBody:
    """The form body of a stop.

    Attributes:
        status (StreamUpdateStatus): The status to move the Stream to; `stopped` is the only one.
    """

    status: StreamUpdateStatus

    def to_dict(self) -> dict[str, Any]:
        status: str = self.status

        field_dict: dict[str, Any] = {}

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

        return update_stream_body
