"""One local HTTP and WebSocket server in a thread of its own: what the media receiver and the status
callback recorder listen with, alone or together on one port.

Why one server for both: a provider judged from afar reaches the suite through one tunnel, and a tunnel
forwards one local port. Twilio dials the Media Stream's ``Url`` (a WebSocket upgrade) and posts its
status callbacks (HTTP requests with a form body) to that same place, possibly over the same keep-alive
connection, so the server must tell them apart per request. The ``websockets`` library's own server
cannot: it refuses any request with a body (``Request.parse``: "unsupported request body"). uvicorn can:
it parses every HTTP request and hands each WebSocket upgrade to its ``websockets-sansio`` protocol,
which is the ``websockets`` library's own sans-I/O ``ServerProtocol`` (the same handshake, frames and
close codes). Its ASGI interface also gives what fault tests need: answering an upgrade with an HTTP
status (the ``websocket.http.response`` extension) and not reading (uvicorn stops reading the socket
while a received message waits for the app, so a receiver that never reads fills the sender's buffers).

The server runs its own asyncio loop in a daemon thread, so plain (sync) pytest tests and the sync
conformance runner can use it: ``with LocalServer() as server:`` starts it and returns once it serves,
and leaving the block stops it (within ``STOP_TIMEOUT_S``), releasing whatever handler still waits.
Its socket is bound and listening before the thread starts, so the port is known at once and nothing
that connects early is refused.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Awaitable, Callable, Iterator
from contextlib import ExitStack, contextmanager, suppress
from types import TracebackType
from typing import Literal
from urllib.parse import urlsplit

import uvicorn
from starlette.types import Receive, Scope, Send

HOST = "127.0.0.1"
# Starting is binding a socket and an event loop: seconds mean something is wrong.
START_TIMEOUT_S = 10.0
# uvicorn checks for a stop request every 0.1 s and then lets handlers finish; handlers that wait
# (a hanging callback, a receiver that never reads) wait on `stopping`, so a stop takes well under this.
STOP_TIMEOUT_S = 10.0
# How long an upgrade answered with an HTTP status waits for its connection to end (it ends at once).
DENIED_CONNECTION_END_S = 1.0
# Handlers still running this long after a stop are cancelled.
GRACEFUL_SHUTDOWN_S = 5

Kind = Literal["http", "websocket"]
Handler = Callable[[Scope, Receive, Send], Awaitable[None]]

_WEBSOCKET_SCHEMES = {"http": "ws", "https": "wss"}


class _Uvicorn(uvicorn.Server):
    """uvicorn's server, telling the thread that started it when it serves."""

    def __init__(self, config: uvicorn.Config, started: Callable[[], None]) -> None:
        super().__init__(config)
        self._started = started

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        self._started()


