"""openapi.yaml is a valid OpenAPI 3.1 document and states the facts of Twilio's Stream resource.

The expected values below restate the seed page ("Stop a Stream") and Twilio's description of the
resource; where a fact has a rule (a SID is a prefix and 32 hex digits, custom parameters run from 1 to
99) the test derives the values from the rule instead of listing them.
"""

from collections.abc import Iterator
from email.utils import parsedate_to_datetime
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest
import yaml
from openapi_spec_validator import validate

CONTRACT = Path(__file__).resolve().parent.parent / "openapi.yaml"

CREATE_PATH = "/2010-04-01/Accounts/{AccountSid}/Calls/{CallSid}/Streams.json"
UPDATE_PATH = "/2010-04-01/Accounts/{AccountSid}/Calls/{CallSid}/Streams/{Sid}.json"
OPERATIONS = {"CreateStream": CREATE_PATH, "UpdateStream": UPDATE_PATH}
SECURITY_SCHEME = "accountSid_authToken"
DOCUMENTED_ERRORS = ("400", "401", "404", "429")

# A Twilio SID is a two-letter prefix and 32 hex digits.
SID_PREFIXES = {"AccountSid": "AC", "CallSid": "CA"}
SID_FIELD_PREFIXES = {"account_sid": "AC", "call_sid": "CA", "sid": "MZ"}

# The seed's response body, in its order; every key but `status` may be null.
STREAM_KEYS = ("sid", "account_sid", "call_sid", "name", "status", "date_updated", "uri")
NON_NULLABLE_KEYS = {"status"}
STREAM_STATUSES = {"in-progress", "stopped"}

# The seed's response headers and their types.
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "string",
    "Access-Control-Allow-Methods": "string",
    "Access-Control-Allow-Headers": "string",
    "Access-Control-Allow-Credentials": "boolean",
    "Access-Control-Expose-Headers": "string",
}

CUSTOM_PARAMETERS = {f"Parameter{n}.{part}" for n in range(1, 100) for part in ("Name", "Value")}
CREATE_FIELDS = {"Url", "Name", "Track", "StatusCallback", "StatusCallbackMethod"} | CUSTOM_PARAMETERS
CREATE_ENUMS_AND_DEFAULTS = {
    "Track": ({"inbound_track", "outbound_track", "both_tracks"}, "inbound_track"),
    "StatusCallbackMethod": ({"GET", "POST"}, "POST"),
}

TWILIO_ERROR_REQUIRED = {"code", "message", "more_info", "status"}


@cache
def _contract() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(CONTRACT.read_text(encoding="utf-8"))
    return document


def _resolve(node: dict[str, Any]) -> dict[str, Any]:
    """Follow a local $ref; keywords beside the $ref (allowed in OpenAPI 3.1) win over the target's."""
    if "$ref" not in node:
        return node
    target: Any = _contract()
    for part in node["$ref"].removeprefix("#/").split("/"):
        target = target[part]
    siblings = {key: value for key, value in node.items() if key != "$ref"}
    return {**_resolve(target), **siblings}


def _operation(operation_id: str) -> dict[str, Any]:
    operation: dict[str, Any] = _contract()["paths"][OPERATIONS[operation_id]]["post"]
    return operation


def _path_parameters(operation_id: str) -> dict[str, dict[str, Any]]:
    path_item = _contract()["paths"][OPERATIONS[operation_id]]
    parameters = [_resolve(p) for p in path_item.get("parameters", []) + path_item["post"].get("parameters", [])]
    return {p["name"]: p for p in parameters if p["in"] == "path"}


def _schema(name: str) -> dict[str, Any]:
    schema: dict[str, Any] = _contract()["components"]["schemas"][name]
    return schema


def _responses(operation_id: str) -> dict[str, dict[str, Any]]:
    return {status: _resolve(response) for status, response in _operation(operation_id)["responses"].items()}


def _sid_pattern(prefix: str) -> str:
    return f"^{prefix}[0-9a-fA-F]{{32}}$"


