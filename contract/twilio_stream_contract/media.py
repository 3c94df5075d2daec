"""The one reader of ``media-stream.asyncapi.yaml``: the WebSocket messages of a one-way Media Stream.

The AsyncAPI document is the only place these message facts are typed; this module reads it once and
hands out what code needs: each message's payload as a JSON Schema that stands alone (validate with any
draft-07 or 2020-12 validator; the suite uses ``jsonschema_rs``, the validator schemathesis uses), the
event names in the order Twilio sends them, the track names, the media format, and the name of the
signature header of the upgrade. The few facts the document can state only in prose (how the counters
count, how long a chunk is) are typed here, each next to its source.

In a clone, ``media-stream.asyncapi.yaml`` here is a link to the document at the root of the repository;
in a wheel, a copy of it.
"""

from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from twilio_stream_contract import TRACKS_OF

ASYNCAPI_PATH = Path(__file__).resolve().parent / "media-stream.asyncapi.yaml"


def load_asyncapi(path: Path = ASYNCAPI_PATH) -> dict[str, Any]:
    """The AsyncAPI document at ``path``, parsed with PyYAML's C loader when it is built."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    document: dict[str, Any] = yaml.load(path.read_text(encoding="utf-8"), Loader=loader)  # noqa: S506
    return document


def follow(document: Mapping[str, Any], node: Mapping[str, Any]) -> dict[str, Any]:
    """The node a local ``$ref`` (``#/...``) names, following chains; ``node`` itself when it is no ``$ref``."""
    while "$ref" in node:
        target: Any = document
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node = target
    return dict(node)


def message_payload_schemas(document: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """The payload schema of each message of ``components/messages``, by message key, ready to validate.

    Each schema is ``{"allOf": [payload], "components": {"schemas": ...}}``: the payload's local
    ``#/components/schemas/...`` references resolve unchanged against the document's ``components/schemas``
    placed beside it, and no keyword sits beside a ``$ref`` (draft-07 ignores such keywords, 2020-12 applies
    them), so draft-07 and 2020-12 validators read the schema alike. Payloads must use AsyncAPI's default
    schema format (no ``schemaFormat``); a message given as a ``$ref`` is followed.
    """
    schemas = {"schemas": document["components"].get("schemas", {})}
    bundled: dict[str, dict[str, Any]] = {}
    for name, message in document["components"]["messages"].items():
        message = follow(document, message)
        if "schemaFormat" in message["payload"]:
            raise ValueError(f"message {name!r}: only AsyncAPI's default schema format is supported")
        bundled[name] = {"allOf": [message["payload"]], "components": schemas}
    return bundled


# The parsed document, for code that needs a part this module does not name. Read-only.
DOCUMENT: Mapping[str, Any] = MappingProxyType(load_asyncapi())
_SCHEMAS: Mapping[str, Any] = DOCUMENT["components"]["schemas"]

# --- Messages ------------------------------------------------------------------------------------------

# The payload JSON Schema of each event (`connected`, `start`, `media`, `stop`), by event name.
MESSAGE_SCHEMAS: Mapping[str, Mapping[str, Any]] = MappingProxyType(
    {
        follow(DOCUMENT, message)["name"]: schema
        for message, schema in zip(
            DOCUMENT["components"]["messages"].values(), message_payload_schemas(DOCUMENT).values(), strict=True
        )
    }
)
# The events in the order Twilio sends them: the document lists its messages in that order.
EVENTS: tuple[str, ...] = tuple(MESSAGE_SCHEMAS)
CONNECTED, START, MEDIA, STOP = EVENTS
for _event, _schema in MESSAGE_SCHEMAS.items():
    if follow(DOCUMENT, _schema["allOf"][0])["properties"]["event"].get("const") != _event:
        raise ImportError(f"media-stream.asyncapi.yaml: message {_event!r} does not pin its event")

# `connected`'s constant protocol, and the version Twilio's own example carries (the schema asks only for a
# non-empty string).
_CONNECTED = follow(DOCUMENT, MESSAGE_SCHEMAS[CONNECTED]["allOf"][0])
PROTOCOL: str = _CONNECTED["properties"]["protocol"]["const"]
PROTOCOL_VERSION: str = follow(DOCUMENT, DOCUMENT["components"]["messages"][CONNECTED])["examples"][0]["payload"][
    "version"
]

# The tracks as the messages name them (`start.tracks`, `media.track`); the REST `Track` values of a
# create map onto them through `twilio_stream_contract.TRACKS_OF`.
TRACKS: tuple[str, ...] = tuple(_SCHEMAS["Track"]["enum"])
# The one media format of a one-way Stream: {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1}.
MEDIA_FORMAT: Mapping[str, Any] = MappingProxyType(
    {
        field: schema["const"]
        for field, schema in _SCHEMAS["StartMessage"]["properties"]["start"]["properties"]["mediaFormat"][
            "properties"
        ].items()
    }
)
if {track for tracks in TRACKS_OF.values() for track in tracks} != set(TRACKS):
    raise ImportError("the track names of openapi.yaml's TRACKS_OF and the AsyncAPI document disagree")
# The header of the upgrade request that carries Twilio's signature, lowercase as it arrives.
(SIGNATURE_HEADER,) = next(iter(DOCUMENT["channels"].values()))["bindings"]["ws"]["headers"]["required"]

# --- Facts the document states in prose only -----------------------------------------------------------

# `sequenceNumber` is "1" on `start`, then one more on every later message of any type, `stop` included;
# `connected` has none (Twilio's "WebSocket Messages" page; the document's operation description).
FIRST_SEQUENCE_NUMBER = 1
# `media.chunk` counts each track's chunks from "1" (same page; its example fits only a per-track counter).
FIRST_CHUNK = 1
# How long a chunk is, Twilio does not document: 20 ms frames are what community reports observe, with
# `media.timestamp` (milliseconds from the start of the Stream) advancing by 20 from one chunk to the next.
CHUNK_MS = 20
# mu-law is one byte per sample, so a chunk of 20 ms at 8000 Hz, mono, is 160 bytes (216 base64 characters).
BYTES_PER_MS = MEDIA_FORMAT["sampleRate"] * MEDIA_FORMAT["channels"] // 1000
CHUNK_BYTES = CHUNK_MS * BYTES_PER_MS
