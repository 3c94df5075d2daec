"""uvicorn's httptools protocol with answers in Twilio's words when a request cannot reach the app.

Stock uvicorn answers a request it cannot parse with a plain-text ``400 Invalid HTTP request
received.``, before the app sees it. With h11 a request line plus headers over 16 KiB is such a
request (``h11_max_incomplete_event_size``); with httptools there is no header limit at all (a client
could make the server buffer headers without end), and a non-ASCII byte in the path or a malformed
request line is again a plain-text 400. This subclass of the httptools protocol (the faster parser,
chosen with uvloop) does two things and nothing else:

- it counts the request line and header bytes and answers ``431`` beyond ``MAX_HEADER_BYTES``;
- it renders every parser rejection as Twilio JSON with the CORS headers (``400``, code 20001).

Both close the connection, as uvicorn does: after a framing error the stream cannot be trusted.
It relies on uvicorn's internal protocol class; uvicorn is pinned and tests cover both answers.
"""

import asyncio
from typing import Any

from uvicorn.config import Config
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.server import ServerState

from emulator import errors
from emulator.cors import RAW_CORS_HEADERS

MAX_HEADER_BYTES = 32 * 1024


class HeadersTooLarge(Exception):
    """Raised inside a parser callback to stop parsing (httptools then raises HttpParserCallbackError)."""


def raw_error_response(error: errors.TwilioError, **fields: object) -> bytes:
    """A complete HTTP/1.1 error response, ready for the socket."""
    body = errors.render(error, **fields)
    head = [f"HTTP/1.1 {error.status} {_REASONS[error.status]}".encode("ascii")]
    head += [name + b": " + value for name, value in RAW_CORS_HEADERS]
    head += [b"content-type: application/json", b"content-length: %d" % len(body), b"connection: close"]
    return b"\r\n".join(head) + b"\r\n\r\n" + body


_REASONS = {400: "Bad Request", 431: "Request Header Fields Too Large"}


class TwilioHttpToolsProtocol(HttpToolsProtocol):
    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self._in_head = True  # between the start of a request and the end of its headers
        self._head_bytes_received = 0  # what arrived while in the head, parsed yet or not
        self._head_too_large = False
        self._heads_completed = 0

    def data_received(self, data: bytes) -> None:
        if self.transport.is_closing():
            return  # an error answer was sent; what follows it is not a request
        heads_before = self._heads_completed
        super().data_received(data)
        if self._in_head and self._heads_completed == heads_before and not self.transport.is_closing():
            # All of `data` was head. The parser keeps an unfinished header to itself until its end:
            # counting what arrives bounds what it may hold.
            self._head_bytes_received += len(data)
            if self._head_bytes_received > MAX_HEADER_BYTES:
                self._head_too_large = True
                self.send_400_response("")

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._in_head, self._head_bytes_received = True, 0

    def on_headers_complete(self) -> None:
        self._in_head = False
        self._heads_completed += 1
        # The request target and the header fields, as the parser hands them over.
        size = len(self.url) + sum(len(name) + len(value) + 4 for name, value in self.headers)
        if size > MAX_HEADER_BYTES:
            self._head_too_large = True
            raise HeadersTooLarge  # stops the parser: httptools raises HttpParserCallbackError
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._in_head, self._head_bytes_received = True, 0

    def send_400_response(self, msg: str) -> None:
        if self._head_too_large:
            response = raw_error_response(errors.HEADERS_TOO_LARGE, limit=MAX_HEADER_BYTES)
        else:
            response = raw_error_response(errors.MALFORMED_REQUEST)
        self.transport.write(response)
        self.transport.close()
