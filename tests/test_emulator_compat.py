"""Real clients against a real emulator: Twilio's official SDK and our generated client, sync and async.

These prove the emulator speaks Twilio's wire format as clients expect it, error bodies included.
"""

from collections.abc import Iterator

import pytest
from twilio.base.exceptions import TwilioRestException  # type: ignore[import-untyped]
from twilio.rest import Client as TwilioSdkClient  # type: ignore[import-untyped]
from twilio_stream_client import TwilioClient
from twilio_stream_client.api.stream import create_stream, update_stream
from twilio_stream_client.models import CreateStreamBody, Stream, TwilioError, UpdateStreamBody

from tests.emulator_server import API_KEY_SECRET, API_KEY_SID, CALL_SID, RunningEmulator, emulator_server

# Real clients against an emulator process.
pytestmark = pytest.mark.slow

URL = "wss://example.com/media"


@pytest.fixture(scope="module")
def server() -> Iterator[RunningEmulator]:
    with emulator_server() as server:
        yield server


@pytest.fixture
def sdk(server: RunningEmulator, monkeypatch: pytest.MonkeyPatch) -> TwilioSdkClient:
    sdk: TwilioSdkClient = server.twilio_sdk(monkeypatch)
    return sdk


def _call(index: int) -> str:
    return f"CA{index:032x}"


# --- Twilio's SDK -------------------------------------------------------------------------------------


def test_sdk_creates_and_stops_by_sid(sdk: TwilioSdkClient) -> None:
    created = sdk.calls(_call(1)).streams.create(url=URL, name="sdk-stream", track="both_tracks")

    stopped = sdk.calls(_call(1)).streams(created.sid).update(status="stopped")

    assert created.sid is not None
    assert created.sid.startswith("MZ")
    assert (created.status, created.name, created.call_sid) == ("in-progress", "sdk-stream", _call(1))
    assert (stopped.sid, stopped.status) == (created.sid, "stopped")
    assert stopped.date_updated is not None


def test_sdk_stops_by_name(sdk: TwilioSdkClient) -> None:
    created = sdk.calls(_call(2)).streams.create(url=URL, name="by-name")

    stopped = sdk.calls(_call(2)).streams("by-name").update(status="stopped")

    assert (stopped.sid, stopped.status) == (created.sid, "stopped")


def test_sdk_with_an_api_key_creates_and_stops(server: RunningEmulator, sdk: TwilioSdkClient) -> None:
    with_key = TwilioSdkClient(API_KEY_SID, API_KEY_SECRET, server.account_sid)
    with_key.api.base_url = server.base_url

    created = with_key.calls(_call(5)).streams.create(url=URL, name="keyed")
    stopped = with_key.calls(_call(5)).streams("keyed").update(status="stopped")

    assert (created.account_sid, stopped.sid, stopped.status) == (server.account_sid, created.sid, "stopped")


def test_sdk_hang_up_stops_the_calls_streams_and_refuses_new_ones(sdk: TwilioSdkClient) -> None:
    first = sdk.calls(_call(6)).streams.create(url=URL, name="first")
    second = sdk.calls(_call(6)).streams.create(url=URL, track="both_tracks")

    call = sdk.calls(_call(6)).update(status="completed")
    by_name = sdk.calls(_call(6)).streams("first").update(status="stopped")
    by_sid = sdk.calls(_call(6)).streams(second.sid).update(status="stopped")
    with pytest.raises(TwilioRestException) as refused:
        sdk.calls(_call(6)).streams.create(url=URL)

    assert (call.sid, call.status) == (_call(6), "completed")
    assert call.date_updated is not None
    assert (by_name.sid, by_name.status, by_sid.sid, by_sid.status) == (first.sid, "stopped", second.sid, "stopped")
    assert by_name.date_updated == by_sid.date_updated == call.date_updated  # stopped by the hang-up
    assert (refused.value.status, refused.value.code) == (400, 21220)


def test_sdk_gets_20003_for_a_wrong_token(server: RunningEmulator) -> None:
    client = TwilioSdkClient(server.account_sid, "wrong-token")
    client.api.base_url = server.base_url

    with pytest.raises(TwilioRestException) as raised:
        client.calls(CALL_SID).streams.create(url=URL)

    assert (raised.value.status, raised.value.code) == (401, 20003)


