"""How the generated client reads answers: the contract's examples, nulls, errors, and bodies it must refuse.

A 200 gives a `Stream`; a documented error, or any other error status with Twilio's error body, a
`TwilioError`; any other answer raises `UnexpectedStatus` (or gives None when asked); a body that is not
JSON of the documented shape raises `UnparseableResponse`. Nothing else escapes, and no message carries
the auth token. The fields the client checks in a body are proven in test_client_conformance_responses.py.
"""

import base64
import json
from http import HTTPStatus
from typing import Any

import httpx
import pytest
import twilio_stream_contract as contract
from hypothesis import given, settings
from hypothesis import strategies as st
from twilio_stream_client import ClientError, TwilioClient, UnexpectedStatus, UnparseableResponse
from twilio_stream_client.api.stream import update_stream
from twilio_stream_client.models import Stream, TwilioError, UpdateStreamBody
from twilio_stream_client.types import UNSET, Response

from tests.client_contract import (
    ACCOUNT_SID,
    ANSWERS,
    AUTH_TOKEN,
    CALLS,
    DOCUMENT,
    call,
    documented_statuses,
    example_bodies,
    path_arguments,
    request_example,
)
from tests.property_budget import examples

ANSWER_SCHEMAS = ("Stream", "TwilioError")  # the two models of the contract's answers
# Each call with each example of its operation's answers: (operation, variant, status, body); a `default`
# example is sent with the status its body names.
EXAMPLES = {
    schema: [
        pytest.param(operation_id, variant, answer.status or body["status"], body, id=f"{variant}-{answer.id}-{name}")
        for operation_id, variant in CALLS
        for answer in ANSWERS
        if answer.operation_id == operation_id and answer.schema == schema
        for name, body in answer.examples.items()
    ]
    for schema in ANSWER_SCHEMAS
}
STREAM_PROPERTIES: dict[str, Any] = DOCUMENT["components"]["schemas"]["Stream"]["properties"]
KNOWN_FIELDS = {field for schema in ANSWER_SCHEMAS for field in DOCUMENT["components"]["schemas"][schema]["properties"]}
NULLABLE_KEYS = sorted(key for key, schema in STREAM_PROPERTIES.items() if "null" in schema.get("type", []))
A_STREAM = example_bodies("Stream")[0]
# A documented error status of UpdateStream, and the body of one of its examples.
DOCUMENTED_ERROR = min(status for status in documented_statuses("UpdateStream") if status >= 400)
AN_ERROR: dict[str, Any] = next(
    body for answer in ANSWERS if answer.status == DOCUMENTED_ERROR for body in answer.examples.values()
)
DOCUMENTED = frozenset().union(*(documented_statuses(operation_id) for operation_id, _ in CALLS))
REGISTERED = frozenset(status.value for status in HTTPStatus)
# Statuses no operation names; the error statuses (>= 400) among them are the `default` response's.
UNDOCUMENTED = [status for status in range(100, 600) if status not in DOCUMENTED]
OTHER_ERRORS = [status for status in UNDOCUMENTED if status >= 400 and status in REGISTERED]
OTHER_SUCCESSES = [status for status in UNDOCUMENTED if status < 400 and status in REGISTERED]
UNREGISTERED = [status for status in UNDOCUMENTED if status not in REGISTERED]
AN_UNDOCUMENTED_ERROR = OTHER_ERRORS[0]
EACH_CALL = pytest.mark.parametrize(("operation_id", "variant"), CALLS, ids=[f"{o}-{v}" for o, v in CALLS])
# The properties below run once per call (eight of them): 25 examples each keep the file fast.
PER_CALL = settings(max_examples=examples(25), deadline=None)


def _answering(status: int, content: bytes, *, token: str = AUTH_TOKEN, **kwargs: Any) -> TwilioClient:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, content=content, headers={"Content-Type": "application/json"})

    return TwilioClient(ACCOUNT_SID, token, httpx_args={"transport": httpx.MockTransport(answer)}, **kwargs)


def _json(status: int, body: object, **kwargs: Any) -> TwilioClient:
    return _answering(status, json.dumps(body).encode(), **kwargs)


def _stop(client: TwilioClient) -> Stream | TwilioError | None:
    return call("UpdateStream", "sync", client)


def test_every_answer_of_the_contract_has_an_example() -> None:
    # The parametrized tests below run on the contract's examples: an answer without one would go untested,
    # and so would an answer whose body is neither of the two models they read.
    assert [answer.id for answer in ANSWERS if not answer.examples] == []
    assert {answer.schema for answer in ANSWERS} == set(EXAMPLES)