def _walk(node: Any, trail: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    yield trail, node
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _walk(value, (*trail, str(key)))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _walk(value, (*trail, str(index)))


def test_contract_is_valid_openapi_3_1() -> None:
    document = _contract()

    validate(document)

    assert document["openapi"] == "3.1.0"


def test_contract_names_twilio_as_its_only_server() -> None:
    assert [server["url"] for server in _contract()["servers"]] == ["https://api.twilio.com"]


def test_contract_has_exactly_the_two_stream_operations() -> None:
    found = {
        operation["operationId"]: (path, method)
        for path, item in _contract()["paths"].items()
        for method, operation in item.items()
        if isinstance(operation, dict) and "operationId" in operation
    }

    assert found == {operation_id: (path, "post") for operation_id, path in OPERATIONS.items()}


@pytest.mark.parametrize("operation_id", OPERATIONS)
def test_operation_has_the_one_tag_stream(operation_id: str) -> None:
    assert _operation(operation_id)["tags"] == ["Stream"]
    assert "Stream" in {tag["name"] for tag in _contract()["tags"]}


@pytest.mark.parametrize("operation_id", OPERATIONS)
def test_operation_declares_http_basic_security(operation_id: str) -> None:
    scheme = _contract()["components"]["securitySchemes"][SECURITY_SCHEME]

    assert _operation(operation_id)["security"] == [{SECURITY_SCHEME: []}]
    assert (scheme["type"], scheme["scheme"]) == ("http", "basic")


@pytest.mark.parametrize("operation_id", OPERATIONS)
@pytest.mark.parametrize("parameter", SID_PREFIXES)
def test_sid_path_parameter_has_the_sid_pattern_and_length(operation_id: str, parameter: str) -> None:
    schema = _path_parameters(operation_id)[parameter]["schema"]

    assert schema["pattern"] == _sid_pattern(SID_PREFIXES[parameter])
    assert schema["minLength"] == schema["maxLength"] == len(SID_PREFIXES[parameter]) + 32


def test_update_stream_sid_parameter_takes_a_sid_or_a_name() -> None:
    parameter = _path_parameters("UpdateStream")["Sid"]

    assert parameter["required"] is True
    assert parameter["schema"]["type"] == "string"
    assert "pattern" not in parameter["schema"]
    assert "maxLength" not in parameter["schema"]
    assert {example["value"] for example in parameter["examples"].values()} >= {
        "MZaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        "my-stream",
    }


def test_path_parameters_are_exactly_those_of_the_paths() -> None:
    assert set(_path_parameters("CreateStream")) == {"AccountSid", "CallSid"}
    assert set(_path_parameters("UpdateStream")) == {"AccountSid", "CallSid", "Sid"}


@pytest.mark.parametrize(
    ("operation_id", "body"), [("CreateStream", "CreateStreamBody"), ("UpdateStream", "UpdateStreamBody")]
)
def test_request_body_is_a_required_form_open_to_more_string_fields(operation_id: str, body: str) -> None:
    """Twilio ignores form fields it does not know: a server must not refuse one, so the body is open."""
    request_body = _operation(operation_id)["requestBody"]

    assert request_body["required"] is True
    assert list(request_body["content"]) == ["application/x-www-form-urlencoded"]
    assert request_body["content"]["application/x-www-form-urlencoded"]["schema"] == {
        "$ref": f"#/components/schemas/{body}"
    }
    assert _schema(body)["additionalProperties"] == {"type": "string"}


def test_update_stream_body_is_status_stopped() -> None:
    body = _schema("UpdateStreamBody")

    assert body["required"] == ["Status"]
    assert set(body["properties"]) == {"Status"}
    assert _resolve(body["properties"]["Status"])["enum"] == ["stopped"]


def test_create_stream_body_has_twilios_fields_and_the_99_parameter_pairs() -> None:
    body = _schema("CreateStreamBody")

    assert set(body["properties"]) == CREATE_FIELDS
    assert body["required"] == ["Url"]
    assert all(_resolve(body["properties"][name])["type"] == "string" for name in CUSTOM_PARAMETERS)


@pytest.mark.parametrize("field", ["Url", "StatusCallback"])
def test_create_stream_url_fields_have_format_uri(field: str) -> None:
    assert _schema("CreateStreamBody")["properties"][field]["format"] == "uri"


@pytest.mark.parametrize("field", CREATE_ENUMS_AND_DEFAULTS)
def test_create_stream_enum_field_has_twilios_values_and_default(field: str) -> None:
    values, default = CREATE_ENUMS_AND_DEFAULTS[field]
    schema = _resolve(_schema("CreateStreamBody")["properties"][field])

    assert set(schema["enum"]) == values
    assert schema["default"] == default


def test_stream_schema_has_exactly_the_seeds_seven_keys() -> None:
    stream = _schema("Stream")

    assert tuple(stream["properties"]) == STREAM_KEYS
    assert stream["required"] == list(STREAM_KEYS)
    assert stream["additionalProperties"] is True  # open: Twilio and compatible providers add fields


@pytest.mark.parametrize("key", STREAM_KEYS)
def test_stream_field_is_nullable_unless_it_is_status(key: str) -> None:
    schema = _resolve(_schema("Stream")["properties"][key])
    types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]

    assert ("null" in types) is (key not in NON_NULLABLE_KEYS)
    assert "string" in types


