from typing import Literal

StreamStatus = Literal["in-progress", "stopped"]

STREAM_STATUS_VALUES: set[StreamStatus] = {
    "in-progress",
    "stopped",
}


def check_stream_status(value: str) -> StreamStatus:
    if value in STREAM_STATUS_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {STREAM_STATUS_VALUES!r}")
