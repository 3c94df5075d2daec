"""media-stream.asyncapi.yaml types the messages Twilio sends on a one-way Media Stream, and types them right.

Every example of the document must pass its message's payload schema, and every classic mistake (a
number where Twilio sends a string of digits, a REST `_track` value in a message, a SID of the wrong
kind...) must fail it. The mistakes are made by editing the document's own examples, so a schema that
drifts from its examples fails here. Each verdict is asked of jsonschema_rs, the validator schemathesis
uses, under draft-07 (AsyncAPI 3.0's schema dialect) and under 2020-12: the document promises both agree.
`make lint` checks the document's structure (Spectral's AsyncAPI 3 rules); this module checks its facts.
"""

import base64
import binascii
import copy
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path
from typing import Any, Final

import jsonschema_rs
import pytest
from hypothesis import given
from hypothesis import strategies as st
from twilio.request_validator import RequestValidator  # type: ignore[import-untyped]
from twilio_stream_contract.media import follow, load_asyncapi, message_payload_schemas

DOCUMENT_PATH = Path(__file__).resolve().parent.parent / "media-stream.asyncapi.yaml"

# The facts file's table: the events of a one-way Stream, in the order Twilio sends them, and how often.
EVENTS = ("connected", "start", "media", "stop")
ORDER_PHRASES = ("`connected` once", "`start` once", "`media` repeatedly", "`stop` last")
SIGNATURE_HEADER = "x-twilio-signature"

DIALECTS: Final[dict[str, Callable[[dict[str, Any]], jsonschema_rs.Validator]]] = {
    "draft-07": jsonschema_rs.Draft7Validator,
    "2020-12": jsonschema_rs.Draft202012Validator,
}


@cache
def _document() -> dict[str, Any]:
    return load_asyncapi(DOCUMENT_PATH)


@cache
def _validator(message: str, dialect: str) -> jsonschema_rs.Validator:
    return DIALECTS[dialect](message_payload_schemas(_document())[message])


def _messages() -> dict[str, dict[str, Any]]:
    messages: dict[str, dict[str, Any]] = _document()["components"]["messages"]
    return messages


def _example(message: str) -> dict[str, Any]:
    """The payload of the message's only example."""
    (example,) = _messages()[message]["examples"]
    payload: dict[str, Any] = example["payload"]
    return payload


def _schema_nodes(node: Any) -> Iterator[dict[str, Any]]:
    """Every schema object of a schema, itself included (property names are not schemas)."""
    if not isinstance(node, dict):
        return
    yield node
    for keyword, value in node.items():
        if keyword == "properties":
            for child in value.values():
                yield from _schema_nodes(child)
        elif keyword in ("allOf", "anyOf", "oneOf"):
            for child in value:
                yield from _schema_nodes(child)
        elif keyword in ("items", "not", "additionalProperties"):
            yield from _schema_nodes(value)


def _all_schemas() -> Iterator[dict[str, Any]]:
    for schema in _document()["components"]["schemas"].values():
        yield from _schema_nodes(schema)
    yield from _schema_nodes(_ws_binding()["headers"])


def _ws_binding() -> dict[str, Any]:
    (channel,) = _document()["channels"].values()
    binding: dict[str, Any] = channel["bindings"]["ws"]
    return binding


# The document's shape: four messages, one channel, one operation that receives them in order.


def test_document_is_asyncapi_3_0_0() -> None:
    assert _document()["asyncapi"] == "3.0.0"


def test_message_names_are_exactly_the_four_events_of_a_one_way_stream() -> None:
    (channel,) = _document()["channels"].values()

    assert tuple(_messages()) == EVENTS
    assert tuple(message["name"] for message in _messages().values()) == EVENTS
    assert tuple(channel["messages"]) == EVENTS


@pytest.mark.parametrize("message", EVENTS)
def test_message_payload_pins_its_event(message: str) -> None:
    payload = follow(_document(), _messages()[message]["payload"])

    assert payload["properties"]["event"] == {"type": "string", "const": message}
    assert "event" in payload["required"]


