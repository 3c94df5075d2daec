"""The method/path pairs the emulator serves, one per operation of ``openapi.yaml`` (a test proves it).

Starlette matches routes on ``scope["path"]``, where ``%2F`` is already decoded into ``/``; a Stream
name may hold ``/``, so these routes match the raw, still percent-encoded path (a path parameter is
one segment: the bytes between two ``/``) and hand each path parameter over undecoded. The handler
decodes it after authentication: a malformed escape then answers 404 for that account only, never 500.
"""

import re
from collections.abc import Awaitable, Callable

import twilio_stream_contract as contract
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Match, Route
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocketClose

from twilio_stream_emulator import errors, responses
from twilio_stream_emulator.errors import ApiError
from twilio_stream_emulator.forms import raw_path

SERVED_METHODS = ("POST",)
# OPTIONS is the browsers' CORS preflight; it is answered on every route and is not an API operation.
ALLOW = ", ".join(sorted({"OPTIONS", *SERVED_METHODS}))


class ApiRoute(Route):
    """A route matched on ``scope["raw_path"]``: literal segments, and ``{Param}`` (with a suffix) ones."""

    def __init__(self, path: str, endpoint: Callable[[Request], Awaitable[Response]]) -> None:
        super().__init__(path, endpoint, methods=SERVED_METHODS)
        # One compiled pattern over the raw bytes: "{Name}" is one non-empty segment, the rest literal.
        pattern = b""
        for literal, name in re.findall(r"([^{]*)(?:\{(\w+)\})?", path):
            pattern += re.escape(literal.encode())
            if name:
                pattern += b"(?P<" + name.encode() + b">[^/]+)"
        self._raw_path_pattern = re.compile(pattern)

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] != "http":
            return Match.NONE, {}
        match = self._raw_path_pattern.fullmatch(raw_path(scope))
        if match is None:
            return Match.NONE, {}
        # Latin-1 maps every byte to one character, so nothing here can fail; decoding is the handler's.
        params = {name: value.decode("latin-1") for name, value in match.groupdict().items()}
        # Every method matches fully: handle() answers OPTIONS and 405 itself, with a stable Allow.
        return Match.FULL, {"endpoint": self.endpoint, "path_params": params}

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        method = scope["method"]
        if method == "POST":
            # The endpoint is called directly rather than through Starlette's request_response wrapper:
            # one Request, one exception handler, no extra layer on the path every answer takes.
            try:
                response = await self.endpoint(Request(scope, receive))
            except ApiError as error:
                response = responses.error_response(error)
            await response(scope, receive, send)
        elif method == "OPTIONS":
            await Response(status_code=204, headers={"Allow": ALLOW})(scope, receive, send)
        else:
            not_allowed = ApiError(errors.METHOD_NOT_ALLOWED, headers={"Allow": ALLOW})
            await responses.error_response(not_allowed)(scope, receive, send)


async def not_found(scope: Scope, receive: Receive, send: Send) -> None:
    """The router's answer when no route matches; a WebSocket (no route is one) is closed unaccepted."""
    if scope["type"] == "websocket":
        await WebSocketClose()(scope, receive, send)
        return
    await responses.error_response(responses.not_found(scope))(scope, receive, send)


# The stop first: it is the request clients repeat (retries, idempotent stops), so it is tried first.
STREAM_ROUTES = [
    ApiRoute(contract.UPDATE_STREAM_PATH, responses.update_stream),
    ApiRoute(contract.CREATE_STREAM_PATH, responses.create_stream),
]
# The emulator's one route beyond the Stream contract: hanging a call up, as Twilio's SDK does it.
CALL_ROUTES = [ApiRoute(contract.CALL_PATH, responses.update_call)]
ROUTES = STREAM_ROUTES + CALL_ROUTES
