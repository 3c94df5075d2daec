"""What the generated client puts on the wire, recorded through httpx.MockTransport.

Both operations, sync and async: method, path (with the Stream name percent-encoded), basic auth of
`sid:token`, form content type and Twilio's form field names.
"""

import asyncio
import base64
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote

import httpx
import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from twilio_stream_client import TwilioClient
from twilio_stream_client.api.stream import create_stream, update_stream
from twilio_stream_client.models import CreateStreamBody, UpdateStreamBody

ACCOUNT_SID = "AC0123456789abcdef0123456789abcdef"
CALL_SID = "CA0123456789abcdef0123456789abcdef"
STREAM_SID = "MZ0123456789abcdef0123456789abcdef"
AUTH_TOKEN = "0123456789abcdef0123456789abcdef"
STREAMS_PATH = f"/2010-04-01/Accounts/{ACCOUNT_SID}/Calls/{CALL_SID}/Streams"
AUTHORIZATION = "Basic " + base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()

CONTRACT = Path(__file__).resolve().parent.parent / "openapi.yaml"
STREAM_EXAMPLE: dict[str, Any] = yaml.safe_load(CONTRACT.read_text(encoding="utf-8"))["components"]["responses"][
    "StreamStopped"
]["content"]["application/json"]["examples"]["stopped"]["value"]

# A sync and an async caller of each operation, so that every wire test runs both ways.
Stop = Callable[[TwilioClient, str], object]
Create = Callable[[TwilioClient, CreateStreamBody], object]


def _stop_sync(client: TwilioClient, sid: str) -> object:
    return update_stream.sync(ACCOUNT_SID, CALL_SID, sid, client=client, body=UpdateStreamBody(status="stopped"))


def _stop_async(client: TwilioClient, sid: str) -> object:
    body = UpdateStreamBody(status="stopped")
    return asyncio.run(update_stream.asyncio(ACCOUNT_SID, CALL_SID, sid, client=client, body=body))


def _create_sync(client: TwilioClient, body: CreateStreamBody) -> object:
    return create_stream.sync(ACCOUNT_SID, CALL_SID, client=client, body=body)


def _create_async(client: TwilioClient, body: CreateStreamBody) -> object:
    return asyncio.run(create_stream.asyncio(ACCOUNT_SID, CALL_SID, client=client, body=body))


STOPS = pytest.mark.parametrize("stop", [_stop_sync, _stop_async], ids=["sync", "async"])
CREATES = pytest.mark.parametrize("create", [_create_sync, _create_async], ids=["sync", "async"])


