"""Which Urls the emulator dials, and what a refused one is (emulator/media/dial.py)."""

import pytest
from twilio_stream_emulator import errors
from twilio_stream_emulator.media.dial import DialFailed, DialPolicy, loggable, target

LOOPBACK_ONLY, ANY_HOST = DialPolicy(), DialPolicy(any_host=True)


@pytest.mark.parametrize(
    ("url", "dialed"),
    [
        ("ws://127.0.0.1:8765/media", "ws://127.0.0.1:8765/media"),
        ("wss://localhost/media?token=x&a=b", "wss://localhost/media"),  # Twilio connects without the query
        ("ws://[::1]:9/", "ws://[::1]:9/"),
        ("WSS://127.0.0.2", "wss://127.0.0.2/"),
    ],
)
def test_a_loopback_url_is_dialed_without_its_query(url: str, dialed: str) -> None:
    assert target(url, LOOPBACK_ONLY) == dialed


@pytest.mark.parametrize(
    ("url", "failure"),
    [
        ("https://127.0.0.1/media", errors.STREAM_SCHEME),
        ("http://127.0.0.1/media", errors.STREAM_SCHEME),
        ("a:b", errors.STREAM_SCHEME),
        ("wss:///media", errors.STREAM_MALFORMED_URL),
        ("wss://[::1/media", errors.STREAM_MALFORMED_URL),
        ("wss://example.com/media", errors.STREAM_TIMEOUT),
        ("wss://10.0.0.1/media", errors.STREAM_TIMEOUT),
    ],
)
def test_a_url_the_emulator_does_not_dial_is_a_twilio_stream_error(url: str, failure: errors.StreamFailure) -> None:
    with pytest.raises(DialFailed) as refused:
        target(url, LOOPBACK_ONLY)

    assert refused.value.failure is failure
    assert str(refused.value).startswith(f"{failure.code} {failure.name}: ")


def test_dial_any_host_reaches_beyond_loopback() -> None:
    assert target("wss://example.com/media", ANY_HOST) == "wss://example.com/media"


def test_the_refusal_says_how_to_widen_it() -> None:
    with pytest.raises(DialFailed, match="--dial-any-host"):
        target("wss://example.com/media", LOOPBACK_ONLY)


@pytest.mark.parametrize(
    ("url", "logged"),
    [
        ("wss://user:secret@127.0.0.1:9/media?token=t", "wss://127.0.0.1:9/media"),
        ("ws://127.0.0.1/", "ws://127.0.0.1/"),
        ("wss://[::1/broken", "<malformed Url>"),
    ],
)
def test_a_logged_url_has_no_credential_and_no_query(url: str, logged: str) -> None:
    assert loggable(url) == logged
