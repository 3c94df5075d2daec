"""The generated client parses every answer the contract allows, and only raises its own exception.

For every response of every operation (200, each error, and `default` at the status of its example),
schemathesis generates JSON values from the response schema of openapi.yaml: each one parses into the
client's model, and `to_dict()` gives back the same JSON. The client checks what a model needs (JSON
types, required keys, enum values) and deliberately not the rest (patterns, lengths, extra keys): each
violation of what it checks, derived from the schema, is refused with the client's documented exception,
and any other violation (schemathesis' negative mode) either parses or raises that same exception.

Schemathesis generates request data, so each response schema is lent to a request body of a small
derived document; `twilio_stream_conformance.hooks` registers the `date-time-rfc-2822` format, so dates are real.
"""

import json
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import schemathesis
import twilio_stream_conformance.hooks  # noqa: F401  (the date-time-rfc-2822 format strategy)
import twilio_stream_contract as contract
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from twilio_stream_client import ClientError, TwilioClient, UnexpectedStatus, UnparseableResponse
from twilio_stream_client.models import Stream, TwilioError
from twilio_stream_conformance.checks import Case

from tests.client_contract import ACCOUNT_SID, ANSWERS, DOCUMENT, Answer, call, documented_statuses
from tests.property_budget import examples

EXAMPLES = settings(max_examples=examples(40), deadline=None, suppress_health_check=list(HealthCheck))
MODELS: dict[str, type[Stream] | type[TwilioError]] = {"Stream": Stream, "TwilioError": TwilioError}
ANSWER_IDS = [answer.id for answer in ANSWERS]


def status_of(answer: Answer) -> int:
    """The status to answer with: the documented one, or for `default` the one its first example names."""
    return answer.status or next(iter(answer.examples.values()))["status"]


def refusal(answer: Answer) -> type[ClientError]:
    """What the client raises for a body it cannot read: a documented status has a bad body
    (UnparseableResponse); any other status without Twilio's error body is unexpected (UnexpectedStatus)."""
    return UnparseableResponse if answer.status in documented_statuses(answer.operation_id) else UnexpectedStatus


def _bodies_document() -> dict[str, Any]:
    """One operation per documented response whose request body has that response's schema."""
    paths = {
        f"/{answer.id}": {
            "post": {
                "operationId": answer.id,
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{answer.schema}"}}},
                },
                "responses": {"200": {"description": "unused"}},
            }
        }
        for answer in ANSWERS
    }
    components = contract.document()["components"]  # a copy: schemathesis may change what it is given
    return {"openapi": "3.1.0", "info": {"title": "bodies", "version": "1"}, "paths": paths, "components": components}


BODIES = schemathesis.openapi.from_dict(_bodies_document())


def bodies(answer: Answer, mode: GenerationMode) -> st.SearchStrategy[Any]:
    strategy: st.SearchStrategy[Case] = BODIES.find_operation_by_id(answer.id).as_strategy(mode)
    return strategy.map(lambda case: case.body)


def answer_with(answer: Answer, content: bytes) -> Stream | TwilioError | None:
    """What the client returns (or raises) when the server gives this answer with `content`."""
    transport = httpx.MockTransport(
        lambda request: httpx.Response(status_of(answer), content=content, headers={"Content-Type": "application/json"})
    )
    return call(answer.operation_id, "sync", TwilioClient(ACCOUNT_SID, "token", httpx_args={"transport": transport}))


def json_bytes(value: Any) -> bytes:
    """The body as sent; negative mode may draw raw bytes (a body that is not JSON at all)."""
    return value if isinstance(value, bytes) else json.dumps(value).encode()


# One JSON value of each type: those a key's schema does not allow are the wrong types tried on it.
_ONE_OF_EACH_TYPE = ["text", 1, 1.5, True, None, [], {}]
_JSON_TYPE = {
    str: "string",
    int: "integer",
    float: "number",
    bool: "boolean",
    type(None): "null",
    list: "array",
    dict: "object",
}


def _allows(types: set[str], value: Any) -> bool:
    json_type = _JSON_TYPE[type(value)]
    return json_type in types or (json_type == "integer" and "number" in types)