class Recorder:
    """A transport that answers every request with the seed's Stream and keeps the requests."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.requests.append(request)
        return httpx.Response(200, json=STREAM_EXAMPLE)

    @property
    def only(self) -> httpx.Request:
        assert len(self.requests) == 1
        return self.requests[0]


def _client(recorder: Recorder, **kwargs: Any) -> TwilioClient:
    return TwilioClient(ACCOUNT_SID, AUTH_TOKEN, httpx_args={"transport": httpx.MockTransport(recorder)}, **kwargs)


def _form(request: httpx.Request) -> dict[str, list[str]]:
    return parse_qs(request.content.decode("ascii"), keep_blank_values=True, strict_parsing=True)


def _last_segment(request: httpx.Request) -> str:
    raw_path = request.url.raw_path.decode("ascii")
    assert raw_path.startswith(STREAMS_PATH + "/")
    assert raw_path.endswith(".json")
    return raw_path.removeprefix(STREAMS_PATH + "/").removesuffix(".json")


@STOPS
def test_update_stream_posts_status_stopped_to_the_stream(stop: Stop) -> None:
    recorder = Recorder()

    stop(_client(recorder), STREAM_SID)

    request = recorder.only
    assert request.method == "POST"
    assert str(request.url) == f"https://api.twilio.com{STREAMS_PATH}/{STREAM_SID}.json"
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert request.content == b"Status=stopped"


@STOPS
def test_update_stream_signs_with_basic_auth_of_sid_and_token(stop: Stop) -> None:
    recorder = Recorder()

    stop(_client(recorder), STREAM_SID)

    assert recorder.only.headers["Authorization"] == AUTHORIZATION


def test_clients_sharing_httpx_args_sign_with_their_own_credentials() -> None:
    recorder = Recorder()
    shared_args: dict[str, Any] = {"transport": httpx.MockTransport(recorder)}
    other_sid, other_token = "AC" + "f" * 32, "another-token"

    for sid, token in ((ACCOUNT_SID, AUTH_TOKEN), (other_sid, other_token)):
        client = TwilioClient(sid, token, httpx_args=shared_args)
        update_stream.sync(sid, CALL_SID, STREAM_SID, client=client, body=UpdateStreamBody(status="stopped"))

    credentials = [base64.b64decode(r.headers["Authorization"].removeprefix("Basic ")) for r in recorder.requests]
    assert credentials == [f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode(), f"{other_sid}:{other_token}".encode()]
    assert list(shared_args) == ["transport"], "the caller's httpx_args must not be changed"


@STOPS
@pytest.mark.parametrize(
    ("name", "segment"),
    [
        ("my-stream", "my-stream"),
        ("a/b", "a%2Fb"),
        ("my stream", "my%20stream"),
        ("why?", "why%3F"),
        ("#1", "%231"),
        ("100%", "100%25"),
        ("Straße", "Stra%C3%9Fe"),
        ("..", ".."),
    ],
)
def test_update_stream_percent_encodes_the_name(stop: Stop, name: str, segment: str) -> None:
    recorder = Recorder()

    stop(_client(recorder), name)

    assert _last_segment(recorder.only) == segment


@given(name=st.text(min_size=1))
def test_update_stream_path_decodes_back_to_any_name(name: str) -> None:
    recorder = Recorder()

    _stop_sync(_client(recorder), name)

    segment = _last_segment(recorder.only)
    assert "/" not in segment
    assert unquote(segment, errors="strict") == name


@CREATES
def test_create_stream_posts_only_the_fields_set_under_twilios_names(create: Create) -> None:
    recorder = Recorder()
    body = CreateStreamBody(
        url="wss://example.com/media",
        name="my-stream",
        track="both_tracks",
        status_callback="https://example.com/status",
        status_callback_method="GET",
        parameter_1_name="customer",
        parameter_1_value="42",
    )

    create(_client(recorder), body)

    request = recorder.only
    assert request.method == "POST"
    assert str(request.url) == f"https://api.twilio.com{STREAMS_PATH}.json"
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert _form(request) == {
        "Url": ["wss://example.com/media"],
        "Name": ["my-stream"],
        "Track": ["both_tracks"],
        "StatusCallback": ["https://example.com/status"],
        "StatusCallbackMethod": ["GET"],
        "Parameter1.Name": ["customer"],
        "Parameter1.Value": ["42"],
    }


@CREATES
def test_create_stream_leaves_twilios_defaults_to_the_server(create: Create) -> None:
    # Track and StatusCallbackMethod have defaults in the contract; the server applies them.
    recorder = Recorder()

    create(_client(recorder), CreateStreamBody(url="wss://example.com/media"))

    assert _form(recorder.only) == {"Url": ["wss://example.com/media"]}


def test_create_stream_sends_all_99_parameter_pairs() -> None:
    recorder = Recorder()
    pairs = {f"Parameter{n}.{part}": f"{part.lower()} {n}" for n in range(1, 100) for part in ("Name", "Value")}

    _create_sync(_client(recorder), CreateStreamBody.from_dict({"Url": "wss://example.com/media", **pairs}))

    assert _form(recorder.only) == {"Url": ["wss://example.com/media"]} | {key: [value] for key, value in pairs.items()}


@CREATES
def test_create_stream_signs_with_basic_auth_of_sid_and_token(create: Create) -> None:
    recorder = Recorder()

    create(_client(recorder), CreateStreamBody(url="wss://example.com/media"))

    assert recorder.only.headers["Authorization"] == AUTHORIZATION


@STOPS
@pytest.mark.parametrize(
    ("base_url", "prefix"),
    [
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
        ("https://compatible.example.com/api/twilio/", "https://compatible.example.com/api/twilio"),
    ],
)
def test_base_url_points_the_client_at_another_server(stop: Stop, base_url: str, prefix: str) -> None:
    recorder = Recorder()

    stop(_client(recorder, base_url=base_url), STREAM_SID)

    assert str(recorder.only.url) == f"{prefix}{STREAMS_PATH}/{STREAM_SID}.json"


def test_one_client_serves_sync_and_async_calls() -> None:
    recorder = Recorder()
    client = _client(recorder)

    _stop_sync(client, STREAM_SID)
    _stop_async(client, STREAM_SID)

    assert [(r.method, r.url.path, r.headers["Authorization"]) for r in recorder.requests] == [
        ("POST", f"{STREAMS_PATH}/{STREAM_SID}.json", AUTHORIZATION)
    ] * 2
