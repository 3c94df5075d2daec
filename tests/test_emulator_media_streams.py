"""Streams that stream: a real emulator opens the Media Stream, speaks Twilio's protocol, stops it, reports it.

End to end, with Twilio's SDK and with our client: a local WebSocket server (the test kit's
MediaReceiver) receives what the emulator sends and a local endpoint records the status callbacks.
Every message is validated against the AsyncAPI document; every signature by Twilio's RequestValidator.
"""

import time
from collections.abc import Iterator

import httpx
import jsonschema_rs
import pytest
import twilio_stream_contract as contract
from twilio.request_validator import RequestValidator  # type: ignore[import-untyped]
from twilio.rest import Client as TwilioSdkClient  # type: ignore[import-untyped]
from twilio_stream_client import TwilioClient
from twilio_stream_client.api.stream import create_stream, update_stream
from twilio_stream_client.models import CreateStreamBody, Stream, UpdateStreamBody
from twilio_stream_contract import callbacks
from twilio_stream_contract import media as media_contract
from twilio_stream_emulator.media.audio import INBOUND_TONE_HZ, OUTBOUND_TONE_HZ, decode_mulaw, dominant_frequency
from twilio_stream_emulator.testing import MediaReceiver, ReceivedStream, StatusCallbackRecorder

from tests.emulator_server import AUTH_TOKEN, RunningEmulator, emulator_server

# Runs the emulator and its Media Streams end to end, in processes and threads of their own.
pytestmark = pytest.mark.slow

VALIDATORS = {
    event: jsonschema_rs.validator_for(dict(schema)) for event, schema in media_contract.MESSAGE_SCHEMAS.items()
}
TONES = {"inbound": INBOUND_TONE_HZ, "outbound": OUTBOUND_TONE_HZ}
WAIT_S = 10.0
# Enough media to hear a tone (50 frames: one second).
FRAMES = 50


@pytest.fixture(scope="module")
def server() -> Iterator[RunningEmulator]:
    with emulator_server(media=True) as server:
        yield server


@pytest.fixture
def receiver() -> Iterator[MediaReceiver]:
    with MediaReceiver() as receiver:
        yield receiver


@pytest.fixture
def recorder() -> Iterator[StatusCallbackRecorder]:
    with StatusCallbackRecorder() as recorder:
        yield recorder


@pytest.fixture
def sdk(server: RunningEmulator, monkeypatch: pytest.MonkeyPatch) -> TwilioSdkClient:
    sdk: TwilioSdkClient = server.twilio_sdk(monkeypatch)
    return sdk


def wait_for_log(server: RunningEmulator, text: str, timeout: float = WAIT_S) -> None:
    """Until the emulator's log holds ``text``: it writes a Stream's lines as they happen."""
    deadline = time.monotonic() + timeout
    while text not in server.log():
        assert time.monotonic() < deadline, f"{text!r} not logged within {timeout} s"
        time.sleep(0.02)


def call() -> str:
    return contract.new_sid(contract.CALL_SID)


def valid_messages(stream: ReceivedStream) -> list[dict[str, object]]:
    """Every message of the stream, each checked against its schema of the AsyncAPI document."""
    parsed = []
    for message in stream.messages:
        assert isinstance(message.json, dict), message.text
        VALIDATORS[str(message.json["event"])].validate(message.json)
        parsed.append(message.json)
    return parsed


def assert_protocol(stream: ReceivedStream, tracks: tuple[str, ...]) -> None:
    """The exact sequence of a stopped Stream: connected, start, media on exactly these tracks, stop."""
    messages = valid_messages(stream)
    events = [message["event"] for message in messages]
    assert events[:2] == [media_contract.CONNECTED, media_contract.START]
    assert events[-1] == media_contract.STOP
    assert set(events[2:-1]) == {media_contract.MEDIA}
    numbered = messages[1:]
    assert [int(str(message["sequenceNumber"])) for message in numbered] == list(range(1, len(numbered) + 1))
    media = [message["media"] for message in messages[2:-1]]
    for track in tracks:
        of_track = [item for item in media if isinstance(item, dict) and item["track"] == track]
        assert [int(item["chunk"]) for item in of_track] == list(range(1, len(of_track) + 1))
        assert [int(item["timestamp"]) for item in of_track] == [20 * n for n in range(len(of_track))]
    assert {item["track"] for item in media if isinstance(item, dict)} == set(tracks)
    assert stream.close_code == 1000