@pytest.mark.parametrize(("operation_id", "variant", "status", "body"), EXAMPLES["Stream"])
def test_every_call_reads_each_stream_of_the_contract(
    operation_id: str, variant: str, status: int, body: dict[str, Any]
) -> None:
    stream = call(operation_id, variant, _json(status, body))

    assert isinstance(stream, Stream)
    assert {key: getattr(stream, key) for key in contract.STREAM_FIELDS} == body
    assert stream.to_dict() == body


@given(nulls=st.sets(st.sampled_from(NULLABLE_KEYS)))
def test_stream_accepts_null_in_any_nullable_field(nulls: set[str]) -> None:
    body = A_STREAM | dict.fromkeys(nulls)

    stream = _stop(_json(200, body))

    assert isinstance(stream, Stream)
    assert stream.to_dict() == body
    assert all(getattr(stream, key) is None for key in nulls)


@pytest.mark.parametrize(("operation_id", "variant", "status", "body"), EXAMPLES["TwilioError"])
def test_every_call_reads_each_error_of_the_contract_as_twilio_error(
    operation_id: str, variant: str, status: int, body: dict[str, Any]
) -> None:
    error = call(operation_id, variant, _json(status, body))

    assert isinstance(error, TwilioError)
    assert {key: getattr(error, key) for key in body} == body
    assert error.detail == body.get("detail", UNSET)
    assert error.to_dict() == body


@EACH_CALL
@PER_CALL
@given(status=st.sampled_from(OTHER_ERRORS))
def test_any_other_error_status_with_twilios_body_comes_back_as_twilio_error(
    operation_id: str, variant: str, status: int
) -> None:
    # Twilio answers every error in one shape; the contract's `default` response says so.
    body = AN_ERROR | {"status": status}

    error = call(operation_id, variant, _json(status, body))

    assert isinstance(error, TwilioError)
    assert error.to_dict() == body


@EACH_CALL
@PER_CALL
@given(status=st.sampled_from(OTHER_SUCCESSES))
def test_other_status_below_400_is_unexpected_even_with_twilios_body(
    operation_id: str, variant: str, status: int
) -> None:
    with pytest.raises(UnexpectedStatus) as raised:
        call(operation_id, variant, _json(status, AN_ERROR))

    assert raised.value.status_code == status


@given(
    extra=st.dictionaries(
        st.text().filter(lambda key: key not in KNOWN_FIELDS),
        st.integers() | st.text() | st.none() | st.booleans(),
    )
)
def test_unknown_fields_are_kept(extra: dict[str, Any]) -> None:
    # Both schemas are open (additionalProperties): Twilio adds fields over time.
    error = _stop(_json(DOCUMENTED_ERROR, AN_ERROR | extra))
    stream = _stop(_json(200, A_STREAM | extra))

    assert isinstance(error, TwilioError)
    assert isinstance(stream, Stream)
    assert (error.additional_properties, stream.additional_properties) == (extra, extra)
    assert all(error[key] == value and stream[key] == value for key, value in extra.items())


def test_detailed_call_keeps_status_headers_and_raw_body() -> None:
    content = json.dumps(A_STREAM).encode()
    client = _answering(200, content)

    response = update_stream.sync_detailed(
        *path_arguments("UpdateStream"), client=client, body=UpdateStreamBody.from_dict(request_example("UpdateStream"))
    )

    assert isinstance(response, Response)
    assert (response.status_code, response.content) == (200, content)
    assert response.headers["Content-Type"] == "application/json"


@EACH_CALL
@PER_CALL
@given(
    status=st.sampled_from(UNDOCUMENTED),
    content=st.sampled_from([b"", b'{"oops": true}', b"<html>Bad Gateway</html>", b"[]"]),
)
def test_undocumented_status_raises_unexpected_status(
    operation_id: str, variant: str, status: int, content: bytes
) -> None:
    # Codes http.HTTPStatus does not know (299, 520...) are drawn too: they must not escape as ValueError.
    with pytest.raises(UnexpectedStatus) as raised:
        call(operation_id, variant, _answering(status, content))

    assert (raised.value.status_code, raised.value.content) == (status, content)
    assert str(raised.value).startswith(f"Unexpected status code: {status}\n")


@EACH_CALL
@PER_CALL
@given(status=st.sampled_from(OTHER_ERRORS + OTHER_SUCCESSES))
def test_undocumented_status_gives_none_when_asked_not_to_raise(operation_id: str, variant: str, status: int) -> None:
    assert call(operation_id, variant, _answering(status, b"busy", raise_on_unexpected_status=False)) is None


@EACH_CALL
@PER_CALL
@given(
    status=st.sampled_from(UNREGISTERED),
    content=st.sampled_from([b"", json.dumps(AN_ERROR).encode()]),
)
def test_unregistered_status_raises_unexpected_status_even_when_asked_not_to_raise(
    operation_id: str, variant: str, status: int, content: bytes
) -> None:
    # The detailed functions return an HTTPStatus, which cannot hold such a code: raising is the only honest
    # answer, even for Twilio's error body.
    with pytest.raises(UnexpectedStatus) as raised:
        call(operation_id, variant, _answering(status, content, raise_on_unexpected_status=False))

    assert raised.value.status_code == status