def test_the_one_operation_receives_its_channels_messages_in_twilios_order() -> None:
    (operation,) = _document()["operations"].values()
    channel_ref = operation["channel"]["$ref"]
    channel = follow(_document(), operation["channel"])

    assert operation["action"] == "receive"
    # AsyncAPI 3 wants an operation's messages to be its channel's; Spectral 6.16.3 does not check that.
    assert [ref["$ref"] for ref in operation["messages"]] == [f"{channel_ref}/messages/{event}" for event in EVENTS]
    assert [follow(_document(), ref) for ref in operation["messages"]] == [
        follow(_document(), channel["messages"][event]) for event in EVENTS
    ]


def test_the_operation_description_states_the_order_and_how_often() -> None:
    (operation,) = _document()["operations"].values()
    description = " ".join(operation["description"].split())
    positions = [description.find(phrase) for phrase in ORDER_PHRASES]

    assert -1 not in positions, positions
    assert positions == sorted(positions)


def test_the_upgrade_request_carries_the_lowercase_signature_header() -> None:
    binding = _ws_binding()

    assert binding["method"] == "GET"
    assert binding["headers"]["type"] == "object"
    assert SIGNATURE_HEADER in binding["headers"]["required"]
    assert list(binding["headers"]["properties"]) == [SIGNATURE_HEADER]


@cache
def _signature_validator() -> jsonschema_rs.Validator:
    return jsonschema_rs.Draft7Validator(_ws_binding()["headers"]["properties"][SIGNATURE_HEADER])


@given(
    token=st.text(alphabet="0123456789abcdef", min_size=32, max_size=32),
    path=st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_/", max_size=40),
)
def test_the_signature_schema_accepts_every_signature_twilios_validator_makes(token: str, path: str) -> None:
    signature = RequestValidator(token).compute_signature(f"wss://media.example.org/{path}", {})

    assert _signature_validator().is_valid(signature), signature


@pytest.mark.parametrize(
    "signature",
    [
        "",
        "L/OH5YylLD5NRKLltdqwSvS0BnU",  # Twilio's published vector without its padding
        "L_OH5YylLD5NRKLltdqwSvS0BnU=",  # URL-safe alphabet
        "L/OH5YylLD5NRKLltdqwSvS0BnV=",  # not canonical: a padding bit set
        "2f3b8e1c0a9d7f6e5b4c3a2918f7e6d5c4b3a291",  # a hex digest
        "4pUvm3G7N0xqXcWv8RZo9ZJ2tmdNoXbm1GnOBLn5tJk=",  # 32 bytes: SHA-256, not SHA-1
    ],
)
def test_the_signature_schema_rejects_what_twilio_never_sends(signature: str) -> None:
    assert not _signature_validator().is_valid(signature)


# Every schema speaks draft-07 and 2020-12 alike, and stays open.


def test_no_schema_keyword_sits_beside_a_ref() -> None:
    # Draft-07 ignores keywords beside a $ref and 2020-12 applies them: none may be there.
    beside = [node for node in _all_schemas() if "$ref" in node and len(node) > 1]

    assert beside == []


def test_no_schema_closes_its_object() -> None:
    # Twilio adds fields over time; a validator must never be stricter than Twilio.
    closed = [node for node in _all_schemas() if node.get("additionalProperties") is False]

    assert closed == []


@pytest.mark.parametrize("message", EVENTS)
def test_message_has_exactly_one_example(message: str) -> None:
    assert len(_messages()[message]["examples"]) == 1


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize("message", EVENTS)
def test_example_satisfies_its_payload_schema(message: str, dialect: str) -> None:
    errors = [error.message for error in _validator(message, dialect).iter_errors(_example(message))]

    assert errors == []


def _with_a_new_field_everywhere(node: Any) -> Any:
    if isinstance(node, dict):
        return {key: _with_a_new_field_everywhere(value) for key, value in node.items()} | {"addedLater": "x"}
    return node


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize("message", EVENTS)
def test_a_field_twilio_adds_later_keeps_a_message_valid(message: str, dialect: str) -> None:
    extended = _with_a_new_field_everywhere(_example(message))

    assert _validator(message, dialect).is_valid(extended)