def assert_heard_the_tones(stream: ReceivedStream, tracks: tuple[str, ...]) -> None:
    for track in tracks:
        heard = dominant_frequency(decode_mulaw(stream.audio(track)))
        assert abs(heard - TONES[track]) < 5, (track, heard)


def assert_signed_upgrade(stream: ReceivedStream) -> None:
    signature = stream.headers[callbacks.SIGNATURE_HEADER.lower()]
    assert RequestValidator(AUTH_TOKEN).validate(stream.url_as_seen, {}, signature)


# --- Twilio's SDK ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("track", sorted(contract.TRACKS_OF))
def test_sdk_create_streams_every_track_and_a_stop_by_sid_ends_it(
    sdk: TwilioSdkClient, receiver: MediaReceiver, recorder: StatusCallbackRecorder, track: str
) -> None:
    parameters = {f"parameter{n}_name": f"name-{n}-☃" for n in range(1, 100)}
    parameters |= {f"parameter{n}_value": f"value {n}" for n in range(1, 100)}
    created = sdk.calls(call()).streams.create(
        url=receiver.url, track=track, status_callback=recorder.url, **parameters
    )

    stream = receiver.stream(created.sid, timeout=WAIT_S)
    stream.wait_for(media_contract.MEDIA, count=FRAMES * len(contract.TRACKS_OF[track]), timeout=WAIT_S)
    stopped = sdk.calls(created.call_sid).streams(created.sid).update(status="stopped")
    stream.wait_closed(timeout=WAIT_S)

    tracks = contract.TRACKS_OF[track]
    assert stopped.status == contract.STOPPED
    assert_protocol(stream, tracks)
    assert stream.start is not None
    start = stream.start["start"]
    assert (start["streamSid"], start["accountSid"], start["callSid"]) == (
        created.sid,
        created.account_sid,
        created.call_sid,
    )
    assert start["customParameters"] == {f"name-{n}-☃": f"value {n}" for n in range(1, 100)}
    assert list(start["customParameters"]) == [f"name-{n}-☃" for n in range(1, 100)]
    assert_heard_the_tones(stream, tracks)
    assert_signed_upgrade(stream)
    for event in (callbacks.STREAM_STARTED, callbacks.STREAM_STOPPED):
        callback = recorder.wait_for(stream_sid=created.sid, event=event, timeout=WAIT_S)
        assert callback.method == "POST"
        assert RequestValidator(AUTH_TOKEN).validate(callback.url, callback.params, callback.signature)
        assert callback.params["StreamName"] == created.sid  # no name: the SID
        assert (callback.params["AccountSid"], callback.params["CallSid"]) == (created.account_sid, created.call_sid)


def test_sdk_stop_by_name_ends_the_stream_and_get_callbacks_are_signed_urls(
    sdk: TwilioSdkClient, receiver: MediaReceiver, recorder: StatusCallbackRecorder
) -> None:
    created = sdk.calls(call()).streams.create(
        url=receiver.url, name="agent", status_callback=recorder.url, status_callback_method="GET"
    )
    stream = receiver.stream(created.sid, timeout=WAIT_S)
    stream.wait_for(media_contract.MEDIA, timeout=WAIT_S)

    sdk.calls(created.call_sid).streams("agent").update(status="stopped")

    stream.wait_closed(timeout=WAIT_S)
    assert_protocol(stream, ("inbound",))
    stopped = recorder.wait_for(stream_sid=created.sid, event=callbacks.STREAM_STOPPED, timeout=WAIT_S)
    assert stopped.method == "GET"
    assert stopped.params["StreamName"] == "agent"
    assert RequestValidator(AUTH_TOKEN).validate(stopped.url, {}, stopped.signature)


def test_sdk_hang_up_ends_the_media_of_the_calls_streams(sdk: TwilioSdkClient, receiver: MediaReceiver) -> None:
    call_sid = call()
    tracks = ("inbound_track", "outbound_track")
    created = [sdk.calls(call_sid).streams.create(url=receiver.url, track=track) for track in tracks]
    streams = [receiver.stream(stream.sid, timeout=WAIT_S) for stream in created]
    for stream in streams:
        stream.wait_for(media_contract.MEDIA, timeout=WAIT_S)

    sdk.calls(call_sid).update(status="completed")

    for stream, track in zip(streams, tracks, strict=True):
        stream.wait_closed(timeout=WAIT_S)
        assert_protocol(stream, contract.TRACKS_OF[track])