class LocalServer:
    """An HTTP and WebSocket server on ``127.0.0.1`` (``port`` 0: a free port) that hands each WebSocket
    upgrade and each HTTP request to the handler mounted for its kind (a 404 when none is).

    ``public_url`` is the address the outside world reaches this server at, when a tunnel or a proxy
    forwards one (``https://abc.tunnel.example``, forwarding paths unchanged to ``127.0.0.1:port``): the
    URLs the server hands out and the URLs it reports requests at are then built on it.
    """

    def __init__(self, *, port: int = 0, public_url: str | None = None) -> None:
        if public_url is not None and urlsplit(public_url).scheme not in _WEBSOCKET_SCHEMES:
            raise ValueError(f"expected an http or https public URL, got {public_url!r}")
        self._requested_port = port
        self._public_url = public_url.rstrip("/") if public_url else None
        self._handlers: dict[str, Handler] = {}
        self._socket: socket.socket | None = None
        self._port: int | None = None
        self._thread: threading.Thread | None = None
        self._uvicorn: _Uvicorn | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._ready = threading.Event()
        self._failure: BaseException | None = None
        # Set when the server is asked to stop: every handler that waits for something waits for this too.
        self.stopping = asyncio.Event()

    # --- Addresses -------------------------------------------------------------------------------------

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("the server is not started: use it in a `with` block")
        return self._port

    @property
    def public_url(self) -> str | None:
        return self._public_url

    def base_url(self, *, websocket: bool = False) -> str:
        """``http://127.0.0.1:PORT`` (``ws://`` for a WebSocket), or the public URL's equivalent."""
        base = self._public_url or f"http://{HOST}:{self.port}"
        if websocket:
            scheme, _, rest = base.partition("://")
            return f"{_WEBSOCKET_SCHEMES[scheme]}://{rest}"
        return base

    def url_for(self, path: str, *, websocket: bool = False) -> str:
        """The URL of ``path`` (``/media/a``) on this server, as a sender must be given it."""
        if not path.startswith("/"):
            raise ValueError(f"expected a path starting with '/', got {path!r}")
        return self.base_url(websocket=websocket) + path

    def url_as_seen(self, scope: Scope) -> str:
        """The URL a request was sent to, as this server can know it: the scheme (``ws`` for a WebSocket)
        and the ``Host`` header, or the public URL's scheme and host when there is one (a tunnel ends TLS
        before the request reaches this server), then the raw path and query exactly as they came."""
        websocket = scope["type"] == "websocket"
        if self._public_url is not None:
            parts = urlsplit(self.base_url(websocket=websocket))
            origin = f"{parts.scheme}://{parts.netloc}"
        else:
            host = next((value for name, value in scope["headers"] if name == b"host"), b"").decode("latin-1")
            origin = f"{'ws' if websocket else 'http'}://{host or f'{HOST}:{self.port}'}"
        path: bytes = scope.get("raw_path") or scope["path"].encode()
        query: bytes = scope.get("query_string", b"")
        return origin + path.decode("latin-1") + (f"?{query.decode('latin-1')}" if query else "")

    # --- Handlers --------------------------------------------------------------------------------------

    @contextmanager
    def mounted(self, kind: Kind, handler: Handler) -> Iterator[None]:
        """Hand every request of ``kind`` to ``handler`` while the block runs (one handler per kind)."""
        if kind in self._handlers:
            raise RuntimeError(f"a {kind} handler is already mounted on this server")
        self._handlers[kind] = handler
        try:
            yield
        finally:
            del self._handlers[kind]

    def call_soon(self, callback: Callable[[], object]) -> None:
        """Run ``callback`` in the server's loop (from any thread); nothing happens once it has stopped."""
        loop = self._loop
        if loop is not None and not loop.is_closed():
            with suppress(RuntimeError):  # closed between the check and the call
                loop.call_soon_threadsafe(callback)

    async def _app(self, scope: Scope, receive: Receive, send: Send) -> None:
        handler = self._handlers.get(scope["type"])
        if handler is not None:
            await handler(scope, receive, send)
        elif scope["type"] == "websocket":
            await receive()  # websocket.connect
            await deny_upgrade(receive, send, 404, "no WebSocket is received here")
        elif scope["type"] == "http":
            await send({"type": "http.response.start", "status": 404, "headers": []})
            await send({"type": "http.response.body", "body": b"no HTTP request is received here\n"})

    # --- Lifecycle -------------------------------------------------------------------------------------

    def __enter__(self) -> LocalServer:
        if self._thread is not None:
            raise RuntimeError("a LocalServer runs once")
        self._socket = socket.create_server((HOST, self._requested_port))
        self._port = self._socket.getsockname()[1]
        config = uvicorn.Config(
            self._app,
            interface="asgi3",
            http="h11",
            ws="websockets-sansio",
            # Record frames as they were sent: no permessage-deflate to negotiate.
            ws_per_message_deflate=False,
            # No pings: a receiver that stops reading must not be closed by a ping timeout.
            ws_ping_interval=None,
            lifespan="off",
            # Nothing of the process's logging configuration is touched; no access log.
            log_config=None,
            log_level="warning",
            access_log=False,
            server_header=False,
            proxy_headers=False,
            timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_S,
        )
        self._uvicorn = _Uvicorn(config, started=self._ready.set)
        self._thread = threading.Thread(target=self._run, name=f"LocalServer:{self.port}", daemon=True)
        self._thread.start()
        if not self._ready.wait(START_TIMEOUT_S):
            self._stop()
            raise RuntimeError(f"the local server did not start within {START_TIMEOUT_S:.0f} s")
        if self._failure is not None:
            self._stop()
            raise RuntimeError(f"the local server did not start: {self._failure!r}") from self._failure
        return self

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            assert self._uvicorn is not None
            assert self._socket is not None
            loop.run_until_complete(self._uvicorn.serve(sockets=[self._socket]))
        except BaseException as failure:  # reported by __enter__ (uvicorn fails with SystemExit)
            self._failure = failure
        finally:
            loop.close()
            self._ready.set()

    def _stop(self) -> None:
        self.call_soon(self.stopping.set)
        if self._uvicorn is not None:
            self._uvicorn.should_exit = True
        if self._thread is not None:
            self._thread.join(STOP_TIMEOUT_S)
            if self._thread.is_alive() and self._uvicorn is not None:
                self._uvicorn.force_exit = True
                self._thread.join(STOP_TIMEOUT_S)
        if self._socket is not None:
            self._socket.close()

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self._stop()


async def deny_upgrade(receive: Receive, send: Send, status: int, text: str) -> None:
    """Answer a WebSocket upgrade (its ``websocket.connect`` received) with an HTTP status instead of 101."""
    body = f"{text}\n".encode()
    headers = [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode())]
    await send({"type": "websocket.http.response.start", "status": status, "headers": headers})
    await send({"type": "websocket.http.response.body", "body": body})
    # uvicorn logs "ASGI callable returned without completing handshake" when the app returns before the
    # connection is gone; it is gone once the second disconnect (the first follows the answer) arrives.
    for _ in range(2):
        with suppress(TimeoutError):
            await asyncio.wait_for(receive(), DENIED_CONNECTION_END_S)


def owned_or_shared(server: LocalServer | None) -> tuple[LocalServer, bool]:
    """The server a receiver or recorder listens with: the one given (shared, started and stopped by
    its owner), or a new one of its own (``True``: start and stop it)."""
    return (server, False) if server is not None else (LocalServer(), True)


@contextmanager
def serving(server: LocalServer, owned: bool, kind: Kind, handler: Handler) -> Iterator[None]:
    """``handler`` mounted for ``kind`` on ``server`` while the block runs; an owned server (see
    ``owned_or_shared``) is started before and stopped after."""
    with ExitStack() as stack:
        if owned:
            stack.enter_context(server)
        stack.enter_context(server.mounted(kind, handler))
        yield
