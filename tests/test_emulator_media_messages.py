"""The frames of a Media Stream are the AsyncAPI document's messages (emulator/media/messages.py)."""

import base64
import json

import jsonschema_rs
import pytest
import twilio_stream_contract as contract
from hypothesis import given
from hypothesis import strategies as st
from twilio_stream_contract import media as media_contract
from twilio_stream_emulator.media import messages

VALIDATORS = {
    event: jsonschema_rs.validator_for(dict(schema)) for event, schema in media_contract.MESSAGE_SCHEMAS.items()
}
IDS = messages.StreamIds(
    contract.new_sid(contract.STREAM_SID), contract.new_sid(contract.ACCOUNT_SID), contract.new_sid(contract.CALL_SID)
)
payloads = st.binary(min_size=1, max_size=400).map(lambda audio: base64.b64encode(audio).decode("ascii"))
names = st.text(min_size=1, max_size=40)


def _validate(frame: str) -> dict[str, object]:
    message: dict[str, object] = json.loads(frame)
    VALIDATORS[str(message["event"])].validate(message)
    return message


def test_connected_is_the_documents_connected_message() -> None:
    message = _validate(messages.connected())

    assert message == {
        "event": media_contract.CONNECTED,
        "protocol": media_contract.PROTOCOL,
        "version": media_contract.PROTOCOL_VERSION,
    }


@pytest.mark.parametrize("track", sorted(contract.TRACKS_OF))
@given(parameters=st.dictionaries(names, st.text(max_size=40), max_size=5))
def test_start_names_the_stream_its_tracks_and_parameters(track: str, parameters: dict[str, str]) -> None:
    message = _validate(messages.start(IDS, contract.TRACKS_OF[track], parameters))

    assert message["sequenceNumber"] == "1"
    assert message["streamSid"] == IDS.stream_sid
    assert message["start"] == {
        "accountSid": IDS.account_sid,
        "streamSid": IDS.stream_sid,
        "callSid": IDS.call_sid,
        "tracks": list(contract.TRACKS_OF[track]),
        "customParameters": parameters,
        "mediaFormat": dict(media_contract.MEDIA_FORMAT),
    }


@given(
    sequence_number=st.integers(2, 10**9),
    track=st.sampled_from(media_contract.TRACKS),
    chunk=st.integers(1, 10**9),
    timestamp=st.integers(0, 10**10),
    payload=payloads,
)
def test_a_media_frame_is_the_json_of_its_message(
    sequence_number: int, track: str, chunk: int, timestamp: int, payload: str
) -> None:
    frame = messages.media(IDS.stream_sid, sequence_number, track, chunk, timestamp, payload)

    expected = {
        "event": media_contract.MEDIA,
        "sequenceNumber": str(sequence_number),
        "media": {"track": track, "chunk": str(chunk), "timestamp": str(timestamp), "payload": payload},
        "streamSid": IDS.stream_sid,
    }
    assert frame == json.dumps(expected)  # the same bytes as json.dumps writes
    _validate(frame)


def test_stop_names_the_account_and_call() -> None:
    message = _validate(messages.stop(IDS, 7))

    assert message == {
        "event": media_contract.STOP,
        "sequenceNumber": "7",
        "stop": {"accountSid": IDS.account_sid, "callSid": IDS.call_sid},
        "streamSid": IDS.stream_sid,
    }


@given(pairs=st.dictionaries(st.integers(1, 99), st.tuples(names, st.text(max_size=20)), max_size=99))
def test_custom_parameters_are_the_named_pairs_in_their_order(pairs: dict[int, tuple[str, str]]) -> None:
    fields = {}
    for number, (name, value) in pairs.items():
        fields[f"Parameter{number}.Name"] = name
        fields[f"Parameter{number}.Value"] = value

    parameters = messages.custom_parameters(fields)

    ordered = [pairs[number] for number in sorted(pairs)]
    assert parameters == dict(ordered)
    assert list(parameters) == list(dict(ordered))


def test_a_value_without_a_name_is_left_out_and_a_name_without_a_value_is_empty() -> None:
    fields = {"Parameter2.Value": "lost", "Parameter5.Name": "alone", "Parameter7.Namex": "x", "Url": "wss://a"}

    assert messages.custom_parameters(fields) == {"alone": ""}