# --- Our client -----------------------------------------------------------------------------------------


def test_client_create_and_stop_by_name_streams_and_ends(server: RunningEmulator, receiver: MediaReceiver) -> None:
    call_sid = call()
    with TwilioClient(*server.auth, base_url=server.base_url) as client:
        body = CreateStreamBody(url=receiver.url, name="a/b ☃", track="both_tracks", parameter_1_name="customer")
        created = create_stream.sync(server.account_sid, call_sid, client=client, body=body)
        assert isinstance(created, Stream)
        assert isinstance(created.sid, str)
        stream = receiver.stream(created.sid, timeout=WAIT_S)
        stream.wait_for(media_contract.MEDIA, count=2 * FRAMES, timeout=WAIT_S)
        stopped = update_stream.sync(
            server.account_sid, call_sid, "a/b ☃", client=client, body=UpdateStreamBody(status="stopped")
        )

    stream.wait_closed(timeout=WAIT_S)
    assert isinstance(stopped, Stream)
    assert stopped.sid == created.sid
    assert_protocol(stream, ("inbound", "outbound"))
    assert stream.start is not None
    assert stream.start["start"]["customParameters"] == {"customer": ""}
    assert_heard_the_tones(stream, ("inbound", "outbound"))


# --- Faults ---------------------------------------------------------------------------------------------


def _create(server: RunningEmulator, **form: str) -> dict[str, object]:
    response = httpx.post(
        server.base_url + contract.streams_path(server.account_sid, call()), data=form, auth=server.auth, timeout=10
    )
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


@pytest.mark.parametrize(
    ("url_of", "code"),
    [
        (lambda receiver: "ws://127.0.0.1:1/media", 31902),  # nobody listens
        (lambda receiver: receiver.url.replace("ws://", "wss://"), 31910),  # no TLS there
        (lambda receiver: receiver.url.replace("ws://", "https://"), 31922),  # not a WebSocket scheme
        (lambda receiver: "wss://example.com/media", 31901),  # beyond loopback
    ],
    ids=["refused", "no-tls", "scheme", "not-loopback"],
)
def test_a_stream_that_cannot_dial_reports_stream_error_and_ends_stopped(
    server: RunningEmulator, receiver: MediaReceiver, recorder: StatusCallbackRecorder, url_of: object, code: int
) -> None:
    url = url_of(receiver)  # type: ignore[operator]
    created = _create(server, Url=url, Name="failing", StatusCallback=recorder.url)

    error = recorder.wait_for(stream_sid=str(created["sid"]), event=callbacks.STREAM_ERROR, timeout=WAIT_S)

    assert error.params["StreamError"].startswith(f"{code} ")
    assert [c.event for c in recorder.callbacks() if c.stream_sid == created["sid"]] == [callbacks.STREAM_ERROR]
    assert f"media {created['sid']} error {code}" in server.log()
    # It ended stopped: its name is free again on its call.
    again = httpx.post(
        server.base_url + contract.streams_path(server.account_sid, str(created["call_sid"])),
        data={"Url": url, "Name": "failing"},
        auth=server.auth,
    )
    assert again.status_code == 200, again.text


def test_a_handshake_that_is_no_101_is_31920() -> None:
    with (
        emulator_server(media=True) as server,
        MediaReceiver(reject_status=404) as receiver,
        StatusCallbackRecorder() as recorder,
    ):
        created = _create(server, Url=receiver.url, StatusCallback=recorder.url)

        error = recorder.wait_for(stream_sid=str(created["sid"]), event=callbacks.STREAM_ERROR, timeout=WAIT_S)

    assert error.params["StreamError"].startswith("31920 ")
    assert "404" in error.params["StreamError"]


