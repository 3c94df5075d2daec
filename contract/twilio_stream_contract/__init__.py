"""What the emulator enforces, read from ``openapi.yaml`` so that no API fact is typed twice.

The patterns of the path SIDs, the enums and the field names of the two form bodies, and the list of
operations all come from the contract at the root of the repository. ``document()`` and ``resolve()``
give the whole parsed document to code (tests) that needs more than these.
"""

import copy
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

# In a clone this is a link to the contract at the root of the repository; in a wheel, a copy of it.
CONTRACT_PATH = Path(__file__).resolve().parent / "openapi.yaml"


@dataclass(frozen=True, slots=True)
class Operation:
    """One operation of the contract: its method, path template and operationId."""

    method: str
    path: str
    operation_id: str


@dataclass(frozen=True, slots=True)
class FormBody:
    """The fields a form body may hold, which of them are required, and their enums and uri formats."""

    fields: frozenset[str]
    required: tuple[str, ...]
    enums: dict[str, tuple[str, ...]]
    uri_fields: frozenset[str]
    defaults: dict[str, str]


def _load() -> dict[str, Any]:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    document: dict[str, Any] = yaml.load(CONTRACT_PATH.read_text(encoding="utf-8"), Loader=loader)  # noqa: S506
    return document


_DOCUMENT = _load()
_COMPONENTS: dict[str, Any] = _DOCUMENT["components"]


def _resolve(node: dict[str, Any]) -> dict[str, Any]:
    """Follow a local ``$ref`` (``#/components/...``) to the node it names."""
    while "$ref" in node:
        target: Any = _DOCUMENT
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def document() -> dict[str, Any]:
    """``openapi.yaml`` as parsed, in a copy of the caller's own.

    The file is parsed once; each call deep-copies it, so a caller may change its copy (or hand it to a
    library that does) without changing what the emulator, the suite or another caller reads.
    """
    return copy.deepcopy(_DOCUMENT)