@dataclass(frozen=True)
class Mutation:
    """One way to break a valid body of a schema: remove a required key, or set a key to a value it refuses."""

    name: str
    key: str
    value: Any = None
    remove: bool = False

    def __call__(self, body: dict[str, Any]) -> dict[str, Any]:
        if self.remove:
            return {key: value for key, value in body.items() if key != self.key}
        return body | {self.key: self.value}


def _mutations(schema_name: str) -> list[Mutation]:
    schema = DOCUMENT["components"]["schemas"][schema_name]
    mutations = [Mutation(f"no {key}", key, remove=True) for key in schema["required"]]
    for key, reference in schema["properties"].items():
        field = contract.resolve(reference)
        types = {field["type"]} if isinstance(field["type"], str) else set(field["type"])
        wrong = [value for value in _ONE_OF_EACH_TYPE if not _allows(types, value)]
        if "enum" in field:
            wrong.append("|".join(map(str, field["enum"])))  # of the right type, but no member
        mutations += [Mutation(f"{key}={value!r}", key, value) for value in wrong]
    return mutations


MUTATIONS = {schema: _mutations(schema) for schema in MODELS}


@pytest.mark.parametrize("answer", ANSWERS, ids=ANSWER_IDS)
def test_every_documented_response_parses_and_round_trips(answer: Answer) -> None:
    @EXAMPLES
    @given(value=bodies(answer, GenerationMode.POSITIVE))
    def parses(value: Any) -> None:
        parsed = answer_with(answer, json_bytes(value))

        assert isinstance(parsed, MODELS[answer.schema])
        assert parsed.to_dict() == value
        if isinstance(parsed, Stream) and parsed.date_updated is not None:
            assert parsed.date_updated_datetime is not None  # a real RFC 2822 date parses

    parses()


@pytest.mark.parametrize("answer", ANSWERS, ids=ANSWER_IDS)
def test_a_response_violating_the_schema_parses_or_raises_unparseable_response_never_another_exception(
    answer: Answer,
) -> None:
    """Any violation: the client may accept what it does not check (a pattern, a length, an extra key),
    so this proves only that nothing but the client's refusal escapes. The tests below prove that what
    it does check is always refused."""

    @EXAMPLES
    @given(value=bodies(answer, GenerationMode.NEGATIVE))
    def parses_or_raises_unparseable(value: Any) -> None:
        raised: ClientError | None = None
        try:
            answer_with(answer, json_bytes(value))
        except refusal(answer) as exc:  # any other exception fails the test
            raised = exc
        assert raised is None or raised.status_code == status_of(answer)

    parses_or_raises_unparseable()


EACH_MUTATION = [
    pytest.param(answer, mutation, id=f"{answer.id}-{mutation.name}")
    for answer in ANSWERS
    for mutation in MUTATIONS[answer.schema]
]


@pytest.mark.parametrize(("answer", "mutation"), EACH_MUTATION)
def test_each_violation_of_what_the_client_checks_is_refused(answer: Answer, mutation: Mutation) -> None:
    """The answer's first example, broken one way: a required key removed, or a key of a wrong JSON type or
    outside its enum."""
    body = mutation(next(iter(answer.examples.values())))

    with pytest.raises(refusal(answer)) as raised:
        answer_with(answer, json_bytes(body))

    assert raised.value.status_code == status_of(answer)


@pytest.mark.parametrize("answer", ANSWERS, ids=ANSWER_IDS)
def test_any_violation_of_what_the_client_checks_is_refused(answer: Answer) -> None:
    """Any valid body, broken by any of the mutations above."""

    @EXAMPLES
    @given(value=bodies(answer, GenerationMode.POSITIVE), mutation=st.sampled_from(MUTATIONS[answer.schema]))
    def raises_unparseable(value: dict[str, Any], mutation: Mutation) -> None:
        with pytest.raises(refusal(answer)) as raised:
            answer_with(answer, json_bytes(mutation(value)))

        assert raised.value.status_code == status_of(answer)

    raises_unparseable()
