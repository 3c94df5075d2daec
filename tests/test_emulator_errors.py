"""The error catalogue renders Twilio's error body (emulator/errors.py)."""

import json

import jsonschema_rs
import pytest
import twilio_stream_contract as contract
from twilio_stream_emulator import errors

ERROR_SCHEMA = jsonschema_rs.validator_for(contract.json_schema("TwilioError"))
CATALOGUE = {name: value for name, value in vars(errors).items() if isinstance(value, errors.TwilioError)}
FIELDS = {"path": "/p", "parameter": "Url", "reason": "r", "name": "n", "call_sid": "CA", "limit": 4, "in_use": 3}
FIELDS |= {"track": "both_tracks", "needed": 2}


@pytest.mark.parametrize("name", sorted(CATALOGUE))
def test_every_error_renders_a_contract_twilio_error(name: str) -> None:
    error = CATALOGUE[name]

    body = json.loads(errors.render(error, **FIELDS))

    ERROR_SCHEMA.validate(body)
    assert (body["status"], body["code"]) == (error.status, error.code)
    assert body["more_info"] == f"https://www.twilio.com/docs/errors/{error.code}"
    assert ("detail" in body) == (error.detail is not None)


def test_the_authenticate_error_is_twilios() -> None:
    body = json.loads(errors.render(errors.AUTHENTICATE))

    assert body == {
        "code": 20003,
        "message": "Authenticate",
        "more_info": "https://www.twilio.com/docs/errors/20003",
        "status": 401,
        "detail": "Your AccountSid or AuthToken was incorrect.",
    }


def test_a_message_field_is_json_escaped() -> None:
    body = json.loads(errors.render(errors.UNKNOWN_PARAMETER, parameter='"\r\n</script>'))

    assert body["message"] == 'Unknown parameter "\r\n</script>'
