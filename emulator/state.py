"""What the app's lifespan hands every request (``request.state``; ``scope["state"]`` on the hot path)."""

from typing import TypedDict

from emulator.accounts import Accounts
from emulator.store import Store


class State(TypedDict):
    store: Store
    accounts: Accounts
    max_body_bytes: int
