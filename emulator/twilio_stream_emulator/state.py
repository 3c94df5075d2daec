"""What the app's lifespan hands every request (``request.state``; ``scope["state"]`` on the hot path)."""

from typing import TypedDict

from twilio_stream_emulator.accounts import Accounts
from twilio_stream_emulator.store import Store


class State(TypedDict):
    store: Store
    accounts: Accounts
    max_body_bytes: int