DOCUMENTED_CALLS = [
    pytest.param(operation_id, variant, status, id=f"{operation_id}-{variant}-{status}")
    for operation_id, variant in CALLS
    for status in sorted(documented_statuses(operation_id))
]


@pytest.mark.parametrize(("operation_id", "variant", "status"), DOCUMENTED_CALLS)
@pytest.mark.parametrize("content", [b"", b"<html>Bad Gateway</html>", b'{"sid": ', b"\xff\xfe"], ids=repr)
def test_body_that_is_not_json_raises_unparseable_response(
    operation_id: str, variant: str, status: int, content: bytes
) -> None:
    with pytest.raises(UnparseableResponse) as raised:
        call(operation_id, variant, _answering(status, content))

    assert (raised.value.status_code, raised.value.content) == (status, content)
    assert raised.value.reason.startswith("JSONDecodeError: ")


@EACH_CALL
def test_deeply_nested_json_raises_unparseable_response(operation_id: str, variant: str) -> None:
    # json.loads gives up on deep nesting with RecursionError, which is no ValueError.
    with pytest.raises(UnparseableResponse) as raised:
        call(operation_id, variant, _answering(200, b"[" * 100_000))

    assert raised.value.reason.startswith("RecursionError: ")


# JSON that is no object, and one whose pairs dict() would accept: none is a Stream or a TwilioError.
NO_OBJECTS: dict[str, object] = {
    "a list": [A_STREAM],
    "a list of pairs": list(A_STREAM.items()),
    "a string": "stopped",
    "a number": 200,
    "true": True,
    "null": None,
}


@pytest.mark.parametrize("status", sorted(documented_statuses("UpdateStream")))
@pytest.mark.parametrize("body", NO_OBJECTS.values(), ids=NO_OBJECTS.keys())
def test_json_that_is_no_object_raises_unparseable_response(status: int, body: object) -> None:
    with pytest.raises(UnparseableResponse) as raised:
        _stop(_json(status, body))

    assert raised.value.status_code == status
    assert raised.value.reason == f"TypeError: expected a JSON object, got {type(body).__name__}"


def test_unparseable_response_names_the_field_at_fault() -> None:
    with pytest.raises(UnparseableResponse) as raised:
        _stop(_json(200, A_STREAM | {"sid": 123}))

    assert raised.value.reason == "TypeError: sid: expected null or a string, got int"


def test_exceptions_share_one_base_class() -> None:
    assert issubclass(UnexpectedStatus, ClientError)
    assert issubclass(UnparseableResponse, ClientError)
    assert not issubclass(ClientError, httpx.HTTPError)


def test_long_bodies_are_shortened_in_messages() -> None:
    with pytest.raises(UnexpectedStatus) as raised:
        _stop(_answering(AN_UNDOCUMENTED_ERROR, b"x" * 100_000))

    quoted = "x" * 500 + "..."
    assert str(raised.value) == f"Unexpected status code: {AN_UNDOCUMENTED_ERROR}\n\nResponse content:\n{quoted}"
    assert len(raised.value.content) == 100_000


# Twilio auth tokens are 32 hex digits; any such token must stay out of what the client prints.
TOKENS = st.text(alphabet="0123456789abcdef", min_size=32, max_size=32)


def _secrets(token: str) -> list[str]:
    return [token, base64.b64encode(f"{ACCOUNT_SID}:{token}".encode()).decode()]


@given(token=TOKENS)
def test_exception_messages_never_carry_the_auth_token(token: str) -> None:
    for client, expected in [
        (_answering(AN_UNDOCUMENTED_ERROR, b"Internal Server Error", token=token), UnexpectedStatus),
        (_answering(200, b"not json", token=token), UnparseableResponse),
        (_json(DOCUMENTED_ERROR, {"code": "x"}, token=token), UnparseableResponse),
    ]:
        with pytest.raises(expected) as raised:
            _stop(client)

        shown = f"{raised.value}\n{raised.value!r}\n{raised.value.args}"
        assert not any(secret in shown for secret in _secrets(token))


@given(token=TOKENS)
def test_client_repr_never_carries_the_auth_token(token: str) -> None:
    client = _json(200, A_STREAM, token=token)
    before = repr(client)
    _stop(client)  # the httpx client and its BasicAuth exist only after a first call
    call("UpdateStream", "asyncio", client)

    for shown in (before, repr(client), str(client)):
        assert ACCOUNT_SID in shown
        assert not any(secret in shown for secret in _secrets(token))