def test_sdk_gets_20404_for_an_unknown_stream(sdk: TwilioSdkClient) -> None:
    with pytest.raises(TwilioRestException) as raised:
        sdk.calls(CALL_SID).streams("MZ" + "0" * 32).update(status="stopped")

    assert (raised.value.status, raised.value.code) == (404, 20404)


# --- Our generated client -----------------------------------------------------------------------------


def test_client_creates_and_stops_by_sid_and_by_name(server: RunningEmulator) -> None:
    with TwilioClient(*server.auth, base_url=server.base_url) as client:
        created = create_stream.sync(
            server.account_sid, _call(3), client=client, body=CreateStreamBody(url=URL, name="a/b ☃")
        )
        assert isinstance(created, Stream)
        assert isinstance(created.sid, str)
        by_name = update_stream.sync(
            server.account_sid, _call(3), "a/b ☃", client=client, body=UpdateStreamBody(status="stopped")
        )
        by_sid = update_stream.sync(
            server.account_sid, _call(3), created.sid, client=client, body=UpdateStreamBody(status="stopped")
        )

    assert isinstance(by_name, Stream)
    assert isinstance(by_sid, Stream)
    assert (by_name.sid, by_name.status, by_name.name) == (created.sid, "stopped", "a/b ☃")
    assert by_sid.to_dict() == by_name.to_dict()
    assert by_sid.date_updated_datetime is not None
    assert by_sid.date_updated_datetime.utcoffset() is not None


def test_client_sends_a_field_the_contract_does_not_list(server: RunningEmulator) -> None:
    body = CreateStreamBody(url=URL, name="newer")
    body["AudioFormat"] = "audio/x-mulaw"  # a newer <Stream> option: Twilio ignores what it does not know

    with TwilioClient(*server.auth, base_url=server.base_url) as client:
        created = create_stream.sync(server.account_sid, _call(7), client=client, body=body)

    assert isinstance(created, Stream)
    assert (created.name, created.status) == ("newer", "in-progress")


def test_client_gets_twilio_errors(server: RunningEmulator) -> None:
    with TwilioClient(server.account_sid, "wrong-token", base_url=server.base_url) as wrong:
        unauthorized = create_stream.sync(server.account_sid, CALL_SID, client=wrong, body=CreateStreamBody(url=URL))
    with TwilioClient(*server.auth, base_url=server.base_url) as client:
        not_found = update_stream.sync(
            server.account_sid, CALL_SID, "nothing", client=client, body=UpdateStreamBody(status="stopped")
        )
        bad_url = create_stream.sync(server.account_sid, CALL_SID, client=client, body=CreateStreamBody(url="no"))

    assert isinstance(unauthorized, TwilioError)
    assert (unauthorized.status, unauthorized.code) == (401, 20003)
    assert isinstance(not_found, TwilioError)
    assert (not_found.status, not_found.code) == (404, 20404)
    assert isinstance(bad_url, TwilioError)
    assert (bad_url.status, bad_url.code) == (400, 20001)


@pytest.mark.anyio
async def test_async_client_creates_stops_and_gets_errors(server: RunningEmulator) -> None:
    async with TwilioClient(*server.auth, base_url=server.base_url) as client:
        created = await create_stream.asyncio(
            server.account_sid, _call(4), client=client, body=CreateStreamBody(url=URL, name="async")
        )
        assert isinstance(created, Stream)
        assert isinstance(created.sid, str)
        by_name = await update_stream.asyncio(
            server.account_sid, _call(4), "async", client=client, body=UpdateStreamBody(status="stopped")
        )
        by_sid = await update_stream.asyncio(
            server.account_sid, _call(4), created.sid, client=client, body=UpdateStreamBody(status="stopped")
        )
        not_found = await update_stream.asyncio(
            server.account_sid, _call(4), "nothing", client=client, body=UpdateStreamBody(status="stopped")
        )
    async with TwilioClient(server.account_sid, "wrong", base_url=server.base_url) as wrong:
        unauthorized = await create_stream.asyncio(
            server.account_sid, _call(4), client=wrong, body=CreateStreamBody(url=URL)
        )

    assert isinstance(by_name, Stream)
    assert (by_name.sid, by_name.status) == (created.sid, "stopped")
    assert isinstance(by_sid, Stream)
    assert by_sid.to_dict() == by_name.to_dict()
    assert isinstance(not_found, TwilioError)
    assert not_found.code == 20404
    assert isinstance(unauthorized, TwilioError)
    assert unauthorized.code == 20003
