"""The generated client parses every answer the contract allows, and only raises its own exception.

For every response of every operation (200 and each error), schemathesis generates JSON values from
the response schema of openapi.yaml: each one parses into the client's model, and `to_dict()` gives
back the same JSON. The client checks what a model needs (JSON types, required keys, enum values)
and deliberately not the rest (patterns, lengths, extra keys): a violation of what it checks always
raises `UnparseableResponse`, the client's documented exception, and any other violation (schemathesis'
negative mode) or a body that is not JSON either parses or raises that same exception; nothing else.

Schemathesis generates request data, so each response schema is lent to a request body of a small
derived document; `twilio_stream_conformance.hooks` registers the `date-time-rfc-2822` format, so dates are real.
"""

import copy
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
import twilio_stream_conformance.hooks  # noqa: F401  (the date-time-rfc-2822 format strategy)
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from twilio_stream_client import ClientError, TwilioClient, UnexpectedStatus, UnparseableResponse
from twilio_stream_client.api.stream import create_stream, update_stream
from twilio_stream_client.models import CreateStreamBody, Stream, TwilioError, UpdateStreamBody
from twilio_stream_conformance.checks import Case

CONTRACT = Path(__file__).resolve().parent.parent / "openapi.yaml"
DOCUMENT: dict[str, Any] = yaml.safe_load(CONTRACT.read_text(encoding="utf-8"))
ACCOUNT_SID = "AC0123456789abcdef0123456789abcdef"
CALL_SID = "CA0123456789abcdef0123456789abcdef"
EXAMPLES = settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))


# The `default` response covers every other error status; it is tried on one of them.
STATUS_OF_DEFAULT = 500


