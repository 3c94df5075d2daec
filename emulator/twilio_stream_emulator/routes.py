"""The method/path pairs the emulator serves: the operations of ``openapi.yaml`` (a test proves it), and
the hang-up of a call.

One deviation from Starlette's stock ``Route``: matching. Starlette matches on ``scope["path"]``, where
``%2F`` is already decoded into ``/``; a Stream name may hold ``/``, so these routes match the raw, still
percent-encoded path (a path parameter is one segment: the bytes between two ``/``) and hand each path
parameter over undecoded. The handler decodes it after authentication: a malformed escape then answers
404 for that account only, never 500. (Paid for by ``test_an_encoded_slash_in_a_sid_stays_in_the_segment``
and the client's ``test_client_creates_and_stops_by_sid_and_by_name`` with a name holding ``/``.)
"""

import re
from collections.abc import Awaitable, Callable

import twilio_stream_contract as contract
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Match, Route
from starlette.types import Scope

from twilio_stream_emulator import responses
from twilio_stream_emulator.forms import raw_path
from twilio_stream_emulator.responses import METHODS

Endpoint = Callable[[Request], Awaitable[Response]]


class RawPathRoute(Route):
    """A route matched on ``scope["raw_path"]``: literal segments, and ``{Param}`` (with a suffix) ones."""

    def __init__(self, path: str, endpoint: Endpoint) -> None:
        super().__init__(path, responses.with_preflight(endpoint), methods=METHODS)
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
        child = {"endpoint": self.endpoint, "path_params": params}
        return (Match.FULL if scope["method"] in METHODS else Match.PARTIAL), child


STREAM_ROUTES = [
    RawPathRoute(contract.UPDATE_STREAM_PATH, responses.update_stream),
    RawPathRoute(contract.CREATE_STREAM_PATH, responses.create_stream),
]
# The emulator's one route beyond the Stream contract: hanging a call up, as Twilio's SDK does it.
CALL_ROUTES = [RawPathRoute(contract.CALL_PATH, responses.update_call)]
ROUTES = STREAM_ROUTES + CALL_ROUTES
