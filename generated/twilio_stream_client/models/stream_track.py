from typing import Literal

StreamTrack = Literal["both_tracks", "inbound_track", "outbound_track"]

STREAM_TRACK_VALUES: set[StreamTrack] = {
    "both_tracks",
    "inbound_track",
    "outbound_track",
}


def check_stream_track(value: str) -> StreamTrack:
    if value in STREAM_TRACK_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {STREAM_TRACK_VALUES!r}")
