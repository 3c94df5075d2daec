"""openapi.yaml's operations and answers as the client tests use them, and one way to call each operation.

The client tests take their expected values from here, read from the contract, instead of restating it:

- ``ANSWERS``: every documented response of every operation: status, schema of the JSON body, examples;
  ``example_bodies(schema)`` all examples of one schema.
- ``ENDPOINTS``: the generated module and body model of each operation.
- ``call(operation_id, variant, client)``: one request through the generated ``sync``, ``sync_detailed``,
  ``asyncio`` or ``asyncio_detailed`` function, with the contract's request example as its body; it gives
  what the client made of the answer (``.parsed`` for the detailed functions).
"""

import asyncio
import re
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import twilio_stream_contract as contract
from twilio_stream_client import TwilioClient
from twilio_stream_client.api.stream import create_stream, update_stream
from twilio_stream_client.models import CreateStreamBody, Stream, TwilioError, UpdateStreamBody

DOCUMENT = contract.document()
SERVER_URL: str = DOCUMENT["servers"][0]["url"]
FORM = "application/x-www-form-urlencoded"

# Fixed values of the contract's patterns, so that failures read the same on every run.
ACCOUNT_SID = "AC0123456789abcdef0123456789abcdef"
CALL_SID = "CA0123456789abcdef0123456789abcdef"
STREAM_SID = "MZ0123456789abcdef0123456789abcdef"
AUTH_TOKEN = "0123456789abcdef0123456789abcdef"
PATH_VALUES = {"AccountSid": ACCOUNT_SID, "CallSid": CALL_SID, "Sid": STREAM_SID}

OPERATIONS = {operation.operation_id: operation for operation in contract.OPERATIONS}
# The generated module and body model of each operation (tests/test_exported_members.py checks the keys).
ENDPOINTS: dict[str, tuple[ModuleType, type[CreateStreamBody] | type[UpdateStreamBody]]] = {
    "CreateStream": (create_stream, CreateStreamBody),
    "UpdateStream": (update_stream, UpdateStreamBody),
}
VARIANTS = ("sync", "sync_detailed", "asyncio", "asyncio_detailed")
CALLS = [(operation_id, variant) for operation_id in ENDPOINTS for variant in VARIANTS]


@dataclass(frozen=True)
class Answer:
    """One documented response of an operation."""

    operation_id: str
    status: int | None  # None for `default`: any status the operation does not name
    schema: str  # the component schema of its JSON body, e.g. "Stream"
    examples: dict[str, dict[str, Any]]  # example name -> JSON body

    @property
    def id(self) -> str:
        return f"{self.operation_id}-{self.status or 'default'}"


def _operation(operation_id: str) -> dict[str, Any]:
    operation = OPERATIONS[operation_id]
    definition: dict[str, Any] = DOCUMENT["paths"][operation.path][operation.method.lower()]
    return definition


def _answers() -> tuple[Answer, ...]:
    answers = []
    for operation_id in OPERATIONS:
        for status, reference in _operation(operation_id)["responses"].items():
            body = contract.resolve(reference)["content"]["application/json"]
            answers.append(
                Answer(
                    operation_id=operation_id,
                    status=None if status == "default" else int(status),
                    schema=body["schema"]["$ref"].removeprefix("#/components/schemas/"),
                    examples={name: example["value"] for name, example in body["examples"].items()},
                )
            )
    return tuple(answers)


ANSWERS = _answers()


def answer_of(operation_id: str, status: int) -> Answer:
    """The documented answer of an operation at one status."""
    return next(answer for answer in ANSWERS if (answer.operation_id, answer.status) == (operation_id, status))


def example_bodies(schema: str) -> list[dict[str, Any]]:
    """The example bodies of every answer whose JSON has that schema ("Stream", "TwilioError"), in order."""
    return [body for answer in ANSWERS if answer.schema == schema for body in answer.examples.values()]


def documented_statuses(operation_id: str) -> frozenset[int]:
    """The statuses the operation names itself (not through its `default` response)."""
    return frozenset(a.status for a in ANSWERS if a.operation_id == operation_id and a.status is not None)


def request_example(operation_id: str) -> dict[str, Any]:
    """The first example of the operation's form body."""
    examples = _operation(operation_id)["requestBody"]["content"][FORM]["examples"]
    value: dict[str, Any] = next(iter(examples.values()))["value"]
    return value


def path_arguments(operation_id: str) -> list[str]:
    """The positional arguments of the operation's functions: its path parameters (fixed values), in path order."""
    return [PATH_VALUES[name] for name in re.findall(r"\{(\w+)\}", OPERATIONS[operation_id].path)]


def call(operation_id: str, variant: str, client: TwilioClient) -> Stream | TwilioError | None:
    """Send the operation's request example through one generated function; what the client returns."""
    module, body_model = ENDPOINTS[operation_id]
    function = getattr(module, variant)
    body = body_model.from_dict(request_example(operation_id))
    result = function(*path_arguments(operation_id), client=client, body=body)
    if variant.startswith("asyncio"):
        result = asyncio.run(result)
    parsed: Stream | TwilioError | None = result.parsed if variant.endswith("_detailed") else result
    return parsed
