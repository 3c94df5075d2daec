"""Contains all the data models used in inputs/outputs"""

from .create_stream_body import CreateStreamBody
from .stream import Stream
from .stream_status import StreamStatus
from .stream_status_callback_method import StreamStatusCallbackMethod
from .stream_track import StreamTrack
from .stream_update_status import StreamUpdateStatus
from .twilio_error import TwilioError
from .update_stream_body import UpdateStreamBody

__all__ = (
    "CreateStreamBody",
    "Stream",
    "StreamStatus",
    "StreamStatusCallbackMethod",
    "StreamTrack",
    "StreamUpdateStatus",
    "TwilioError",
    "UpdateStreamBody",
)