def resolve(node: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of the node a local ``$ref`` names (``#/components/...``, followed until it names no other),
    or of ``node`` itself when it has no ``$ref``. Keywords beside a ``$ref`` are not kept."""
    return copy.deepcopy(_resolve(dict(node)))


def _pattern(schema: dict[str, Any]) -> re.Pattern[str]:
    # The contract's patterns are anchored with ^...$; fullmatch() is used with them because Python's
    # `$` also matches before a trailing newline, which JSON Schema's does not.
    return re.compile(schema["pattern"])


def _form_body(schema_name: str) -> FormBody:
    schema = _COMPONENTS["schemas"][schema_name]
    enums: dict[str, tuple[str, ...]] = {}
    uri_fields: set[str] = set()
    defaults: dict[str, str] = {}
    for field, field_schema in schema["properties"].items():
        resolved = _resolve(field_schema)
        # OpenAPI 3.1 lets `default` sit beside a $ref; the referenced schema may carry one too.
        default = field_schema.get("default", resolved.get("default"))
        if default is not None:
            defaults[field] = str(default)
        if "enum" in resolved:
            enums[field] = tuple(resolved["enum"])
        if resolved.get("format") == "uri":
            uri_fields.add(field)
    return FormBody(
        fields=frozenset(schema["properties"]),
        required=tuple(schema.get("required", ())),
        enums=enums,
        uri_fields=frozenset(uri_fields),
        defaults=defaults,
    )


def _operations() -> tuple[Operation, ...]:
    methods = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
    return tuple(
        Operation(method.upper(), path, item["operationId"])
        for path, path_item in _DOCUMENT["paths"].items()
        for method, item in path_item.items()
        if method in methods
    )


def _path_of(operation_id: str) -> str:
    return next(operation.path for operation in OPERATIONS if operation.operation_id == operation_id)


ACCOUNT_SID = _pattern(_COMPONENTS["parameters"]["AccountSid"]["schema"])
CALL_SID = _pattern(_COMPONENTS["parameters"]["CallSid"]["schema"])
STREAM_SID = _pattern(_COMPONENTS["schemas"]["Stream"]["properties"]["sid"])
STREAM_FIELDS: tuple[str, ...] = tuple(_COMPONENTS["schemas"]["Stream"]["properties"])
STREAM_STATUSES: tuple[str, ...] = tuple(_COMPONENTS["schemas"]["StreamStatus"]["enum"])
CREATE_BODY = _form_body("CreateStreamBody")
UPDATE_BODY = _form_body("UpdateStreamBody")
OPERATIONS = _operations()
# The path templates of the two operations, e.g. `/2010-04-01/Accounts/{AccountSid}/Calls/{CallSid}/Streams.json`.
CREATE_STREAM_PATH = _path_of("CreateStream")
UPDATE_STREAM_PATH = _path_of("UpdateStream")
API_VERSION = CREATE_STREAM_PATH.split("/")[1]
# The names of the headers every answer must carry, in the contract's words (WWW-Authenticate is 401 only).
RESPONSE_HEADER_NAMES: frozenset[str] = frozenset(_COMPONENTS["headers"])

IN_PROGRESS, STOPPED = "in-progress", "stopped"
assert {IN_PROGRESS, STOPPED} == set(STREAM_STATUSES), "openapi.yaml changed the Stream statuses"

# The tracks of the call that each `Track` of a create streams, named as the WebSocket messages name them
# (`start.tracks`, `media.track`): Twilio's TwiML <Stream> page, "track". Parameter values end in
# `_track`, message values do not.
TRACKS_OF: dict[str, tuple[str, ...]] = {
    "inbound_track": ("inbound",),
    "outbound_track": ("outbound",),
    "both_tracks": ("inbound", "outbound"),
}
assert set(TRACKS_OF) == set(CREATE_BODY.enums["Track"]), "openapi.yaml changed the Track values"
# One-way Streams may carry at most four tracks of a call at a time (Media Streams overview, "Limits");
# a `both_tracks` Stream uses two of them.
MAX_TRACKS_PER_CALL = 4
# An API key's SID (Key resource v1): the basic-auth user of a request made with an API key. The key
# authenticates requests; it is no parameter of the Stream resource, so openapi.yaml names no key SID.
API_KEY_SID = re.compile(r"^SK[0-9a-fA-F]{32}$")

# Twilio's Call resource is not part of this contract, but the emulator takes one of its requests, the
# hang-up: `POST /2010-04-01/Accounts/{AccountSid}/Calls/{CallSid}.json` with `Status=completed`, what
# Twilio's SDK sends for `client.calls(sid).update(status="completed")` (Call resource, "Update a Call";
# `canceled` hangs up only a call that is queued or ringing).
# The Call is the parent of its Streams: its path is the Streams' path without `/Streams`.
CALL_PATH = CREATE_STREAM_PATH.removesuffix("/Streams.json") + ".json"
CALL_COMPLETED, CALL_CANCELED, CALL_IN_PROGRESS = "completed", "canceled", "in-progress"
CALL_UPDATE_BODY = FormBody(
    fields=frozenset({"Status"}),
    required=(),
    enums={"Status": (CALL_CANCELED, CALL_COMPLETED)},
    uri_fields=frozenset(),
    defaults={},
)


def stream_uri(account_sid: str, call_sid: str, sid: str) -> str:
    """The canonical `uri` of a Stream: the UpdateStream path of its SID."""
    return UPDATE_STREAM_PATH.format(AccountSid=account_sid, CallSid=call_sid, Sid=sid)


_SID_PATTERN = re.compile(r"\^(?P<prefix>[A-Z]{2})\[0-9a-fA-F\]\{(?P<digits>[0-9]+)\}\$")


def new_sid(pattern: re.Pattern[str]) -> str:
    """A random SID of the contract's pattern (a two-letter prefix, then hex digits), e.g.
    ``new_sid(CALL_SID)``; lowercase, as Twilio issues them."""
    shape = _SID_PATTERN.fullmatch(pattern.pattern)
    assert shape is not None, f"not a SID pattern: {pattern.pattern}"
    return shape["prefix"] + secrets.token_hex(int(shape["digits"]) // 2)
