from typing import Literal

StreamUpdateStatus = Literal["stopped"]

STREAM_UPDATE_STATUS_VALUES: set[StreamUpdateStatus] = {
    "stopped",
}


def check_stream_update_status(value: str) -> StreamUpdateStatus:
    if value in STREAM_UPDATE_STATUS_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {STREAM_UPDATE_STATUS_VALUES!r}")
