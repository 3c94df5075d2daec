"""uvicorn's httptools protocol with answers in Twilio's words when a request cannot reach the app.

Stock uvicorn answers a request it cannot parse with a plain-text ``400 Invalid HTTP request
received.``, before the app sees it. With h11 a request line plus headers over 16 KiB is such a
request (``h11_max_incomplete_event_size``); with httptools there is no header limit at all (a client
could make the server buffer headers without end), and a non-ASCII byte in the path or a malformed
request line is again a plain-text 400. This subclass of the httptools protocol (the faster parser,
chosen with uvloop) adds:

- limits: ``431`` when the request line and headers pass ``MAX_HEADER_BYTES``, ``413`` when the whole
  message (head, body with its chunk framing, trailers) passes ``MAX_MESSAGE_BYTES``: the parser keeps
  an unfinished header or trailer line to itself, so only counting what arrives bounds what it holds;
- every parser rejection rendered as Twilio JSON with the CORS headers (``400``, code 20001), and
  logged in the access log like any other answer;
- protocol upgrades ignored, as RFC 9110 lets a server do: the emulator speaks HTTP/1.1 only. The
  parser stops at an upgrade request's head and takes its body for the new protocol's bytes, so the
  head is handed to a fresh parser without the upgrade, followed by the bytes after it: the body
  reaches the app as in any request.

A rejection closes the connection, as uvicorn does: after a framing error the stream cannot be trusted.
It relies on uvicorn's internal protocol class (there is no public hook for the parser's errors), so
uvicorn is pinned to the range it was written against (``emulator/pyproject.toml``), and
``tests/test_emulator_hostile.py`` sends each case over a raw socket
(``test_a_hostile_request_gets_a_twilio_error``, ``test_a_header_that_never_ends_is_cut_off_at_the_limit``,
``test_an_upgrade_is_ignored_and_the_body_served`` and their neighbours).
"""

import asyncio
from time import perf_counter
from typing import Any

import httptools
from uvicorn.config import Config
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.server import ServerState

from twilio_stream_emulator import errors
from twilio_stream_emulator.access_log import ANSWERED_STATUS, log_request
from twilio_stream_emulator.middleware import RAW_CORS_HEADERS
from twilio_stream_emulator.settings import DEFAULT_MAX_BODY_BYTES

MAX_HEADER_BYTES = 32 * 1024
# The head, a body at its limit with room for its chunk framing, and trailers as large as a head.
MAX_MESSAGE_BYTES = 2 * MAX_HEADER_BYTES + 2 * DEFAULT_MAX_BODY_BYTES
# A rejected request's target goes into the access log up to this length (it may be the oversized part).
_LOGGED_TARGET_BYTES = 1024


class HeadersTooLarge(Exception):
    """Raised inside a parser callback to stop parsing (httptools then raises HttpParserCallbackError)."""


def raw_error_response(error: errors.TwilioError, **fields: object) -> bytes:
    """A complete HTTP/1.1 error response, ready for the socket."""
    body = errors.render(error, **fields)
    head = [f"HTTP/1.1 {error.status} {_REASONS[error.status]}".encode("ascii")]
    head += [name + b": " + value for name, value in RAW_CORS_HEADERS]
    head += [b"content-type: application/json", b"content-length: %d" % len(body), b"connection: close"]
    return b"\r\n".join(head) + b"\r\n\r\n" + body


_REASONS = {400: "Bad Request", 413: "Content Too Large", 431: "Request Header Fields Too Large"}


def _without_upgrade(method: bytes, url: bytes, headers: list[tuple[bytes, bytes]]) -> bytes:
    """The request head again, minus ``Upgrade`` and the ``upgrade`` token of ``Connection``."""
    lines = [method + b" " + url + b" HTTP/1.1"]
    for name, value in headers:
        if name == b"upgrade":
            continue
        if name == b"connection":
            tokens = [token.strip() for token in value.split(b",") if token.strip().lower() != b"upgrade"]
            if not tokens:
                continue
            value = b", ".join(tokens)
        lines.append(name + b": " + value)
    return b"\r\n".join(lines) + b"\r\n\r\n"