def test_stream_status_is_in_progress_or_stopped() -> None:
    assert set(_resolve(_schema("Stream")["properties"]["status"])["enum"]) == STREAM_STATUSES


@pytest.mark.parametrize("field", SID_FIELD_PREFIXES)
def test_stream_sid_field_has_the_sid_pattern_and_length(field: str) -> None:
    schema = _schema("Stream")["properties"][field]

    assert schema["pattern"] == _sid_pattern(SID_FIELD_PREFIXES[field])
    assert schema["minLength"] == schema["maxLength"] == len(SID_FIELD_PREFIXES[field]) + 32


def test_date_updated_is_labelled_rfc_2822() -> None:
    assert _schema("Stream")["properties"]["date_updated"]["format"] == "date-time-rfc-2822"


def test_contract_never_uses_format_date_time() -> None:
    # Twilio writes RFC 2822 dates; `date-time` (RFC 3339) would make validators reject every real answer.
    formats = [node["format"] for _, node in _walk(_contract()) if isinstance(node, dict) and "format" in node]

    assert "date-time" not in formats


@pytest.mark.parametrize("operation_id", OPERATIONS)
def test_operation_answers_200_with_a_stream(operation_id: str) -> None:
    content = _responses(operation_id)["200"]["content"]

    assert list(content) == ["application/json"]
    assert content["application/json"]["schema"] == {"$ref": "#/components/schemas/Stream"}


@pytest.mark.parametrize("operation_id", OPERATIONS)
def test_operation_documents_twilios_errors_with_one_error_schema(operation_id: str) -> None:
    responses = _responses(operation_id)

    assert set(responses) == {"200", *DOCUMENTED_ERRORS, "default"}
    for status in [*DOCUMENTED_ERRORS, "default"]:
        assert responses[status]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/TwilioError"
        }


def test_twilio_error_schema_has_twilios_fields() -> None:
    error = _schema("TwilioError")

    assert set(error["required"]) == TWILIO_ERROR_REQUIRED
    assert set(error["properties"]) == TWILIO_ERROR_REQUIRED | {"detail"}
    assert {name: error["properties"][name]["type"] for name in error["properties"]} == {
        "code": "integer",
        "message": "string",
        "more_info": "string",
        "status": "integer",
        "detail": "string",
    }


@pytest.mark.parametrize("operation_id", OPERATIONS)
def test_every_response_carries_the_five_cors_headers(operation_id: str) -> None:
    for status, response in _responses(operation_id).items():
        headers = {name: _resolve(header) for name, header in response["headers"].items()}

        assert {name: headers[name]["schema"]["type"] for name in CORS_HEADERS} == CORS_HEADERS, status
        assert all(headers[name]["required"] is True for name in CORS_HEADERS), status


