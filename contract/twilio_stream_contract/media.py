"""The WebSocket side of the contract: what ``media-stream.asyncapi.yaml`` says of a Media Stream's messages.

The message names in Twilio's order, a stand-alone JSON Schema per message (for any JSON Schema
validator), and the constant values a sender must write: the ``connected`` protocol and version, the
``mediaFormat``, the track names. In a clone the document here is a link to the one at the root of the
repository; in a wheel, a copy of it.
"""

from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

from twilio_stream_contract import TRACKS_OF, load_yaml

ASYNCAPI_PATH = Path(__file__).resolve().parent / "media-stream.asyncapi.yaml"
# The parsed document; treat it as read-only.
ASYNCAPI: Mapping[str, Any] = MappingProxyType(load_yaml(ASYNCAPI_PATH))
_SCHEMAS: Mapping[str, Any] = ASYNCAPI["components"]["schemas"]


def _follow(node: Mapping[str, Any]) -> Mapping[str, Any]:
    """Follow a local ``$ref`` of the document to the node it names."""
    while "$ref" in node:
        target: Any = ASYNCAPI
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def _messages_in_order() -> tuple[Mapping[str, Any], ...]:
    # The one operation lists the channel's messages in the order Twilio sends them.
    (operation,) = ASYNCAPI["operations"].values()
    return tuple(_follow(reference) for reference in operation["messages"])


_MESSAGES = _messages_in_order()
# connected, start, media, stop: each message's `event` constant, in the order Twilio sends them.
EVENTS: tuple[str, ...] = tuple(_follow(message["payload"])["properties"]["event"]["const"] for message in _MESSAGES)
CONNECTED, START, MEDIA, STOP = EVENTS
# A stand-alone JSON Schema of each message's payload, by event: its `$ref`s resolve inside it.
MESSAGE_SCHEMAS: Mapping[str, dict[str, Any]] = MappingProxyType(
    {
        event: {"allOf": [dict(message["payload"])], "components": {"schemas": dict(_SCHEMAS)}}
        for event, message in zip(EVENTS, _MESSAGES, strict=True)
    }
)

_CONNECTED = _SCHEMAS["ConnectedMessage"]["properties"]
PROTOCOL: str = _CONNECTED["protocol"]["const"]
# The version Twilio's own example carries; the schema asks only for a non-empty string.
PROTOCOL_VERSION: str = _MESSAGES[0]["examples"][0]["payload"]["version"]
# `start.mediaFormat`, as every Stream writes it: 8 kHz mono mu-law.
MEDIA_FORMAT: Mapping[str, Any] = MappingProxyType(
    {
        key: value["const"]
        for key, value in _SCHEMAS["StartMessage"]["properties"]["start"]["properties"]["mediaFormat"][
            "properties"
        ].items()
    }
)
# The tracks as messages name them (`start.tracks`, `media.track`).
TRACKS: tuple[str, ...] = tuple(_SCHEMAS["Track"]["enum"])

# The REST `Track` values name the tracks of the messages (see twilio_stream_contract.TRACKS_OF).
if {track for tracks in TRACKS_OF.values() for track in tracks} != set(TRACKS):
    raise ImportError("the track names of the two contracts disagree")
