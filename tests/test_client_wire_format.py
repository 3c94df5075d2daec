"""What the generated client puts on the wire, recorded through httpx.MockTransport.

Both operations, sync and async: method, the contract's path (with the Stream name percent-encoded),
basic auth of `sid:token`, the form content type and Twilio's form field names.
"""

import asyncio
import base64
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, unquote

import httpx
import pytest
import twilio_stream_contract as contract
from hypothesis import given
from hypothesis import strategies as st
from twilio_stream_client import TwilioClient
from twilio_stream_client.api.stream import create_stream, update_stream
from twilio_stream_client.models import CreateStreamBody, UpdateStreamBody

from tests.client_contract import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    CALL_SID,
    FORM,
    SERVER_URL,
    STREAM_SID,
    example_bodies,
    request_example,
)

CREATE_PATH = contract.CREATE_STREAM_PATH.format(AccountSid=ACCOUNT_SID, CallSid=CALL_SID)
AUTHORIZATION = "Basic " + base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()
A_STREAM = example_bodies("Stream")[0]
# A path segment as RFC 3986 allows it: unreserved characters and percent-encoded octets, nothing else.
SEGMENT = re.compile(r"(?:[A-Za-z0-9._~-]|%[0-9A-F]{2})+")

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
    """A transport that answers every request with a Stream of the contract and keeps the requests."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.requests.append(request)
        return httpx.Response(200, json=A_STREAM)

    @property
    def only(self) -> httpx.Request:
        assert len(self.requests) == 1
        return self.requests[0]


def _client(recorder: Recorder, **kwargs: Any) -> TwilioClient:
    return TwilioClient(ACCOUNT_SID, AUTH_TOKEN, httpx_args={"transport": httpx.MockTransport(recorder)}, **kwargs)


def _form(request: httpx.Request) -> dict[str, list[str]]:
    return parse_qs(request.content.decode("ascii"), keep_blank_values=True, strict_parsing=True)


def _sid_segment(request: httpx.Request) -> str:
    """The raw path segment that holds the Stream's SID or name in an UpdateStream request."""
    before, after = contract.UPDATE_STREAM_PATH.split("{Sid}")
    prefix, suffix = before.format(AccountSid=ACCOUNT_SID, CallSid=CALL_SID), after
    raw_path = request.url.raw_path.decode("ascii")
    assert raw_path.startswith(prefix)
    assert raw_path.endswith(suffix)
    return raw_path.removeprefix(prefix).removesuffix(suffix)


@STOPS
def test_update_stream_posts_the_contracts_stop_to_the_stream(stop: Stop) -> None:
    # The stop a user writes, UpdateStreamBody(status="stopped"), is the contract's example of a stop.
    recorder = Recorder()

    stop(_client(recorder), STREAM_SID)

    request = recorder.only
    assert request.method == "POST"
    path = contract.UPDATE_STREAM_PATH.format(AccountSid=ACCOUNT_SID, CallSid=CALL_SID, Sid=STREAM_SID)
    assert str(request.url) == SERVER_URL + path
    assert request.headers["Content-Type"] == FORM
    assert _form(request) == {field: [value] for field, value in request_example("UpdateStream").items()}


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
@given(name=st.text(min_size=1))
def test_update_stream_percent_encodes_any_name_into_one_segment(stop: Stop, name: str) -> None:
    # `/`, `?`, `#`, `%`, spaces and non-ASCII included: each is percent-encoded (UTF-8, uppercase hex).
    recorder = Recorder()

    stop(_client(recorder), name)

    segment = _sid_segment(recorder.only)
    assert SEGMENT.fullmatch(segment), segment
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
    assert str(request.url) == SERVER_URL + CREATE_PATH
    assert request.headers["Content-Type"] == FORM
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
    # The contract states the defaults Twilio applies to absent fields; the client sends only what is set.
    recorder = Recorder()

    create(_client(recorder), CreateStreamBody(url="wss://example.com/media"))

    sent = _form(recorder.only)
    assert set(sent) == set(contract.CREATE_BODY.required)
    assert contract.CREATE_BODY.defaults
    assert not set(sent) & set(contract.CREATE_BODY.defaults)


def test_create_stream_sends_every_field_of_the_contract() -> None:
    recorder = Recorder()
    body = contract.CREATE_BODY

    def value(field: str) -> str:
        if field in body.enums:
            return body.enums[field][-1]
        return "wss://example.com/media" if field in body.uri_fields else f"value of {field}"

    form = {field: value(field) for field in sorted(body.fields)}

    _create_sync(_client(recorder), CreateStreamBody.from_dict(form))

    assert _form(recorder.only) == {field: [value] for field, value in form.items()}


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

    path = contract.UPDATE_STREAM_PATH.format(AccountSid=ACCOUNT_SID, CallSid=CALL_SID, Sid=STREAM_SID)
    assert str(recorder.only.url) == prefix + path


def test_one_client_serves_sync_and_async_calls() -> None:
    recorder = Recorder()
    client = _client(recorder)

    _stop_sync(client, STREAM_SID)
    _stop_async(client, STREAM_SID)

    path = contract.UPDATE_STREAM_PATH.format(AccountSid=ACCOUNT_SID, CallSid=CALL_SID, Sid=STREAM_SID)
    assert [(r.method, r.url.path, r.headers["Authorization"]) for r in recorder.requests] == [
        ("POST", path, AUTHORIZATION)
    ] * 2