def documented_responses() -> list[tuple[str, int, str]]:
    """(operationId, status, schema $ref) of every JSON response in the contract."""
    found = []
    for item in DOCUMENT["paths"].values():
        operation = item["post"]
        for status, response in operation["responses"].items():
            definition = DOCUMENT["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
            code = STATUS_OF_DEFAULT if status == "default" else int(status)
            found.append((operation["operationId"], code, definition["content"]["application/json"]["schema"]["$ref"]))
    return found


RESPONSES = documented_responses()


def documented(operation_id: str, status: int) -> bool:
    """Whether the contract names this status itself (not through its `default` response)."""
    return any(status == int(code) for code in _responses_of(operation_id) if code != "default")


def _responses_of(operation_id: str) -> dict[str, Any]:
    operations = (item["post"] for item in DOCUMENT["paths"].values())
    responses: dict[str, Any] = next(op for op in operations if op["operationId"] == operation_id)["responses"]
    return responses


def refusal(operation_id: str, status: int) -> type[ClientError]:
    """What the client raises for a body it cannot read: a documented status has a bad body
    (UnparseableResponse); any other status without Twilio's error body is unexpected (UnexpectedStatus)."""
    return UnparseableResponse if documented(operation_id, status) else UnexpectedStatus


def _bodies_document() -> dict[str, Any]:
    """One operation per documented response whose request body has that response's schema."""
    paths = {
        f"/{operation_id}/{status}": {
            "post": {
                "operationId": f"{operation_id}{status}",
                "requestBody": {"required": True, "content": {"application/json": {"schema": {"$ref": ref}}}},
                "responses": {"200": {"description": "unused"}},
            }
        }
        for operation_id, status, ref in RESPONSES
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": "bodies", "version": "1"},
        "paths": paths,
        "components": copy.deepcopy(DOCUMENT["components"]),
    }


BODIES = schemathesis.openapi.from_dict(_bodies_document())


def bodies(operation_id: str, status: int, mode: GenerationMode) -> st.SearchStrategy[Any]:
    operation = BODIES.find_operation_by_id(f"{operation_id}{status}")
    strategy: st.SearchStrategy[Case] = operation.as_strategy(mode)
    return strategy.map(lambda case: case.body)


def answer(operation_id: str, status: int, content: bytes) -> Any:
    """What the client returns (or raises) when the server answers `status` with `content`."""
    transport = httpx.MockTransport(
        lambda request: httpx.Response(status, content=content, headers={"Content-Type": "application/json"})
    )
    client = TwilioClient(ACCOUNT_SID, "token", httpx_args={"transport": transport})
    if operation_id == "CreateStream":
        body = CreateStreamBody.from_dict({"Url": "wss://example.com/media"})
        return create_stream.sync(ACCOUNT_SID, CALL_SID, client=client, body=body)
    return update_stream.sync(
        ACCOUNT_SID, CALL_SID, "my-stream", client=client, body=UpdateStreamBody.from_dict({"Status": "stopped"})
    )


def json_bytes(value: Any) -> bytes:
    """The body as sent; negative mode may draw raw bytes (a body that is not JSON at all)."""
    return value if isinstance(value, bytes) else json.dumps(value).encode()


@pytest.mark.parametrize(("operation_id", "status", "ref"), RESPONSES, ids=[f"{o}-{s}" for o, s, _ in RESPONSES])
def test_every_documented_response_parses_and_round_trips(operation_id: str, status: int, ref: str) -> None:
    model = Stream if ref.endswith("/Stream") else TwilioError

    @EXAMPLES
    @given(value=bodies(operation_id, status, GenerationMode.POSITIVE))
    def parses(value: Any) -> None:
        parsed = answer(operation_id, status, json_bytes(value))

        assert isinstance(parsed, model)
        assert parsed.to_dict() == value
        if isinstance(parsed, Stream) and parsed.date_updated is not None:
            assert parsed.date_updated_datetime is not None  # a real RFC 2822 date parses

    parses()


@pytest.mark.parametrize(("operation_id", "status", "ref"), RESPONSES, ids=[f"{o}-{s}" for o, s, _ in RESPONSES])
def test_a_response_violating_the_schema_parses_or_raises_unparseable_response_never_another_exception(
    operation_id: str, status: int, ref: str
) -> None:
    """Any violation: the client may accept what it does not check (a pattern, a length, an extra key),
    so this proves only that nothing but `UnparseableResponse` escapes. The property below proves that
    what it does check is always refused."""

    @EXAMPLES
    @given(value=bodies(operation_id, status, GenerationMode.NEGATIVE))
    def parses_or_raises_unparseable(value: Any) -> None:
        raised: ClientError | None = None
        try:
            answer(operation_id, status, json_bytes(value))
        except refusal(operation_id, status) as exc:  # any other exception fails the test
            raised = exc
        assert raised is None or raised.status_code == status

    parses_or_raises_unparseable()


# What the client checks, per key: the JSON values of a wrong type for it.
_NOT_A_STRING = [1, 1.5, True, [], {}]
_NOT_AN_INTEGER = ["404", 404.5, True, None, [], {}]
WRONG_TYPES: dict[str, dict[str, list[Any]]] = {
    "Stream": {
        **dict.fromkeys(("sid", "account_sid", "call_sid", "name", "date_updated", "uri"), _NOT_A_STRING),
        "status": ["paused", "", None, 1, []],  # outside the enum, or no string
    },
    "TwilioError": {
        "code": _NOT_AN_INTEGER,
        "status": _NOT_AN_INTEGER,
        "message": [None, *_NOT_A_STRING],
        "more_info": [None, *_NOT_A_STRING],
        "detail": [None, *_NOT_A_STRING],
    },
}
REQUIRED = {
    "Stream": ["sid", "account_sid", "call_sid", "name", "status", "date_updated", "uri"],
    "TwilioError": ["code", "message", "more_info", "status"],
}


@pytest.mark.parametrize(("operation_id", "status", "ref"), RESPONSES, ids=[f"{o}-{s}" for o, s, _ in RESPONSES])
def test_a_violation_of_what_the_client_checks_always_raises_unparseable_response(
    operation_id: str, status: int, ref: str
) -> None:
    """A valid body with one required key removed, or one key given a wrong JSON type or an unknown enum value."""
    schema = ref.rsplit("/", 1)[1]

    @EXAMPLES
    @given(value=bodies(operation_id, status, GenerationMode.POSITIVE), data=st.data())
    def raises_unparseable(value: dict[str, Any], data: st.DataObject) -> None:
        broken = dict(value)
        if data.draw(st.booleans(), label="remove a required key"):
            del broken[data.draw(st.sampled_from(REQUIRED[schema]), label="key")]
        else:
            key = data.draw(st.sampled_from(sorted(WRONG_TYPES[schema])), label="key")
            broken[key] = data.draw(st.sampled_from(WRONG_TYPES[schema][key]), label="wrong value")

        with pytest.raises(refusal(operation_id, status)) as raised:
            answer(operation_id, status, json_bytes(broken))

        assert raised.value.status_code == status

    raises_unparseable()


@pytest.mark.parametrize(
    "content", [b"", b"Not Found", b"<html></html>", b"[]", b"null", b'{"sid": 1', b"\xff\xfe"], ids=repr
)
@pytest.mark.parametrize(
    ("operation_id", "status"), [(o, s) for o, s, _ in RESPONSES], ids=[f"{o}-{s}" for o, s, _ in RESPONSES]
)
def test_a_body_that_is_no_json_object_raises_unparseable_response(
    operation_id: str, status: int, content: bytes
) -> None:
    with pytest.raises(refusal(operation_id, status)) as raised:
        answer(operation_id, status, content)

    assert raised.value.status_code == status
    assert raised.value.content == content


@pytest.mark.parametrize(
    "broken",
    [
        {"status": "paused"},  # outside the enum
        {"sid": None, "status": None},  # status is the one non-nullable field
    ],
    ids=["status-outside-enum", "status-null"],
)
def test_a_stream_with_an_invalid_status_raises_unparseable_response(broken: dict[str, Any]) -> None:
    stream = {
        "sid": "MZ" + "0" * 32,
        "account_sid": ACCOUNT_SID,
        "call_sid": CALL_SID,
        "name": None,
        "status": "stopped",
        "date_updated": None,
        "uri": None,
        **broken,
    }

    with pytest.raises(UnparseableResponse):
        answer("UpdateStream", 200, json_bytes(stream))


@pytest.mark.parametrize("missing", ["sid", "account_sid", "call_sid", "name", "status", "date_updated", "uri"])
def test_a_stream_without_a_required_key_raises_unparseable_response(missing: str) -> None:
    stream = {
        "sid": None,
        "account_sid": None,
        "call_sid": None,
        "name": None,
        "status": "stopped",
        "date_updated": None,
        "uri": None,
    }
    del stream[missing]

    with pytest.raises(UnparseableResponse):
        answer("UpdateStream", 200, json_bytes(stream))