def test_an_app_that_closes_ends_the_stream_with_31921(
    server: RunningEmulator, recorder: StatusCallbackRecorder
) -> None:
    with MediaReceiver(close_after=3) as receiver:
        created = _create(server, Url=receiver.url, StatusCallback=recorder.url)
        error = recorder.wait_for(stream_sid=str(created["sid"]), event=callbacks.STREAM_ERROR, timeout=WAIT_S)
        stopped = recorder.wait_for(stream_sid=str(created["sid"]), event=callbacks.STREAM_STOPPED, timeout=WAIT_S)

    assert error.params["StreamError"].startswith("31921 ")
    assert error.at <= stopped.at
    path = contract.stream_uri(server.account_sid, str(created["call_sid"]), str(created["sid"]))
    again = httpx.post(server.base_url + path, data=dict(contract.STOP_FORM), auth=server.auth).json()
    assert again["status"] == contract.STOPPED


def test_an_app_that_never_reads_loses_audio_but_not_its_stop(server: RunningEmulator) -> None:
    with MediaReceiver(stop_reading=True) as receiver, MediaReceiver() as reading:
        created = _create(server, Url=receiver.url)
        receiver.next_stream(timeout=WAIT_S)  # connected, and never read
        other = _create(server, Url=reading.url)
        path = contract.stream_uri(server.account_sid, str(created["call_sid"]), str(created["sid"]))

        stopped = httpx.post(server.base_url + path, data=dict(contract.STOP_FORM), auth=server.auth, timeout=10)

        # Another Stream streams on meanwhile: the one that is not read holds up nothing.
        assert (
            len(
                reading.stream(str(other["sid"]), timeout=WAIT_S).wait_for(
                    media_contract.MEDIA, count=FRAMES, timeout=WAIT_S
                )
            )
            >= FRAMES
        )
    assert stopped.status_code == 200
    assert stopped.json()["status"] == contract.STOPPED


def test_a_slow_or_failing_callback_endpoint_never_delays_the_media(
    server: RunningEmulator, receiver: MediaReceiver
) -> None:
    with StatusCallbackRecorder(hang=True) as hanging, StatusCallbackRecorder(status=500) as failing:
        slow = _create(server, Url=receiver.url, StatusCallback=hanging.url)
        broken = _create(server, Url=receiver.url, StatusCallback=failing.url)

        for created in (slow, broken):
            stream = receiver.stream(str(created["sid"]), timeout=WAIT_S)
            assert len(stream.wait_for(media_contract.MEDIA, count=FRAMES, timeout=WAIT_S)) >= FRAMES


def test_the_access_log_records_each_streams_dial_start_and_stop_and_no_credential(
    server: RunningEmulator, receiver: MediaReceiver
) -> None:
    created = _create(server, Url=receiver.url.replace("ws://", "ws://user:secret@") + "?token=hidden")
    stream = receiver.stream(str(created["sid"]), timeout=WAIT_S)
    stream.wait_for(media_contract.MEDIA, timeout=WAIT_S)
    path = contract.stream_uri(server.account_sid, str(created["call_sid"]), str(created["sid"]))
    httpx.post(server.base_url + path, data=dict(contract.STOP_FORM), auth=server.auth)
    stream.wait_closed(timeout=WAIT_S)
    wait_for_log(server, f"media {created['sid']} stop")

    lines = [line for line in server.log().splitlines() if str(created["sid"]) in line]
    assert [line.split(f"media {created['sid']} ")[1].split(" ")[0] for line in lines if " media " in line] == [
        "dial",
        "start",
        "stop",
    ]
    assert not any("secret" in line or "hidden" in line or AUTH_TOKEN in line for line in server.log().splitlines())


def test_no_message_arrives_after_stop(server: RunningEmulator, receiver: MediaReceiver) -> None:
    created = _create(server, Url=receiver.url, Track="both_tracks")
    stream = receiver.stream(str(created["sid"]), timeout=WAIT_S)
    stream.wait_for(media_contract.MEDIA, count=10, timeout=WAIT_S)
    path = contract.stream_uri(server.account_sid, str(created["call_sid"]), str(created["sid"]))

    httpx.post(server.base_url + path, data=dict(contract.STOP_FORM), auth=server.auth)

    stream.wait_closed(timeout=WAIT_S)
    events = stream.events()
    assert events.count(media_contract.STOP) == 1
    assert events[-1] == media_contract.STOP
    assert stream.messages[-1].json["stop"]["callSid"] == created["call_sid"]
