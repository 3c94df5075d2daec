"""Every error the emulator answers, written once as data, and the one function that renders them.

Twilio's error body is ``{"code", "message", "more_info", "status"}`` plus ``detail`` on some errors.
Twilio maps HTTP statuses onto its own 20xxx codes (20003 authenticate, 20004 method not allowed,
20404 not found, 20429 too many requests, 20500 internal error); every invalid request answers 400 with
code 20001 ("Bad request") and a message that names the parameter. 413 and 431 have no Twilio code of
their own, so they carry 20001 too: they are bad requests, with the HTTP status that says why.
"""

import json
from collections.abc import Mapping
from dataclasses import dataclass

MORE_INFO = "https://www.twilio.com/docs/errors/{code}"


@dataclass(frozen=True, slots=True)
class TwilioError:
    """One row of the catalogue: the HTTP status, Twilio's code and a message template."""

    status: int
    code: int
    message: str
    detail: str | None = None


# fmt: off
AUTHENTICATE = TwilioError(401, 20003, "Authenticate", "Your AccountSid or AuthToken was incorrect.")
NOT_FOUND = TwilioError(404, 20404, "The requested resource {path} was not found")
METHOD_NOT_ALLOWED = TwilioError(405, 20004, "Method not allowed")
MISSING_PARAMETER = TwilioError(400, 20001, "Missing required parameter {parameter} in the post body")
INVALID_PARAMETER = TwilioError(400, 20001, "Invalid parameter {parameter}: {reason}")
UNKNOWN_PARAMETER = TwilioError(400, 20001, "Unknown parameter {parameter}")
REPEATED_PARAMETER = TwilioError(400, 20001, "Parameter {parameter} is given more than once")
UNSUPPORTED_CONTENT_TYPE = TwilioError(400, 20001, "The body must be application/x-www-form-urlencoded in UTF-8")
MALFORMED_FORM = TwilioError(400, 20001, "The body is not a valid UTF-8 application/x-www-form-urlencoded form")
NAME_IN_USE = TwilioError(400, 20001, "A Stream named {name} is already in progress on call {call_sid}")
TOO_MANY_TRACKS = TwilioError(
    400, 20001, "Call {call_sid} already streams {in_use} of its {limit} tracks; a {track} Stream needs {needed}"
)
CALL_NOT_IN_PROGRESS = TwilioError(400, 21220, "Call {call_sid} is not in progress: it cannot start a Stream")
BODY_TOO_LARGE = TwilioError(413, 20001, "The request body is larger than {limit} bytes")
MESSAGE_TOO_LARGE = TwilioError(413, 20001, "The request is larger than {limit} bytes")
HEADERS_TOO_LARGE = TwilioError(431, 20001, "The request line and headers are larger than {limit} bytes")
MALFORMED_REQUEST = TwilioError(400, 20001, "Malformed HTTP request")
STORE_BUSY = TwilioError(429, 20429, "Too Many Requests", "The store is busy; retry shortly.")
INTERNAL_ERROR = TwilioError(500, 20500, "Internal Server Error")
# fmt: on


@dataclass(frozen=True, slots=True)
class StreamFailure:
    """One of Twilio's Media Stream errors (its `twilio.com/docs/api/errors/<code>` page): what a Stream's
    `stream-error` callback says in `StreamError`, and what the access log records."""

    code: int
    name: str
    warning: bool = False  # a warning is logged once per Stream and ends nothing

    def text(self, detail: str) -> str:
        """The `StreamError` of a `stream-error` callback: code, Twilio's name, what happened here."""
        return f"{self.code} {self.name}: {detail}"


# fmt: off
STREAM_TIMEOUT = StreamFailure(31901, "WebSocket - Connection Timeout")
STREAM_REFUSED = StreamFailure(31902, "WebSocket - Connection Refused")
STREAM_BROKEN_PIPE = StreamFailure(31903, "WebSocket - Connection Broken Pipe")
STREAM_TLS = StreamFailure(31910, "WebSocket - SSL Protocol Error")
STREAM_HANDSHAKE = StreamFailure(31920, "WebSocket - Handshake Error")
STREAM_CLOSED_BY_APP = StreamFailure(31921, "WebSocket - Close Error")
STREAM_SCHEME = StreamFailure(31922, "WebSocket - URL Schema Not Supported")
STREAM_MALFORMED_URL = StreamFailure(31923, "WebSocket - Malformed URL")
STREAM_BUFFER_OVERFLOW = StreamFailure(31930, "Media - Buffer Overflow", warning=True)
STREAM_MALFORMED_MESSAGE = StreamFailure(31950, "Protocol - Malformed Message", warning=True)
STREAM_INVALID_MESSAGE = StreamFailure(31951, "Protocol - Invalid Message", warning=True)
# fmt: on


class ApiError(Exception):
    """Raised anywhere in a request; rendered by :func:`render` into Twilio's error JSON."""

    def __init__(self, error: TwilioError, /, headers: Mapping[str, str] | None = None, **fields: object) -> None:
        super().__init__(error.message)
        self.error = error
        self.headers: Mapping[str, str] = headers or {}
        self.fields = fields

    @property
    def status(self) -> int:
        return self.error.status


def render(error: TwilioError, **fields: object) -> bytes:
    """The JSON body of one error, its message filled in with ``fields``."""
    body: dict[str, object] = {
        "code": error.code,
        "message": error.message.format(**fields),
        "more_info": MORE_INFO.format(code=error.code),
        "status": error.status,
    }
    if error.detail is not None:
        body["detail"] = error.detail
    return json.dumps(body).encode("utf-8")
