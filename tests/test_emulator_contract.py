"""What the emulator reads from openapi.yaml is what the contract says (emulator/contract.py)."""

import pytest
import twilio_stream_contract as contract
from twilio_stream_emulator.cors import CORS_HEADERS, WWW_AUTHENTICATE
from twilio_stream_emulator.responses import render_stream
from twilio_stream_emulator.store import Stream


def test_the_sid_patterns_are_the_contracts() -> None:
    assert contract.ACCOUNT_SID.pattern == "^AC[0-9a-fA-F]{32}$"
    assert contract.CALL_SID.pattern == "^CA[0-9a-fA-F]{32}$"
    assert contract.STREAM_SID.pattern == "^MZ[0-9a-fA-F]{32}$"


@pytest.mark.parametrize("value", ["CA" + "a" * 32 + "\n", " CA" + "a" * 32, "CA" + "a" * 31, "CA" + "٣" * 32])
def test_a_pattern_rejects_what_json_schema_rejects(value: str) -> None:
    # Python's `$` matches before a final newline and `\d` any digit; fullmatch with [0-9] does neither.
    assert contract.CALL_SID.fullmatch(value) is None


def test_the_form_bodies_are_the_contracts() -> None:
    assert contract.UPDATE_BODY.fields == {"Status"}
    assert contract.UPDATE_BODY.required == ("Status",)
    assert contract.UPDATE_BODY.enums == {"Status": ("stopped",)}
    assert contract.CREATE_BODY.required == ("Url",)
    assert contract.CREATE_BODY.uri_fields == {"Url", "StatusCallback"}
    assert contract.CREATE_BODY.enums == {
        "Track": ("inbound_track", "outbound_track", "both_tracks"),
        "StatusCallbackMethod": ("GET", "POST"),
    }
    assert contract.CREATE_BODY.defaults == {"Track": "inbound_track", "StatusCallbackMethod": "POST"}
    parameters = {f"Parameter{n}.{part}" for n in range(1, 100) for part in ("Name", "Value")}
    assert (
        contract.CREATE_BODY.fields == {"Url", "Name", "Track", "StatusCallback", "StatusCallbackMethod"} | parameters
    )


def test_the_cors_headers_are_the_contracts_response_headers() -> None:
    assert {name for name, _ in CORS_HEADERS} | {"WWW-Authenticate"} == contract.RESPONSE_HEADER_NAMES
    assert WWW_AUTHENTICATE.startswith("Basic realm=")


def test_a_rendered_stream_has_the_contracts_keys_in_order() -> None:
    stream = Stream(
        "MZ" + "a" * 32, "AC" + "a" * 32, "CA" + "a" * 32, None, "stopped", "Thu, 30 Jul 2015 20:00:00 +0000"
    )

    assert list(__import__("json").loads(render_stream(stream))) == list(contract.STREAM_FIELDS)
