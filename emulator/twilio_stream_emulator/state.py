"""What the app's lifespan hands every request (``request.state``; ``scope["state"]`` on the hot path)."""

from typing import TypedDict

from twilio_stream_emulator.media.streams import MediaStreams
from twilio_stream_emulator.settings import Settings
from twilio_stream_emulator.store import Store


class State(TypedDict):
    store: Store
    settings: Settings
    media: MediaStreams
