"""The generated client sends requests the contract accepts, for any input schemathesis draws from it.

For each operation, schemathesis generates cases from openapi.yaml (path parameters of every shape the
contract allows, names with `/`, `?`, `%`, spaces and non-ASCII included). The client sends each one
through a recording `httpx.MockTransport`; the recorded request must be the contract's: the method, the
path template with every segment percent-decoding back to the value given, a form body with the wire
names that validates against the body schema, and HTTP basic authentication.
"""

import base64
import re
from typing import Any
from urllib.parse import parse_qsl, unquote

import httpx
import jsonschema_rs
import pytest
import schemathesis
import twilio_stream_contract as contract
from hypothesis import HealthCheck, given, settings
from twilio_stream_client import TwilioClient
from twilio_stream_conformance.checks import Case

from tests.client_contract import ACCOUNT_SID, DOCUMENT, ENDPOINTS, FORM, OPERATIONS, example_bodies
from tests.generated_cases import form_of
from tests.property_budget import examples

SCHEMA = schemathesis.openapi.from_path(contract.CONTRACT_PATH)
AUTH_TOKEN = "request-test-token"
EXAMPLES = settings(max_examples=examples(60), deadline=None, suppress_health_check=[HealthCheck.too_slow])


def path_template(operation_id: str) -> tuple[re.Pattern[str], list[str]]:
    """The contract's path of an operation as a regex over the raw path, and its parameter names."""
    path = OPERATIONS[operation_id].path
    return re.compile(re.sub(r"\\\{\w+\\\}", "([^/]+)", re.escape(path))), re.findall(r"\{(\w+)\}", path)


def body_validator(operation_id: str) -> Any:
    operation = OPERATIONS[operation_id]
    schema = DOCUMENT["paths"][operation.path][operation.method.lower()]["requestBody"]["content"][FORM]["schema"]
    return jsonschema_rs.validator_for({**schema, "components": DOCUMENT["components"]})


def parameter_validators(operation_id: str) -> dict[str, Any]:
    """A validator of each path parameter of the operation, by name."""
    parameters = map(contract.resolve, DOCUMENT["paths"][OPERATIONS[operation_id].path].get("parameters", []))
    return {parameter["name"]: jsonschema_rs.validator_for(parameter["schema"]) for parameter in parameters}


class Recorder:
    """A transport that keeps every request and answers 200 with a Stream."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return httpx.Response(200, json=example_bodies("Stream")[0])


def assert_is_contract_request(request: httpx.Request, case: Case, operation_id: str) -> None:
    assert request.method == OPERATIONS[operation_id].method
    template, names = path_template(operation_id)
    raw_path = request.url.raw_path.decode("ascii")
    match = template.fullmatch(raw_path)
    assert match is not None, f"{raw_path!r} is not the path of {operation_id}"
    sent = {name: unquote(segment) for name, segment in zip(names, match.groups(), strict=True)}
    assert sent == case.path_parameters
    assert all(validator.is_valid(sent[name]) for name, validator in parameter_validators(operation_id).items())
    assert request.headers["content-type"] == FORM
    form = dict(
        parse_qsl(request.content.decode("utf-8"), keep_blank_values=True, strict_parsing=bool(request.content))
    )
    assert form == case.body
    assert body_validator(operation_id).is_valid(form)
    expected = base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()
    assert request.headers["authorization"] == f"Basic {expected}"


@pytest.mark.parametrize("operation_id", sorted(ENDPOINTS))
def test_request_is_the_contracts(operation_id: str) -> None:
    module, body_model = ENDPOINTS[operation_id]

    @EXAMPLES
    @given(case=SCHEMA.find_operation_by_id(operation_id).as_strategy())
    def sends_the_contracts_request(case: Case) -> None:
        recorder = Recorder()
        client = TwilioClient(ACCOUNT_SID, AUTH_TOKEN, httpx_args={"transport": httpx.MockTransport(recorder)})
        _, names = path_template(operation_id)
        arguments = [(case.path_parameters or {})[name] for name in names]

        module.sync_detailed(*arguments, client=client, body=body_model.from_dict(form_of(case)))

        assert len(recorder.requests) == 1
        assert_is_contract_request(recorder.requests[0], case, operation_id)

    sends_the_contracts_request()