@pytest.mark.parametrize("operation_id", OPERATIONS)
def test_only_401_challenges_with_www_authenticate(operation_id: str) -> None:
    responses = _responses(operation_id)
    challenged = {status for status, response in responses.items() if "WWW-Authenticate" in response["headers"]}

    assert challenged == {"401"}
    header = _resolve(responses["401"]["headers"]["WWW-Authenticate"])
    assert header["required"] is True
    assert header["example"] == 'Basic realm="Twilio API"'


def test_create_stream_links_to_stopping_by_sid_and_by_name() -> None:
    links = _responses("CreateStream")["200"]["links"]

    assert {(name, link["operationId"], link["parameters"]["Sid"]) for name, link in links.items()} >= {
        ("StopBySid", "UpdateStream", "$response.body#/sid"),
        ("StopByName", "UpdateStream", "$response.body#/name"),
    }
    for link in links.values():
        assert link["parameters"]["AccountSid"] == "$request.path.AccountSid"
        assert link["parameters"]["CallSid"] == "$request.path.CallSid"


# Every example of the contract must satisfy its own schema; the test collects them by walking the document.


def _is_rfc_2822(value: str) -> bool:
    try:
        parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return False
    return True


def _validator(schema: dict[str, Any]) -> jsonschema_rs.Validator:
    # The whole document is the root, so the schema's "#/components/..." references resolve.
    root = {"$schema": "https://json-schema.org/draft/2020-12/schema", "components": _contract()["components"]}
    return jsonschema_rs.validator_for(
        {**root, **schema},
        validate_formats=True,
        formats={"date-time-rfc-2822": _is_rfc_2822},
    )


def _examples() -> Iterator[tuple[str, dict[str, Any], Any]]:
    """(where, schema, example) for every example of the contract."""
    for trail, node in _walk(_contract()):
        if not isinstance(node, dict) or "schema" not in node:
            if isinstance(node, dict) and isinstance(node.get("examples"), list) and trail[-2:-1] == ("properties",):
                for index, example in enumerate(node["examples"]):
                    yield "/".join((*trail, "examples", str(index))), node, example
            continue
        schema = node["schema"]
        if "example" in node:
            yield "/".join((*trail, "example")), schema, node["example"]
        for name, example in node.get("examples", {}).items():
            yield "/".join((*trail, "examples", name)), schema, _resolve(example)["value"]


EXAMPLES = list(_examples())


def test_contract_has_the_examples_the_issue_asks_for() -> None:
    where = {location.rsplit("/", 1)[-1] for location, _, _ in EXAMPLES}

    assert {"by_sid", "by_name", "stop", "create", "stopped", "created"} <= where
    assert {"missing_status", "authenticate", "not_found", "too_many_requests"} <= where


@pytest.mark.parametrize(("where", "schema", "example"), EXAMPLES, ids=[where for where, _, _ in EXAMPLES])
def test_example_satisfies_its_schema(where: str, schema: dict[str, Any], example: Any) -> None:
    errors = [error.message for error in _validator(schema).iter_errors(example)]

    assert errors == [], where


def test_example_validation_rejects_a_wrong_example() -> None:
    # Guards the test above: a validator that resolves nothing would pass every example.
    wrong_stream = dict.fromkeys(STREAM_KEYS) | {"status": "paused"}

    assert not _validator({"$ref": "#/components/schemas/Stream"}).is_valid(wrong_stream)
    assert not _validator(_schema("Stream")["properties"]["date_updated"]).is_valid("2015-07-30T20:00:00Z")
    assert not _validator(_schema("CreateStreamBody")).is_valid({"Url": "wss://example.com", "Parameter100.Name": 1})
    assert not _validator(_schema("CreateStreamBody")).is_valid({"Url": "not a uri"})
