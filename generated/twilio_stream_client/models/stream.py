from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime as _datetime
from datetime import timezone as _timezone
from email.utils import parsedate_to_datetime as _parsedate_to_datetime
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.stream_status import StreamStatus, check_stream_status
from ..types import Unset


def _rfc2822_to_datetime(value: str | None | Unset) -> _datetime | None:
    """Parse an RFC 2822 date, keeping its offset; None when the value is null or unset.

    A date that carries no zone (``-0000``, "no information" in RFC 2822) is read as UTC, so the
    result is always timezone-aware.

    Raises:
        ValueError: the value is not an RFC 2822 date.
    """
    if value is None or isinstance(value, Unset):
        return None
    try:
        parsed = _parsedate_to_datetime(value)
    except (ValueError, TypeError, IndexError, OverflowError) as exc:
        # The standard library lets some malformed dates out as other exceptions (a year too large
        # raises OverflowError); callers get the one exception this property documents.
        raise ValueError(f"not an RFC 2822 date: {value!r}") from exc
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=_timezone.utc)


T = TypeVar("T", bound="Stream")


@_attrs_define
class Stream:
    """A uni-directional Media Stream of a call.

    Attributes:
        sid (None | str): The SID of the Stream resource.
        account_sid (None | str): The SID of the [Account](https://www.twilio.com/docs/iam/api/account) that created
            this Stream resource.
        call_sid (None | str): The SID of the [Call](https://www.twilio.com/docs/voice/api/call-resource) the Stream
            resource is associated with.
        name (None | str): The user-specified name of this Stream, if one was given when the Stream was created. This
            can be used to stop the Stream.
        status (StreamStatus): The status of the Stream. Possible values are `stopped` and `in-progress`.
        date_updated (None | str): The date and time in GMT that this resource was last updated, specified in [RFC
            2822](https://www.ietf.org/rfc/rfc2822.txt) format.
        uri (None | str): The URI of the resource, relative to `https://api.twilio.com`.
    """

    sid: None | str
    account_sid: None | str
    call_sid: None | str
    name: None | str
    status: StreamStatus
    date_updated: None | str
    uri: None | str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    @property
    def date_updated_datetime(self) -> _datetime | None:
        """``date_updated`` as a timezone-aware datetime that keeps the offset; None when null.

        The raw RFC 2822 string stays in ``date_updated``.

        Raises:
            ValueError: ``date_updated`` is not an RFC 2822 date.
        """
        return _rfc2822_to_datetime(self.date_updated)

    def to_dict(self) -> dict[str, Any]:
        sid: None | str
        sid = self.sid

        account_sid: None | str
        account_sid = self.account_sid

        call_sid: None | str
        call_sid = self.call_sid

        name: None | str
        name = self.name

        status: str = self.status

        date_updated: None | str
        date_updated = self.date_updated

        uri: None | str
        uri = self.uri

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "sid": sid,
                "account_sid": account_sid,
                "call_sid": call_sid,
                "name": name,
                "status": status,
                "date_updated": date_updated,
                "uri": uri,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        # JSON of another shape (a list, a string...) must not reach dict(): dict([["sid", 1]]) succeeds.
        if not isinstance(src_dict, Mapping):
            raise TypeError("expected a JSON object, got " + type(src_dict).__name__)
        d = dict(src_dict)

        def _parse_sid(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        sid = _parse_sid(d.pop("sid"))

        if not isinstance(sid, None | str):
            raise TypeError("sid: expected null or a string, got " + type(sid).__name__)

        def _parse_account_sid(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        account_sid = _parse_account_sid(d.pop("account_sid"))

        if not isinstance(account_sid, None | str):
            raise TypeError("account_sid: expected null or a string, got " + type(account_sid).__name__)

        def _parse_call_sid(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        call_sid = _parse_call_sid(d.pop("call_sid"))

        if not isinstance(call_sid, None | str):
            raise TypeError("call_sid: expected null or a string, got " + type(call_sid).__name__)

        def _parse_name(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        name = _parse_name(d.pop("name"))

        if not isinstance(name, None | str):
            raise TypeError("name: expected null or a string, got " + type(name).__name__)

        status = check_stream_status(d.pop("status"))

        def _parse_date_updated(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        date_updated = _parse_date_updated(d.pop("date_updated"))

        if not isinstance(date_updated, None | str):
            raise TypeError("date_updated: expected null or a string, got " + type(date_updated).__name__)

        def _parse_uri(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        uri = _parse_uri(d.pop("uri"))

        if not isinstance(uri, None | str):
            raise TypeError("uri: expected null or a string, got " + type(uri).__name__)

        stream = cls(
            sid=sid,
            account_sid=account_sid,
            call_sid=call_sid,
            name=name,
            status=status,
            date_updated=date_updated,
            uri=uri,
        )

        stream.additional_properties = d
        return stream

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
