"""The one reader of this project's contract: every API fact the emulator, the suite and the benchmarks use.

``openapi.yaml`` (the REST resource) is the only place an API fact is typed; this module reads it once
and hands out what code needs: SID patterns, path templates, form fields with their enums, defaults and
``format: uri``, the Stream's fields and statuses, the headers every answer carries and their values.
The few Twilio facts a REST contract has no place for (how many tracks a call carries, which WebSocket
tracks a ``Track`` streams, the Call resource's hang-up that the emulator also serves) are typed here,
each next to its source.

In a clone, ``openapi.yaml`` here is a link to the contract at the root of the repository; in a wheel,
a copy of it.
"""

import copy
import json
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

CONTRACT_PATH = Path(__file__).resolve().parent / "openapi.yaml"


def load_yaml(path: Path) -> dict[str, Any]:
    """A YAML document of this package, parsed safely (with libyaml's loader when there is one)."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    document: dict[str, Any] = yaml.load(path.read_text(encoding="utf-8"), Loader=loader)  # noqa: S506
    return document


_DOCUMENT: dict[str, Any] = load_yaml(CONTRACT_PATH)
_COMPONENTS: Mapping[str, Any] = _DOCUMENT["components"]


def document() -> dict[str, Any]:
    """``openapi.yaml`` as parsed, in a copy of the caller's own, for code that needs a part this module
    does not name (tests, schemathesis).

    The file is parsed once; each call deep-copies it, so a caller may change its copy (or hand it to a
    library that does) without changing what the emulator, the suite or another caller reads.
    """
    return copy.deepcopy(_DOCUMENT)


@dataclass(frozen=True, slots=True)
class Operation:
    """One operation of the contract: its method, path template and operationId."""

    method: str
    path: str
    operation_id: str


@dataclass(frozen=True, slots=True)
class FormBody:
    """The fields a form body may hold, which of them are required, and their enums, defaults and uri formats."""

    fields: frozenset[str]
    required: tuple[str, ...]
    enums: Mapping[str, tuple[str, ...]]
    uri_fields: frozenset[str]
    defaults: Mapping[str, str]


def _resolve(node: Mapping[str, Any]) -> Mapping[str, Any]:
    """Follow a local ``$ref`` (``#/components/...``) to the node it names."""
    while "$ref" in node:
        target: Any = _DOCUMENT
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def resolve(node: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of the node a local ``$ref`` names (``#/components/...``, followed until it names no other),
    or of ``node`` itself when it has no ``$ref``. Keywords beside a ``$ref`` are not kept."""
    return copy.deepcopy(dict(_resolve(node)))


def json_schema(name: str) -> dict[str, Any]:
    """The contract's schema ``name`` as a JSON Schema that stands alone (its ``$ref``s resolve inside it),
    for any JSON Schema validator."""
    return {"$ref": f"#/components/schemas/{name}", "components": {"schemas": dict(_COMPONENTS["schemas"])}}


def _pattern(schema: Mapping[str, Any]) -> re.Pattern[str]:
    # The contract's patterns are anchored with ^...$; use fullmatch() with them, because Python's `$`
    # also matches before a trailing newline, which JSON Schema's does not.
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
        enums=MappingProxyType(enums),
        uri_fields=frozenset(uri_fields),
        defaults=MappingProxyType(defaults),
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


def _header_value(example: object) -> str:
    # An example is YAML: `true` is a boolean, which HTTP writes as JSON does.
    return example if isinstance(example, str) else json.dumps(example)


# --- SIDs ----------------------------------------------------------------------------------------------

ACCOUNT_SID = _pattern(_COMPONENTS["parameters"]["AccountSid"]["schema"])
CALL_SID = _pattern(_COMPONENTS["parameters"]["CallSid"]["schema"])
STREAM_SID = _pattern(_COMPONENTS["schemas"]["Stream"]["properties"]["sid"])
# An API key's SID (Key resource v1): the basic-auth user of a request made with an API key. The key
# authenticates requests; it is no parameter of the Stream resource, so openapi.yaml names no key SID.
API_KEY_SID = re.compile(r"^SK[0-9a-fA-F]{32}$")

_SID_PATTERN = re.compile(r"\^(?P<prefix>[A-Z]{2})\[0-9a-fA-F\]\{(?P<digits>[0-9]+)\}\$")


def new_sid(pattern: re.Pattern[str]) -> str:
    """A random SID of one of the patterns above (a two-letter prefix, then hex digits), e.g.
    ``new_sid(CALL_SID)``; lowercase, as Twilio issues them."""
    shape = _SID_PATTERN.fullmatch(pattern.pattern)
    if shape is None:
        raise ValueError(f"not a SID pattern: {pattern.pattern}")
    return shape["prefix"] + secrets.token_hex(int(shape["digits"]) // 2)


# --- Operations and paths ------------------------------------------------------------------------------

OPERATIONS = _operations()
CREATE_STREAM, UPDATE_STREAM = "CreateStream", "UpdateStream"
# e.g. `/2010-04-01/Accounts/{AccountSid}/Calls/{CallSid}/Streams.json`
CREATE_STREAM_PATH = _path_of(CREATE_STREAM)
UPDATE_STREAM_PATH = _path_of(UPDATE_STREAM)
API_VERSION = CREATE_STREAM_PATH.split("/")[1]


def streams_path(account_sid: str, call_sid: str) -> str:
    """The CreateStream path of a call."""
    return CREATE_STREAM_PATH.format(AccountSid=account_sid, CallSid=call_sid)


def stream_uri(account_sid: str, call_sid: str, sid: str) -> str:
    """The UpdateStream path of a Stream (a SID, or a name the caller has percent-encoded): a Stream's `uri`."""
    return UPDATE_STREAM_PATH.format(AccountSid=account_sid, CallSid=call_sid, Sid=sid)


# --- Bodies and the Stream resource --------------------------------------------------------------------

CREATE_BODY = _form_body("CreateStreamBody")
UPDATE_BODY = _form_body("UpdateStreamBody")
STREAM_FIELDS: tuple[str, ...] = tuple(_COMPONENTS["schemas"]["Stream"]["properties"])
STREAM_STATUSES: tuple[str, ...] = tuple(_COMPONENTS["schemas"]["StreamStatus"]["enum"])
IN_PROGRESS, STOPPED = STREAM_STATUSES
if {IN_PROGRESS, STOPPED} != {"in-progress", "stopped"}:
    raise ImportError("openapi.yaml changed the Stream statuses; this module names them")
# What a stop asks for (`Status=stopped`), read from UpdateStreamBody.
STOP_FORM: Mapping[str, str] = MappingProxyType({"Status": UPDATE_BODY.enums["Status"][0]})
DEFAULT_TRACK = CREATE_BODY.defaults["Track"]
DEFAULT_STATUS_CALLBACK_METHOD = CREATE_BODY.defaults["StatusCallbackMethod"]


def custom_parameter_fields(number: int) -> tuple[str, str]:
    """The form fields of a create's ``number``-th custom parameter, its name and its value
    (``Parameter1.Name``, ``Parameter1.Value``); a ValueError beyond the ones the contract lists."""
    fields = (f"Parameter{number}.Name", f"Parameter{number}.Value")
    if not set(fields) <= CREATE_BODY.fields:
        raise ValueError(f"the contract has no custom parameter {number}")
    return fields


# --- Headers -------------------------------------------------------------------------------------------

# The names of the headers every answer must carry, in the contract's words (WWW-Authenticate is 401 only).
RESPONSE_HEADER_NAMES: frozenset[str] = frozenset(_COMPONENTS["headers"])
# The two headers code names by name: the 401's challenge, and the CORS header the seed types as a boolean.
CHALLENGE_HEADER, ALLOW_CREDENTIALS_HEADER = "WWW-Authenticate", "Access-Control-Allow-Credentials"
if not {CHALLENGE_HEADER, ALLOW_CREDENTIALS_HEADER} <= RESPONSE_HEADER_NAMES:
    raise ImportError("openapi.yaml renamed a header this module names")
WWW_AUTHENTICATE = _header_value(_COMPONENTS["headers"][CHALLENGE_HEADER]["example"])
# The CORS headers of every answer and the values Twilio sends (the contract's examples), in its order.
CORS_HEADERS: tuple[tuple[str, str], ...] = tuple(
    (name, _header_value(header["example"]))
    for name, header in _COMPONENTS["headers"].items()
    if name.lower().startswith("access-control-")
)

# --- Tracks of a call ----------------------------------------------------------------------------------

# The tracks of the call that each `Track` of a create streams, named as the WebSocket messages name them
# (`start.tracks`, `media.track`): Twilio's TwiML <Stream> page, "track". Parameter values end in
# `_track`, message values do not.
TRACKS_OF: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {"inbound_track": ("inbound",), "outbound_track": ("outbound",), "both_tracks": ("inbound", "outbound")}
)
if set(TRACKS_OF) != set(CREATE_BODY.enums["Track"]):
    raise ImportError("openapi.yaml changed the Track values; TRACKS_OF maps each of them")


def track_of_width(count: int) -> str:
    """A `Track` value whose Stream carries ``count`` tracks of the call (the first by name)."""
    matching = [track for track, tracks in TRACKS_OF.items() if len(tracks) == count]
    if not matching:
        raise ValueError(f"no Track value carries {count} tracks")
    return min(matching)


# One-way Streams may carry at most four tracks of a call at a time (Media Streams overview, "Limits");
# a `both_tracks` Stream uses two of them.
MAX_TRACKS_PER_CALL = 4

# --- The Call's hang-up (not part of openapi.yaml) -----------------------------------------------------

# Twilio's Call resource is not part of this contract, but the emulator takes one of its requests, the
# hang-up: `POST /2010-04-01/Accounts/{AccountSid}/Calls/{CallSid}.json` with `Status=completed`, what
# Twilio's SDK sends for `client.calls(sid).update(status="completed")` (Call resource, "Update a Call";
# `canceled` hangs up only a call that is queued or ringing). The Call is the parent of its Streams: its
# path is the Streams' path without `/Streams`.
CALL_PATH = CREATE_STREAM_PATH.removesuffix("/Streams.json") + ".json"
CALL_COMPLETED, CALL_CANCELED, CALL_IN_PROGRESS = "completed", "canceled", "in-progress"
CALL_UPDATE_BODY = FormBody(
    fields=frozenset({"Status"}),
    required=(),
    enums=MappingProxyType({"Status": (CALL_CANCELED, CALL_COMPLETED)}),
    uri_fields=frozenset(),
    defaults=MappingProxyType({}),
)


def call_path(account_sid: str, call_sid: str) -> str:
    return CALL_PATH.format(AccountSid=account_sid, CallSid=call_sid)
