"""Status callbacks: signed as Twilio signs, GET or POST, in order per Stream (emulator/media/callbacks.py).

Signatures are judged by Twilio's own RequestValidator, never by a second copy of our code.
"""

import ast
import asyncio
import subprocess
import sys
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest
import twilio_stream_contract as contract
from hypothesis import given
from hypothesis import strategies as st
from twilio.request_validator import RequestValidator  # type: ignore[import-untyped]
from twilio_stream_contract import callbacks
from twilio_stream_emulator.media.callbacks import StatusCallback, StatusCallbacks

TOKEN = "callback-test-token"


def callback(
    url: str = "http://127.0.0.1:8765/status", method: str = "POST", name: str | None = "mine"
) -> StatusCallback:
    stream_sid = contract.new_sid(contract.STREAM_SID)
    return StatusCallback(
        url=url,
        method=method,
        auth_token=TOKEN,
        account_sid=contract.new_sid(contract.ACCOUNT_SID),
        call_sid=contract.new_sid(contract.CALL_SID),
        stream_sid=stream_sid,
        stream_name=name or stream_sid,
    )


def _params(request: httpx.Request) -> dict[str, str]:
    if request.method == "GET":
        return dict(parse_qsl(urlsplit(str(request.url)).query, keep_blank_values=True))
    return dict(parse_qsl(request.content.decode(), keep_blank_values=True))


@pytest.mark.parametrize("event", callbacks.STREAM_EVENTS)
@pytest.mark.parametrize("method", contract.CREATE_BODY.enums["StatusCallbackMethod"])
def test_a_callback_carries_the_contracts_fields_signed_for_twilios_validator(event: str, method: str) -> None:
    sent = callback(method=method)
    error = "31920 WebSocket - Handshake Error: 404" if event == callbacks.STREAM_ERROR else None

    request = sent.request(event, error)

    params = _params(request)
    assert request.method == method
    assert set(callbacks.PARAMETERS) <= set(params) <= set(callbacks.FIELDS)
    assert (params["StreamSid"], params["StreamName"], params["StreamEvent"]) == (sent.stream_sid, "mine", event)
    assert params.get("StreamError") == error
    signature = request.headers[callbacks.SIGNATURE_HEADER]
    if method == "GET":
        assert RequestValidator(TOKEN).validate(str(request.url), {}, signature)
    else:
        assert RequestValidator(TOKEN).validate(sent.url, params, signature)
    assert not RequestValidator("another-token").validate(str(request.url), params, signature)


@given(
    query=st.dictionaries(st.text(min_size=1, max_size=8), st.text(max_size=8), max_size=3),  # the user's own
    name=st.text(min_size=1, max_size=30),
)
def test_a_get_callback_to_a_url_with_a_query_keeps_it_and_is_signed_whole(query: dict[str, str], name: str) -> None:
    url = str(httpx.URL("http://127.0.0.1:9/status", params=query))

    request = callback(url=url, method="GET", name=name).request(callbacks.STREAM_STARTED)

    assert RequestValidator(TOKEN).validate(str(request.url), {}, request.headers[callbacks.SIGNATURE_HEADER])
    sent = httpx.URL(str(request.url)).params
    assert all(sent[key] == value for key, value in query.items() if key not in callbacks.FIELDS)
    assert sent["StreamName"] == name


def test_a_stream_without_a_name_is_named_by_its_sid() -> None:
    sent = callback(name=None)

    assert _params(sent.request(callbacks.STREAM_STARTED))["StreamName"] == sent.stream_sid


@pytest.mark.anyio
async def test_one_streams_callbacks_go_in_order_even_when_the_first_is_slow() -> None:
    arrived: list[str] = []
    first_may_finish = asyncio.Event()

    async def endpoint(request: httpx.Request) -> httpx.Response:
        event = _params(request)["StreamEvent"]
        if event == callbacks.STREAM_STARTED:
            await first_may_finish.wait()
        arrived.append(event)
        return httpx.Response(200)

    sender = StatusCallbacks(transport=httpx.MockTransport(endpoint))
    sent = callback()
    sender.send(sent, callbacks.STREAM_STARTED)
    sender.send(sent, callbacks.STREAM_STOPPED)
    await asyncio.sleep(0)  # both are under way, the second waiting for the first
    first_may_finish.set()
    await sender.wait_idle(5)
    await sender.aclose()

    assert arrived == [callbacks.STREAM_STARTED, callbacks.STREAM_STOPPED]


@pytest.mark.anyio
async def test_a_callback_beyond_loopback_is_not_sent_and_a_failing_one_is_tried_twice() -> None:
    attempts: list[str] = []

    def endpoint(request: httpx.Request) -> httpx.Response:
        attempts.append(str(request.url.host))
        raise httpx.ConnectError("refused", request=request)

    sender = StatusCallbacks(transport=httpx.MockTransport(endpoint))
    sender.send(callback(url="https://example.com/status"), callbacks.STREAM_STARTED)
    sender.send(callback(), callbacks.STREAM_STARTED)
    await sender.wait_idle(5)
    await sender.aclose()

    assert attempts == ["127.0.0.1", "127.0.0.1"]


WARM_UP_PROBE = """
import asyncio, socket, sys
import httpx
from twilio_stream_emulator.media.callbacks import StatusCallbacks

async def main(warm: bool) -> None:
    callbacks = StatusCallbacks()
    if warm:
        await callbacks.warm_up()
    before = set(sys.modules)
    with socket.socket() as refusing:
        refusing.bind(("127.0.0.1", 0))
        try:
            await callbacks._client.post(f"http://127.0.0.1:{refusing.getsockname()[1]}/cb", data={"a": "b"})
        except httpx.TransportError:
            pass
    await callbacks.aclose()
    print(sorted(set(sys.modules) - before))

asyncio.run(main(sys.argv[1] == "warm"))
"""


@pytest.mark.slow  # starts an interpreter per case
@pytest.mark.parametrize("warm", [True, False])
def test_after_the_warm_up_a_first_callback_imports_nothing_on_the_event_loop(warm: bool) -> None:
    """A fresh interpreter, as the emulator's process is: without the warm-up, the first callback imports
    httpx's connection machinery on the loop (a stall the Streams' media would feel)."""
    probe = subprocess.run(
        [sys.executable, "-c", WARM_UP_PROBE, "warm" if warm else "cold"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )

    imported = ast.literal_eval(probe.stdout.strip())
    assert (imported == []) is warm
