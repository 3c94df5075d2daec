"""A test kit for what a Media Stream does outside the REST API: the app's side of it.

- ``MediaReceiver``: a local WebSocket server that records every Media Stream sent to it
  (``ReceivedStream``: the upgrade request, each ``ReceivedMessage``, the close), with fault behaviours;
- ``StatusCallbackRecorder``: a local HTTP endpoint that records every status callback
  (``RecordedCallback``: method, parameters, signature), answering 200, another status, or nothing;
- ``LocalServer``: the server both run on (uvicorn in a daemon thread), which they may share so that one
  port, and so one tunnel, serves both.

All are sync context managers, usable from plain pytest tests: each server runs its own asyncio loop in
a background thread, and every wait takes a timeout. Signatures are checked with
``twilio_stream_emulator.signature``, the module the emulator signs with.
"""

from twilio_stream_emulator.testing.local_server import LocalServer
from twilio_stream_emulator.testing.media_receiver import MediaReceiver, ReceivedMessage, ReceivedStream
from twilio_stream_emulator.testing.status_callbacks import RecordedCallback, StatusCallbackRecorder

__all__ = [
    "LocalServer",
    "MediaReceiver",
    "ReceivedMessage",
    "ReceivedStream",
    "RecordedCallback",
    "StatusCallbackRecorder",
]
