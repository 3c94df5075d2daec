"""The status callbacks of a Stream: what a server sends to the ``StatusCallback`` of a create, as the
``callbacks`` of CreateStream in ``openapi.yaml`` describe them (read from there, never typed here).

A POST callback carries the parameters as an ``application/x-www-form-urlencoded`` body; a GET callback
appends them to the URL as its query string (its signature then covers that URL and no params). Every
callback is signed with ``X-Twilio-Signature``.
"""

from collections.abc import Mapping
from typing import Any

import twilio_stream_contract as contract

_COMPONENTS: Mapping[str, Any] = contract.document()["components"]
FORM_CONTENT_TYPE, _FORM = next(iter(_COMPONENTS["requestBodies"]["StreamStatusCallback"]["content"].items()))
_SCHEMA: Mapping[str, Any] = _FORM["schema"]

# AccountSid, CallSid, StreamSid, StreamName, StreamEvent, StreamError, Timestamp: every parameter, in order.
FIELDS: tuple[str, ...] = tuple(_SCHEMA["properties"])
# All of them but StreamError, which comes only with an error.
PARAMETERS: tuple[str, ...] = tuple(_SCHEMA["required"])
ACCOUNT_SID, CALL_SID, STREAM_SID, STREAM_NAME, STREAM_EVENT, STREAM_ERROR_TEXT, TIMESTAMP = FIELDS
# `StreamEvent`: stream-started, stream-stopped, stream-error.
STREAM_EVENTS: tuple[str, ...] = tuple(_SCHEMA["properties"][STREAM_EVENT]["enum"])
STREAM_STARTED, STREAM_STOPPED, STREAM_ERROR = STREAM_EVENTS
# `StatusCallbackMethod`: GET and POST.
METHODS: tuple[str, ...] = contract.CREATE_BODY.enums["StatusCallbackMethod"]
# The header that carries the signature of a callback (and of a Media Stream's WebSocket upgrade).
SIGNATURE_HEADER: str = _COMPONENTS["parameters"]["TwilioSignature"]["name"]


def form_schema() -> dict[str, Any]:
    """The form of a POST callback as a stand-alone JSON Schema."""
    return dict(_SCHEMA)
