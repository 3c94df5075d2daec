"""Which hosts are loopback (emulator/loopback.py)."""

import pytest
from twilio_stream_emulator.loopback import is_loopback

ALL_INTERFACES = "0.0.0.0"  # noqa: S104 - a value under test, nothing listens on it


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.8.0.1", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        (ALL_INTERFACES, False),
        ("::", False),
        ("10.0.0.1", False),
    ],
)
def test_is_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback
