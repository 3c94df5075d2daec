"""How the generated client reads answers: the contract's examples, nulls, errors, and bodies it must refuse.

A 200 gives a `Stream`, a documented error (400, 401, 404, 429) a `TwilioError`; an undocumented status
raises `UnexpectedStatus` (or gives None when asked), a body that is not JSON of the documented shape
raises `UnparseableResponse`. Nothing else escapes, and no message carries the auth token.
"""

import asyncio
import base64
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from twilio_stream_client import ClientError, TwilioClient, UnexpectedStatus, UnparseableResponse
from twilio_stream_client.api.stream import create_stream, update_stream
from twilio_stream_client.models import CreateStreamBody, Stream, TwilioError, UpdateStreamBody
from twilio_stream_client.types import UNSET, Response

ACCOUNT_SID = "AC0123456789abcdef0123456789abcdef"
CALL_SID = "CA0123456789abcdef0123456789abcdef"
STREAM_SID = "MZ0123456789abcdef0123456789abcdef"
AUTH_TOKEN = "0123456789abcdef0123456789abcdef"

CONTRACT: dict[str, Any] = yaml.safe_load((Path(__file__).resolve().parent.parent / "openapi.yaml").read_text("utf-8"))
RESPONSES: dict[str, Any] = CONTRACT["components"]["responses"]
STOPPED: dict[str, Any] = RESPONSES["StreamStopped"]["content"]["application/json"]["examples"]["stopped"]["value"]
CREATED: dict[str, Any] = RESPONSES["StreamCreated"]["content"]["application/json"]["examples"]["created"]["value"]
NULLABLE_KEYS = [
    key
    for key, schema in CONTRACT["components"]["schemas"]["Stream"]["properties"].items()
    if "null" in schema.get("type", [])
]
DOCUMENTED_ERRORS = ("400", "401", "404", "429")


def _error_examples() -> list[tuple[int, dict[str, Any]]]:
    """(status, body) of every error example the contract gives for UpdateStream's documented errors."""
    operation = CONTRACT["paths"]["/2010-04-01/Accounts/{AccountSid}/Calls/{CallSid}/Streams/{Sid}.json"]["post"]
    examples = []
    for status in DOCUMENTED_ERRORS:
        response = RESPONSES[operation["responses"][status]["$ref"].rsplit("/", 1)[-1]]
        for example in response["content"]["application/json"]["examples"].values():
            examples.append((int(status), example["value"]))
    return examples


ERROR_EXAMPLES = _error_examples()

# Each operation, sync and async, plain and detailed, as one "call" that returns what the function returns.
Call = Callable[[TwilioClient], object]


def _stop(client: TwilioClient) -> Stream | TwilioError | None:
    return update_stream.sync(ACCOUNT_SID, CALL_SID, STREAM_SID, client=client, body=UpdateStreamBody(status="stopped"))


def _stop_async(client: TwilioClient) -> Stream | TwilioError | None:
    body = UpdateStreamBody(status="stopped")
    return asyncio.run(update_stream.asyncio(ACCOUNT_SID, CALL_SID, STREAM_SID, client=client, body=body))


def _stop_detailed(client: TwilioClient) -> Stream | TwilioError | None:
    body = UpdateStreamBody(status="stopped")
    response = update_stream.sync_detailed(ACCOUNT_SID, CALL_SID, STREAM_SID, client=client, body=body)
    return response.parsed


def _stop_async_detailed(client: TwilioClient) -> Stream | TwilioError | None:
    body = UpdateStreamBody(status="stopped")
    coroutine = update_stream.asyncio_detailed(ACCOUNT_SID, CALL_SID, STREAM_SID, client=client, body=body)
    return asyncio.run(coroutine).parsed


def _create(client: TwilioClient) -> Stream | TwilioError | None:
    return create_stream.sync(ACCOUNT_SID, CALL_SID, client=client, body=CreateStreamBody(url="wss://example.com"))


def _create_async(client: TwilioClient) -> Stream | TwilioError | None:
    body = CreateStreamBody(url="wss://example.com")
    return asyncio.run(create_stream.asyncio(ACCOUNT_SID, CALL_SID, client=client, body=body))


def _create_detailed(client: TwilioClient) -> Stream | TwilioError | None:
    body = CreateStreamBody(url="wss://example.com")
    return create_stream.sync_detailed(ACCOUNT_SID, CALL_SID, client=client, body=body).parsed


def _create_async_detailed(client: TwilioClient) -> Stream | TwilioError | None:
    body = CreateStreamBody(url="wss://example.com")
    return asyncio.run(create_stream.asyncio_detailed(ACCOUNT_SID, CALL_SID, client=client, body=body)).parsed


CALLS = pytest.mark.parametrize(
    "call",
    [
        _stop,
        _stop_async,
        _stop_detailed,
        _stop_async_detailed,
        _create,
        _create_async,
        _create_detailed,
        _create_async_detailed,
    ],
)


def _answering(status: int, content: bytes, *, token: str = AUTH_TOKEN, **kwargs: Any) -> TwilioClient:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, content=content, headers={"Content-Type": "application/json"})

    return TwilioClient(ACCOUNT_SID, token, httpx_args={"transport": httpx.MockTransport(answer)}, **kwargs)


def _json(status: int, body: object, **kwargs: Any) -> TwilioClient:
    return _answering(status, json.dumps(body).encode(), **kwargs)


def test_update_stream_parses_the_seeds_stopped_stream() -> None:
    stream = _stop(_json(200, STOPPED))

    assert isinstance(stream, Stream)
    assert stream.to_dict() == STOPPED
    assert stream.status == "stopped"
    assert stream.sid == STOPPED["sid"]
    assert stream.date_updated == "Thu, 30 Jul 2015 20:00:00 +0000"


def test_create_stream_parses_the_contracts_created_stream() -> None:
    stream = _create(_json(200, CREATED))

    assert isinstance(stream, Stream)
    assert stream.to_dict() == CREATED
    assert stream.status == "in-progress"


@CALLS
def test_every_call_parses_a_stream(call: Call) -> None:
    assert call(_json(200, STOPPED)) == Stream.from_dict(STOPPED)


@given(nulls=st.sets(st.sampled_from(NULLABLE_KEYS)))
def test_stream_accepts_null_in_any_nullable_field(nulls: set[str]) -> None:
    body = STOPPED | dict.fromkeys(nulls)

    stream = _stop(_json(200, body))

    assert isinstance(stream, Stream)
    assert stream.to_dict() == body
    assert all(getattr(stream, key) is None for key in nulls)


def test_null_date_updated_reads_as_no_datetime() -> None:
    stream = _stop(_json(200, STOPPED | {"date_updated": None}))

    assert isinstance(stream, Stream)
    assert stream.date_updated_datetime is None


@CALLS
@pytest.mark.parametrize(("status", "body"), ERROR_EXAMPLES, ids=[str(status) for status, _ in ERROR_EXAMPLES])
def test_documented_error_comes_back_as_twilio_error(call: Call, status: int, body: dict[str, Any]) -> None:
    error = call(_json(status, body))

    assert isinstance(error, TwilioError)
    assert (error.code, error.message, error.more_info, error.status) == (
        body["code"],
        body["message"],
        body["more_info"],
        body["status"],
    )
    assert error.detail == body.get("detail", UNSET)
    assert error.to_dict() == body


def test_documented_errors_cover_every_documented_status() -> None:
    assert {status for status, _ in ERROR_EXAMPLES} == {int(status) for status in DOCUMENTED_ERRORS}


def test_401_keeps_twilios_detail() -> None:
    error = _stop(_json(401, dict(ERROR_EXAMPLES)[401]))

    assert isinstance(error, TwilioError)
    assert error.detail == "Your AccountSid or AuthToken was incorrect."


def test_twilio_error_keeps_fields_it_does_not_know() -> None:
    body = dict(ERROR_EXAMPLES)[404] | {"user_error": True}

    error = _stop(_json(404, body))

    assert isinstance(error, TwilioError)
    assert error["user_error"] is True


def test_detailed_call_keeps_status_headers_and_raw_body() -> None:
    content = json.dumps(STOPPED).encode()
    client = _answering(200, content)

    response = update_stream.sync_detailed(
        ACCOUNT_SID, CALL_SID, STREAM_SID, client=client, body=UpdateStreamBody(status="stopped")
    )

    assert isinstance(response, Response)
    assert (response.status_code, response.content) == (200, content)
    assert response.headers["Content-Type"] == "application/json"


@CALLS
# 299 and 520 are codes that http.HTTPStatus does not know: they must not escape as ValueError.
@pytest.mark.parametrize("status", [201, 204, 299, 302, 403, 405, 409, 418, 500, 502, 503, 520])
def test_undocumented_status_raises_unexpected_status(call: Call, status: int) -> None:
    with pytest.raises(UnexpectedStatus) as raised:
        call(_answering(status, b'{"oops": true}'))

    assert raised.value.status_code == status
    assert raised.value.content == b'{"oops": true}'
    assert str(raised.value).startswith(f"Unexpected status code: {status}")


@CALLS
def test_undocumented_status_gives_none_when_asked_not_to_raise(call: Call) -> None:
    assert call(_answering(503, b"busy", raise_on_unexpected_status=False)) is None


@CALLS
@pytest.mark.parametrize("status", [299, 520])
def test_unregistered_status_raises_unexpected_status_even_when_asked_not_to_raise(call: Call, status: int) -> None:
    # The detailed functions return an HTTPStatus, which cannot hold such a code: raising is the only honest answer.
    with pytest.raises(UnexpectedStatus) as raised:
        call(_answering(status, b"", raise_on_unexpected_status=False))

    assert raised.value.status_code == status


@CALLS
@pytest.mark.parametrize("status", [200, 400, 401, 404, 429])
@pytest.mark.parametrize("content", [b"", b"<html>Bad Gateway</html>", b'{"sid": ', b"\xff\xfe"])
def test_body_that_is_not_json_raises_unparseable_response(call: Call, status: int, content: bytes) -> None:
    with pytest.raises(UnparseableResponse) as raised:
        call(_answering(status, content))

    assert raised.value.status_code == status
    assert raised.value.content == content


@CALLS
def test_deeply_nested_json_raises_unparseable_response(call: Call) -> None:
    # json.loads gives up on deep nesting with RecursionError, which is no ValueError.
    with pytest.raises(UnparseableResponse):
        call(_answering(200, b"[" * 100_000))


WRONG_STREAMS: dict[str, object] = {
    "a list": [STOPPED],
    "a list of pairs": list(STOPPED.items()),
    "a string": "stopped",
    "a number": 200,
    "null": None,
    "an empty object": {},
    "no status": {key: value for key, value in STOPPED.items() if key != "status"},
    "no sid": {key: value for key, value in STOPPED.items() if key != "sid"},
    "an unknown status": STOPPED | {"status": "paused"},
    "a null status": STOPPED | {"status": None},
    "a number for sid": STOPPED | {"sid": 123},
    "an object for name": STOPPED | {"name": {"first": "my"}},
    "a list for date_updated": STOPPED | {"date_updated": ["Thu, 30 Jul 2015 20:00:00 +0000"]},
    "a boolean for uri": STOPPED | {"uri": True},
}


@pytest.mark.parametrize("body", WRONG_STREAMS.values(), ids=WRONG_STREAMS.keys())
def test_stream_of_the_wrong_shape_raises_unparseable_response(body: object) -> None:
    with pytest.raises(UnparseableResponse) as raised:
        _stop(_json(200, body))

    assert raised.value.status_code == 200
    assert raised.value.reason


NOT_FOUND = dict(ERROR_EXAMPLES)[404]
WRONG_ERRORS: dict[str, object] = {
    "a list": [NOT_FOUND],
    "a string": "Not Found",
    "no code": {key: value for key, value in NOT_FOUND.items() if key != "code"},
    "no message": {key: value for key, value in NOT_FOUND.items() if key != "message"},
    "a string code": NOT_FOUND | {"code": "20404"},
    "a boolean code": NOT_FOUND | {"code": True},
    "a fractional status": NOT_FOUND | {"status": 404.5},
    "a null message": NOT_FOUND | {"message": None},
    "a number for more_info": NOT_FOUND | {"more_info": 20404},
    "a number for detail": NOT_FOUND | {"detail": 1},
}


@pytest.mark.parametrize("body", WRONG_ERRORS.values(), ids=WRONG_ERRORS.keys())
def test_error_of_the_wrong_shape_raises_unparseable_response(body: object) -> None:
    with pytest.raises(UnparseableResponse) as raised:
        _stop(_json(404, body))

    assert raised.value.status_code == 404


def test_integral_float_reads_as_the_integer_json_schema_says_it_is() -> None:
    error = _stop(_json(404, NOT_FOUND | {"code": 20404.0, "status": 404.0}))

    assert isinstance(error, TwilioError)
    assert (error.code, error.status) == (20404, 404)
    assert (type(error.code), type(error.status)) == (int, int)


def test_unparseable_response_names_the_field_at_fault() -> None:
    with pytest.raises(UnparseableResponse) as raised:
        _stop(_json(200, STOPPED | {"sid": 123}))

    assert raised.value.reason == "TypeError: sid: expected null or a string, got int"


def test_exceptions_share_one_base_class() -> None:
    assert issubclass(UnexpectedStatus, ClientError)
    assert issubclass(UnparseableResponse, ClientError)
    assert not issubclass(ClientError, httpx.HTTPError)


def test_long_bodies_are_shortened_in_messages() -> None:
    with pytest.raises(UnexpectedStatus) as raised:
        _stop(_answering(500, b"x" * 100_000))

    assert len(str(raised.value)) < 1_000
    assert len(raised.value.content) == 100_000


# Twilio auth tokens are 32 hex digits; any such token must stay out of what the client prints.
TOKENS = st.text(alphabet="0123456789abcdef", min_size=32, max_size=32)


def _secrets(token: str) -> list[str]:
    return [token, base64.b64encode(f"{ACCOUNT_SID}:{token}".encode()).decode()]


@given(token=TOKENS)
def test_exception_messages_never_carry_the_auth_token(token: str) -> None:
    for client, expected in [
        (_answering(500, b"Internal Server Error", token=token), UnexpectedStatus),
        (_answering(200, b"not json", token=token), UnparseableResponse),
        (_json(404, {"code": "x"}, token=token), UnparseableResponse),
    ]:
        with pytest.raises(expected) as raised:
            _stop(client)

        shown = f"{raised.value}\n{raised.value!r}\n{raised.value.args}"
        assert not any(secret in shown for secret in _secrets(token))


@given(token=TOKENS)
def test_client_repr_never_carries_the_auth_token(token: str) -> None:
    client = _json(200, STOPPED, token=token)
    before = repr(client)
    _stop(client)  # the httpx client and its BasicAuth exist only after a first call
    asyncio.run(update_stream.asyncio(ACCOUNT_SID, CALL_SID, "x", client=client, body=UpdateStreamBody("stopped")))

    for shown in (before, repr(client), str(client)):
        assert ACCOUNT_SID in shown
        assert not any(secret in shown for secret in _secrets(token))