def test_the_media_example_is_20_ms_of_the_start_examples_format() -> None:
    media_format = _example("start")["start"]["mediaFormat"]
    audio = base64.b64decode(_example("media")["media"]["payload"], validate=True)

    assert len(audio) == media_format["sampleRate"] * media_format["channels"] * 20 // 1000


# The classic mistakes, one each, made by editing a valid example.

DELETE: Final = object()
ABSENT: Final = object()


def _edit(message: dict[str, Any], path: tuple[str, ...], change: Callable[[Any], Any]) -> dict[str, Any]:
    """A copy of ``message`` with the value at ``path`` replaced by ``change(old)`` (``ABSENT`` when there
    is none); ``change`` returns ``DELETE`` to remove the key."""
    edited = copy.deepcopy(message)
    *parents, key = path
    node = edited
    for part in parents:
        node = node[part]
    new = change(node.get(key, ABSENT))
    if new is DELETE:
        del node[key]
    else:
        node[key] = new
    return edited


def _as_number(digits: str) -> int:
    return int(digits)


def _drop(_: Any) -> object:
    return DELETE


def _constant(value: Any) -> Callable[[Any], Any]:
    return lambda _: value


def _the_start_streams_sid(_: Any) -> str:
    sid: str = _example("start")["streamSid"]
    return sid


MISTAKES = [
    pytest.param("start", ("sequenceNumber",), _as_number, id="sequenceNumber as a number"),
    pytest.param("stop", ("sequenceNumber",), _as_number, id="stop sequenceNumber as a number"),
    pytest.param("start", ("sequenceNumber",), _constant("0"), id="sequenceNumber 0"),
    pytest.param("media", ("media", "chunk"), _as_number, id="chunk as a number"),
    pytest.param("media", ("media", "chunk"), _constant("0"), id="chunk 0"),
    pytest.param("media", ("media", "timestamp"), _as_number, id="timestamp as a number"),
    pytest.param("media", ("media", "timestamp"), lambda t: f"0{t}", id="timestamp with a leading zero"),
    pytest.param("start", ("start", "mediaFormat", "sampleRate"), str, id="sampleRate as a string"),
    pytest.param("start", ("start", "mediaFormat", "channels"), str, id="channels as a string"),
    pytest.param("start", ("start", "mediaFormat", "encoding"), _constant("audio/l16"), id="encoding audio/l16"),
    pytest.param("start", ("start", "mediaFormat", "sampleRate"), _constant(16000), id="sampleRate 16000"),
    pytest.param("start", ("start", "mediaFormat", "channels"), _constant(2), id="channels 2"),
    pytest.param("media", ("media", "track"), lambda track: f"{track}_track", id="media track with _track"),
    pytest.param("media", ("media", "track"), _constant("both"), id="media track both"),
    pytest.param("start", ("start", "tracks"), lambda tracks: [f"{t}_track" for t in tracks], id="tracks with _track"),
    pytest.param("start", ("start", "tracks"), _constant([]), id="tracks empty"),
    pytest.param("start", ("start", "tracks"), lambda tracks: tracks * 2, id="tracks repeated"),
    pytest.param("start", ("start", "tracks"), lambda tracks: tracks[0], id="tracks a string"),
    pytest.param("media", ("streamSid",), _drop, id="media without streamSid"),
    pytest.param("media", ("media", "payload"), _drop, id="media without payload"),
    pytest.param("media", ("media", "payload"), lambda p: p.rstrip("="), id="payload without padding"),
    pytest.param("media", ("media", "payload"), lambda p: p.replace("+", "-").replace("/", "_"), id="payload url-safe"),
    pytest.param("media", ("media", "payload"), lambda p: p[:76] + "\n" + p[76:], id="payload with a line break"),
    pytest.param("media", ("media", "payload"), _constant(""), id="payload empty"),
    pytest.param("media", ("media", "payload"), lambda p: list(base64.b64decode(p)), id="payload as bytes"),
    pytest.param("stop", ("stop", "callSid"), _drop, id="stop without callSid"),
    pytest.param("stop", ("stop", "accountSid"), _drop, id="stop without accountSid"),
    pytest.param("stop", ("stop",), _drop, id="stop without stop"),
    pytest.param("start", ("start",), _drop, id="start without start"),
    pytest.param("media", ("streamSid",), lambda sid: sid[:-1], id="streamSid of 31 hex digits"),
    pytest.param("stop", ("streamSid",), lambda sid: f"CA{sid[2:]}", id="streamSid with a call prefix"),
    pytest.param("start", ("start", "streamSid"), lambda sid: f"{sid[:-1]}g", id="start streamSid not hex"),
    pytest.param("start", ("start", "accountSid"), lambda sid: f"MZ{sid[2:]}", id="accountSid with a stream prefix"),
    pytest.param("stop", ("stop", "callSid"), lambda sid: f"AC{sid[2:]}", id="callSid with an account prefix"),
    pytest.param("start", ("start", "customParameters"), _constant({"FirstName": 1}), id="customParameter number"),
    pytest.param("start", ("start", "customParameters"), _constant(["FirstName"]), id="customParameters a list"),
    pytest.param("connected", ("sequenceNumber",), _constant("1"), id="connected with sequenceNumber"),
    pytest.param("connected", ("streamSid",), _the_start_streams_sid, id="connected with streamSid"),
    pytest.param("connected", ("protocol",), _drop, id="connected without protocol"),
    pytest.param("connected", ("version",), _constant(1), id="connected version a number"),
    pytest.param("media", ("event",), _constant("Media"), id="event capitalised"),
    pytest.param("stop", ("event",), _constant("closed"), id="event of no message"),
]


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize(("message", "path", "change"), MISTAKES)
def test_a_classic_mistake_is_invalid(
    message: str, path: tuple[str, ...], change: Callable[[Any], Any], dialect: str
) -> None:
    example = _example(message)
    broken = _edit(example, path, change)

    assert broken != example, "the edit changed nothing"
    assert not _validator(message, dialect).is_valid(broken)


