from typing import Literal

StreamStatusCallbackMethod = Literal["GET", "POST"]

STREAM_STATUS_CALLBACK_METHOD_VALUES: set[StreamStatusCallbackMethod] = {
    "GET",
    "POST",
}


def check_stream_status_callback_method(value: str) -> StreamStatusCallbackMethod:
    if value in STREAM_STATUS_CALLBACK_METHOD_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {STREAM_STATUS_CALLBACK_METHOD_VALUES!r}")
