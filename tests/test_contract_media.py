"""The contract module reads media-stream.asyncapi.yaml right (twilio_stream_contract.media), and names
the status callbacks' facts once (twilio_stream_contract.callbacks).

What the AsyncAPI document says is checked against Twilio's facts in test_media_stream_asyncapi.py;
these check that the module hands out what the document says, and what it derives from it.
"""

import base64
from pathlib import Path

import jsonschema_rs
import pytest
import twilio_stream_contract as contract
from twilio_stream_contract import callbacks, media

ROOT_DOCUMENT = Path(__file__).resolve().parent.parent / "media-stream.asyncapi.yaml"


def _example(event: str) -> dict[str, object]:
    (example,) = media.follow(media.DOCUMENT, media.DOCUMENT["components"]["messages"][event])["examples"]
    payload: dict[str, object] = example["payload"]
    return payload


def test_the_shipped_document_is_the_repositorys() -> None:
    assert media.ASYNCAPI_PATH.read_bytes() == ROOT_DOCUMENT.read_bytes()


def test_the_events_are_the_documents_messages_in_twilios_order() -> None:
    assert media.EVENTS == ("connected", "start", "media", "stop")
    assert (media.CONNECTED, media.START, media.MEDIA, media.STOP) == media.EVENTS


@pytest.mark.parametrize("event", ["connected", "start", "media", "stop"])
def test_each_schema_validates_its_example_and_refuses_another_events(event: str) -> None:
    validator = jsonschema_rs.Draft7Validator(dict(media.MESSAGE_SCHEMAS[event]))
    others = [other for other in media.EVENTS if other != event]

    assert validator.is_valid(_example(event))
    assert not any(validator.is_valid(_example(other)) for other in others)


def test_the_tracks_are_the_message_names_of_every_rest_track() -> None:
    assert set(media.TRACKS) == {track for tracks in contract.TRACKS_OF.values() for track in tracks}


def test_the_media_format_is_8_khz_mono_mu_law() -> None:
    assert dict(media.MEDIA_FORMAT) == {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1}


def test_a_chunk_is_the_20_ms_of_the_documents_example() -> None:
    example = _example("media")["media"]
    assert isinstance(example, dict)

    assert media.CHUNK_BYTES == len(base64.b64decode(example["payload"])) == 160
    assert media.CHUNK_MS * media.BYTES_PER_MS == media.CHUNK_BYTES


def test_the_signature_header_is_lowercase() -> None:
    assert media.SIGNATURE_HEADER == "x-twilio-signature"


def test_the_counters_start_where_the_examples_start() -> None:
    start = _example("start")

    assert start["sequenceNumber"] == str(media.FIRST_SEQUENCE_NUMBER)
    assert media.FIRST_CHUNK == 1


def test_callback_methods_are_the_contracts() -> None:
    assert set(callbacks.METHODS) == {"GET", "POST"}
    assert contract.DEFAULT_STATUS_CALLBACK_METHOD in callbacks.METHODS
    assert callbacks.STREAM_EVENTS == ("stream-started", "stream-stopped", "stream-error")


def test_custom_parameter_fields_are_the_contracts_and_end_at_99() -> None:
    assert contract.custom_parameter_fields(1) == ("Parameter1.Name", "Parameter1.Value")
    assert set(contract.custom_parameter_fields(99)) <= contract.CREATE_BODY.fields
    with pytest.raises(ValueError, match="no custom parameter 100"):
        contract.custom_parameter_fields(100)
