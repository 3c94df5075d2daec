"""Contains all the data models used in inputs/outputs

Models are imported on first use: a program that only stops Streams never builds ``CreateStreamBody``,
whose 198 custom-parameter fields cost a few milliseconds of import time.
"""

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .create_stream_body import CreateStreamBody
    from .stream import Stream
    from .stream_status import StreamStatus
    from .stream_status_callback_method import StreamStatusCallbackMethod
    from .stream_track import StreamTrack
    from .stream_update_status import StreamUpdateStatus
    from .twilio_error import TwilioError
    from .update_stream_body import UpdateStreamBody

# Model name -> the module that defines it.
_MODULES = {
    "CreateStreamBody": ".create_stream_body",
    "Stream": ".stream",
    "StreamStatus": ".stream_status",
    "StreamStatusCallbackMethod": ".stream_status_callback_method",
    "StreamTrack": ".stream_track",
    "StreamUpdateStatus": ".stream_update_status",
    "TwilioError": ".twilio_error",
    "UpdateStreamBody": ".update_stream_body",
}


# Hidden from type checkers: a module-level __getattr__ would make them accept any name (a typo included),
# where the imports above give them the real models.
if not TYPE_CHECKING:

    def __getattr__(name: str) -> Any:
        if name not in _MODULES:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(_MODULES[name], __name__), name)
        globals()[name] = value  # later lookups skip __getattr__
        return value

    def __dir__() -> list[str]:
        return sorted(__all__)


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
