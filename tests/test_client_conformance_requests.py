"""The generated client sends requests the contract accepts, for any input schemathesis draws from it.

For each operation, schemathesis generates cases from openapi.yaml (path parameters of every shape the
contract allows, names with `/`, `?`, `%`, spaces and non-ASCII included). The client sends each one
through a recording `httpx.MockTransport`; the recorded request must be the contract's: the method, the
path template with every segment percent-decoding back to the value given, a form body with the wire
names that validates against the body schema, and HTTP basic authentication.
"""

import base64
import re
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote

import httpx
import jsonschema_rs
import schemathesis
import yaml
from hypothesis import HealthCheck, given, settings
from twilio_stream_client import TwilioClient
from twilio_stream_client.api.stream import create_stream, update_stream
from twilio_stream_client.models import CreateStreamBody, UpdateStreamBody
from twilio_stream_conformance.checks import Case

from tests.generated_cases import form_of

CONTRACT = Path(__file__).resolve().parent.parent / "openapi.yaml"
SCHEMA = schemathesis.openapi.from_path(CONTRACT)
DOCUMENT: dict[str, Any] = yaml.safe_load(CONTRACT.read_text(encoding="utf-8"))
ACCOUNT_SID = "AC0123456789abcdef0123456789abcdef"
AUTH_TOKEN = "request-test-token"
SEGMENT = "([^/]+)"
STREAM = {
    "sid": "MZ" + "0" * 32,
    "account_sid": ACCOUNT_SID,
    "call_sid": "CA" + "0" * 32,
    "name": None,
    "status": "stopped",
    "date_updated": "Thu, 30 Jul 2015 20:00:00 +0000",
    "uri": f"/2010-04-01/Accounts/{ACCOUNT_SID}/Calls/{'CA' + '0' * 32}/Streams/{'MZ' + '0' * 32}.json",
}
EXAMPLES = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def path_template(operation_id: str) -> tuple[str, list[str]]:
    """The contract's path of an operation as a regex over the raw path, and its parameter names."""
    for path, item in DOCUMENT["paths"].items():
        if item["post"]["operationId"] == operation_id:
            names = re.findall(r"\{(\w+)\}", path)
            return "^" + re.sub(r"\\\{\w+\\\}", SEGMENT, re.escape(path)) + "$", names
    raise LookupError(operation_id)


def body_validator(operation_id: str) -> Any:
    for item in DOCUMENT["paths"].values():
        if item["post"]["operationId"] == operation_id:
            schema = item["post"]["requestBody"]["content"]["application/x-www-form-urlencoded"]["schema"]
            return jsonschema_rs.validator_for({**schema, "components": DOCUMENT["components"]})
    raise LookupError(operation_id)


def parameter_validator(name: str) -> Any:
    for item in DOCUMENT["paths"].values():
        for parameter in item.get("parameters", []):
            definition = (
                DOCUMENT["components"]["parameters"][parameter["$ref"].rsplit("/", 1)[1]]
                if "$ref" in parameter
                else parameter
            )
            if definition["name"] == name:
                return jsonschema_rs.validator_for(definition["schema"])
    raise LookupError(name)


class Recorder:
    """A transport that keeps every request and answers 200 with a Stream."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return httpx.Response(200, json=STREAM)


def recording_client() -> tuple[TwilioClient, Recorder]:
    recorder = Recorder()
    client = TwilioClient(ACCOUNT_SID, AUTH_TOKEN, httpx_args={"transport": httpx.MockTransport(recorder)})
    return client, recorder


def assert_is_contract_request(request: httpx.Request, case: Case, operation_id: str) -> None:
    assert request.method == "POST"
    template, names = path_template(operation_id)
    raw_path = request.url.raw_path.decode("ascii")
    match = re.match(template, raw_path)
    assert match is not None, f"{raw_path!r} is not the path of {operation_id}"
    sent = {name: unquote(segment) for name, segment in zip(names, match.groups(), strict=True)}
    assert sent == case.path_parameters
    for name in names:
        if name != "Sid":  # the Sid of UpdateStream is a SID or any name: no pattern
            assert parameter_validator(name).is_valid(sent[name])
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    form = dict(
        parse_qsl(request.content.decode("utf-8"), keep_blank_values=True, strict_parsing=bool(request.content))
    )
    assert form == case.body
    assert body_validator(operation_id).is_valid(form)
    expected = base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()
    assert request.headers["authorization"] == f"Basic {expected}"


@EXAMPLES
@given(case=SCHEMA.find_operation_by_id("CreateStream").as_strategy())
def test_create_stream_request_is_the_contracts(case: Case) -> None:
    client, recorder = recording_client()
    path = case.path_parameters or {}

    create_stream.sync_detailed(
        path["AccountSid"], path["CallSid"], client=client, body=CreateStreamBody.from_dict(form_of(case))
    )

    assert len(recorder.requests) == 1
    assert_is_contract_request(recorder.requests[0], case, "CreateStream")


@EXAMPLES
@given(case=SCHEMA.find_operation_by_id("UpdateStream").as_strategy())
def test_update_stream_request_is_the_contracts(case: Case) -> None:
    client, recorder = recording_client()
    path = case.path_parameters or {}

    update_stream.sync_detailed(
        path["AccountSid"], path["CallSid"], path["Sid"], client=client, body=UpdateStreamBody.from_dict(form_of(case))
    )

    assert len(recorder.requests) == 1
    assert_is_contract_request(recorder.requests[0], case, "UpdateStream")


def test_update_stream_request_keeps_reserved_characters_of_a_name() -> None:
    client, recorder = recording_client()
    name = "a/b?c#d%e f+g&h=ü"
    case = SCHEMA.find_operation_by_id("UpdateStream").Case(
        path_parameters={"AccountSid": ACCOUNT_SID, "CallSid": "CA" + "1" * 32, "Sid": name},
        body={"Status": "stopped"},
        media_type="application/x-www-form-urlencoded",
    )

    update_stream.sync_detailed(
        ACCOUNT_SID, "CA" + "1" * 32, name, client=client, body=UpdateStreamBody.from_dict(form_of(case))
    )

    assert recorder.requests[0].url.raw_path.endswith(b"/Streams/a%2Fb%3Fc%23d%25e%20f%2Bg%26h%3D%C3%BC.json")
    assert_is_contract_request(recorder.requests[0], case, "UpdateStream")