class TwilioHttpToolsProtocol(HttpToolsProtocol):
    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self.url = b""
        self._in_message = False  # between the first byte of a request and its end
        self._in_head = True  # between the start of a request and the end of its headers
        self._message_bytes = 0  # what arrived during the message, parsed yet or not
        self._message_started = 0.0
        self._messages_completed = 0
        self._app_started = False  # the current message was handed to the app
        self._head_too_large = False
        self._upgrade_head: bytes | None = None  # an upgrade request's head, to parse again without it

    def data_received(self, data: bytes) -> None:
        if self.transport.is_closing():
            return  # an error answer was sent; what follows it is not a request
        completed_before = self._messages_completed
        self._unset_keepalive_if_required()
        self._feed(data)
        if not self._in_message or self._messages_completed != completed_before or self.transport.is_closing():
            return  # bytes of a message that ended here are bounded by the limits of the checks below
        self._message_bytes += len(data)
        if self._in_head and self._message_bytes > MAX_HEADER_BYTES:
            self._head_too_large = True
            self._reject(errors.HEADERS_TOO_LARGE, limit=MAX_HEADER_BYTES)
        elif self._message_bytes > MAX_MESSAGE_BYTES:
            self._reject(errors.MESSAGE_TOO_LARGE, limit=MAX_MESSAGE_BYTES)

    def _feed(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade as upgrade:
            head, self._upgrade_head = self._upgrade_head, None
            if head is None:  # CONNECT: there is no HTTP request to serve after it
                self._reject(errors.MALFORMED_REQUEST)
                return
            self.parser = httptools.HttpRequestParser(self)
            self.parser.set_dangerous_leniencies(lenient_data_after_close=True)  # as uvicorn sets it
            self._feed(head + data[upgrade.args[0] :])
        except httptools.HttpParserError:
            if self._head_too_large:
                self._reject(errors.HEADERS_TOO_LARGE, limit=MAX_HEADER_BYTES)
            else:
                self._reject(errors.MALFORMED_REQUEST)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._in_message, self._in_head, self._app_started = True, True, False
        self._message_bytes, self._message_started = 0, perf_counter()

    def on_headers_complete(self) -> None:
        self._in_head = False
        # The request target and the header fields, as the parser hands them over.
        size = len(self.url) + sum(len(name) + len(value) + 4 for name, value in self.headers)
        if size > MAX_HEADER_BYTES:
            self._head_too_large = True
            raise HeadersTooLarge  # stops the parser: httptools raises HttpParserCallbackError
        if self.parser.should_upgrade():
            # The parser will stop after this head; _feed gives it again, without the upgrade.
            method = self.parser.get_method()
            if method != b"CONNECT":
                self._upgrade_head = _without_upgrade(method, self.url, self.headers)
            return
        self._app_started = True
        super().on_headers_complete()

    def on_body(self, body: bytes) -> None:
        if self._app_started:
            super().on_body(body)

    def on_message_complete(self) -> None:
        self._in_message = False
        self._messages_completed += 1
        if self._app_started:
            super().on_message_complete()

    def _reject(self, error: errors.TwilioError, **fields: object) -> None:
        """Answer ``error`` and close; the app's line in the access log, or one of our own, says so."""
        if self._app_started and self.cycle.response_started:
            # The app has answered (a 413 before the end of an endless body, say) and logged it.
            self.transport.close()
            return
        self.transport.write(raw_error_response(error, **fields))
        self.transport.close()
        if self._app_started:
            # The app is still waiting for the body: it sees the client leave and logs the request,
            # with the status the client was really sent.
            self.scope[ANSWERED_STATUS] = error.status  # type: ignore[literal-required]
        else:
            method = self.parser.get_method() if self.url else b"-"
            target = self.url[:_LOGGED_TARGET_BYTES] or b"-"
            client = f"{self.client[0]}:{self.client[1]}" if self.client else "-"
            started = self._message_started if self._in_message else perf_counter()
            log_request(client, method, target, error.status, perf_counter() - started)