@pytest.mark.parametrize("dialect", DIALECTS)
def test_start_without_custom_parameters_is_valid(dialect: str) -> None:
    # Decision: Twilio's examples always carry customParameters, but its shape when no parameter was
    # given is not documented, so the schema does not require the key (the document says why).
    start = _edit(_example("start"), ("start", "customParameters"), _drop)

    assert _validator("start", dialect).is_valid(start)


@pytest.mark.parametrize("dialect", DIALECTS)
def test_both_tracks_in_either_order_are_valid(dialect: str) -> None:
    # `both_tracks` gives both message tracks (inferred, not shown in a Twilio example).
    for tracks in (["inbound", "outbound"], ["outbound", "inbound"]):
        start = _edit(_example("start"), ("start", "tracks"), _constant(tracks))

        assert _validator("start", dialect).is_valid(start), tracks


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize(("field", "value"), [("timestamp", "0"), ("chunk", "1234567890123456789012")])
def test_media_counters_take_any_decimal_string(field: str, value: str, dialect: str) -> None:
    # Strings of digits have no upper bound: a long Stream's counters outgrow any integer type a schema names.
    media = _edit(_example("media"), ("media", field), _constant(value))

    assert _validator("media", dialect).is_valid(media)


def _round_trips(candidate: str) -> bool:
    try:
        return base64.b64encode(base64.b64decode(candidate, validate=True)).decode() == candidate
    except binascii.Error:
        return False


def test_the_base64_pattern_accepts_exactly_what_pythons_encoder_writes() -> None:
    # Guards the payload pattern (standard alphabet, padded, whole quanta) for every length of audio up to
    # one 20 ms chunk, and a few broken spellings of each. Python's decoder alone is no oracle: it accepts
    # `AAEC=`. The candidates' padding bits are zero, so "valid" means "b64encode writes exactly this".
    validator = _validator("media", "draft-07")
    example = _example("media")
    for size in range(1, 161):
        encoded = base64.b64encode(bytes(range(256))[:size]).decode()
        for candidate in (encoded, encoded.rstrip("="), f"{encoded}=", f"{encoded}A", f"={encoded}"):
            media = _edit(example, ("media", "payload"), _constant(candidate))

            assert validator.is_valid(media) is _round_trips(candidate), candidate
