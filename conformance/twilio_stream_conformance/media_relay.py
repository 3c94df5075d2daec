"""A relay between the emulator and the app, for defective servers of what a Stream *does*.

A defect of the Media Stream or of the status callbacks is the emulator behind a relay that breaks one
thing on the way: the defective server rewrites each create so that the emulator dials the relay
(``/relay/<the Url, base64url>``) and reports to it (``/callback/<the StatusCallback, base64url>``); the
relay dials the real ``Url`` and calls the real ``StatusCallback``, signed as the emulator signs, passing
every message and callback through the defect's ``Rewrites``. Seen from outside it is one server with
one bug; the emulator itself is untouched.

The relay runs in the defective server's process on the test kit's ``LocalServer`` (a thread of its own).
"""

from __future__ import annotations

import base64
import contextlib
import functools
import ssl
from collections.abc import Awaitable, Callable
from urllib.parse import parse_qsl, urlsplit

import httpx
from starlette.types import Receive, Scope, Send
from twilio_stream_contract import callbacks
from twilio_stream_emulator.media.dial import DialPolicy, open_stream, target
from twilio_stream_emulator.signature import compute_signature
from twilio_stream_emulator.testing import LocalServer
from websockets.exceptions import ConnectionClosed

RELAY, CALLBACK = "/relay/", "/callback/"
CALLBACK_TIMEOUT_S = 15.0
# Closes the emulator's dial when the app cannot be reached, as a server error would.
INTERNAL_ERROR = 1011

Forward = Callable[[str], Awaitable[None]]


@functools.cache
def _tls() -> ssl.SSLContext:
    """One TLS context for every relayed callback: building one (the CA bundle loaded) is most of what a
    fresh ``httpx.AsyncClient`` costs (about 40 ms against 0.1 ms), and a client lives for one callback."""
    return httpx.create_ssl_context()


def encode(url: str) -> str:
    """A URL as one path segment (base64url: no `/`, `?` or `#`)."""
    return base64.urlsafe_b64encode(url.encode()).decode().rstrip("=")


def decode(segment: str) -> str:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)).decode()


def _is_url(value: str, schemes: tuple[str, ...]) -> bool:
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme in schemes and bool(parts.hostname) and value == value.strip()


class StreamRewrites:
    """What a defect does to one Stream's messages. By default, nothing."""

    async def message(self, text: str, forward: Forward) -> None:
        """Pass one message on to the app (``await forward(text)``), changed or not, once, twice or never."""
        await forward(text)


class Rewrites:
    """What a defect does on the way: to each Stream's messages (a ``StreamRewrites`` per Stream) and to
    each callback. By default, nothing."""

    def stream(self) -> StreamRewrites:
        return StreamRewrites()

    def callback(self, params: dict[str, str]) -> dict[str, str] | None:
        """The parameters of a callback to pass on, or None to drop it."""
        return params

    def signature(self, auth_token: str, url: str, params: dict[str, str]) -> str | None:
        """The ``X-Twilio-Signature`` of a relayed callback (None: send none)."""
        return compute_signature(auth_token, url, params)


class MediaRelay:
    """The relay of one defective server; ``with relay:`` serves it, ``rewrite_field`` routes a create's fields."""

    def __init__(self, rewrites: Rewrites, auth_token: str) -> None:
        self._rewrites = rewrites
        self._auth_token = auth_token
        self._server = LocalServer()
        self._exit = contextlib.ExitStack()

    def __enter__(self) -> MediaRelay:
        self._exit.enter_context(self._server)
        self._exit.enter_context(self._server.mounted("websocket", self._relay_stream))
        self._exit.enter_context(self._server.mounted("http", self._relay_callback))
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._exit.close()

    def rewrite_field(self, name: str, value: str) -> str:
        """A create's field, `Url` and `StatusCallback` routed through the relay. A value that is no URL of
        its kind stays as it is, for the emulator to refuse as it would without the relay."""
        if name == "Url" and _is_url(value, ("ws", "wss")):
            return self._server.url_for(RELAY + encode(value), websocket=True)
        if name == "StatusCallback" and _is_url(value, ("http", "https")):
            return self._server.url_for(CALLBACK + encode(value))
        return value

    async def _relay_stream(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The emulator's WebSocket in, the app's out: each message through the defect."""
        original = decode(scope["path"].removeprefix(RELAY))
        await receive()  # websocket.connect
        try:
            app = await open_stream(target(original, DialPolicy()), self._auth_token, DialPolicy())
        except Exception:
            await send({"type": "websocket.close", "code": INTERNAL_ERROR})
            return
        await send({"type": "websocket.accept"})
        rewrites = self._rewrites.stream()
        async with app:
            while True:
                event = await receive()
                if event["type"] == "websocket.disconnect":
                    with contextlib.suppress(ConnectionClosed):
                        await app.close(event.get("code", 1000))
                    return
                if event.get("text") is not None:
                    with contextlib.suppress(ConnectionClosed):
                        await rewrites.message(event["text"], app.send)

    async def _relay_callback(self, scope: Scope, receive: Receive, send: Send) -> None:
        original = decode(scope["path"].removeprefix(CALLBACK))
        body = b""
        while True:
            event = await receive()
            body += event.get("body", b"")
            if not event.get("more_body"):
                break
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})
        posted = scope["method"] == "POST"
        params = dict(parse_qsl((body if posted else scope["query_string"]).decode(), keep_blank_values=True))
        passed = self._rewrites.callback(params)
        if passed is None:
            return
        url = original if posted else str(httpx.URL(original).copy_merge_params(passed))
        signed = passed if posted else {}
        signature = self._rewrites.signature(self._auth_token, url, signed)
        headers = {callbacks.SIGNATURE_HEADER: signature} if signature is not None else {}
        async with httpx.AsyncClient(timeout=CALLBACK_TIMEOUT_S, verify=_tls()) as client:
            with contextlib.suppress(httpx.HTTPError):
                await client.request(scope["method"], url, data=signed or None, headers=headers)
