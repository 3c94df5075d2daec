"""``StatusCallbackRecorder``: the app's status callback endpoint, for tests. A local HTTP endpoint that
records every request made to it and answers 200.

    with StatusCallbackRecorder() as recorder:
        ...  # create a Stream with StatusCallback=recorder.url
        started = recorder.wait_for(stream_sid=sid, event="stream-started", timeout=5)
        assert started.params["StreamName"] == sid
        assert started.signature_is_valid(auth_token)

Each request is recorded with its method, path, query, headers, body and arrival time (on
``time.monotonic()``'s clock), and its parameters: the form of a POST
(``application/x-www-form-urlencoded``), the query of any other method. For fault tests it can answer
another status (``status=500``) or hang (``hang=True``: no answer for ``hang_seconds``, 30 by default,
longer than a sender's timeout; a stopping server ends the wait, so it always stops cleanly).

It runs on ``LocalServer`` (uvicorn in a thread) rather than the standard library's HTTP server so that
it can share one port with a ``MediaReceiver`` (``server=``): a provider judged through a tunnel reaches
both through one forwarded port. Bounds: bodies up to 64 KiB (413 beyond), at most 10,000 callbacks
recorded (503 beyond).
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Mapping
from contextlib import ExitStack, suppress
from dataclasses import dataclass
from types import TracebackType
from urllib.parse import parse_qsl

from starlette.types import Receive, Scope, Send
from twilio_stream_contract import callbacks
from twilio_stream_contract.callbacks import SIGNATURE_HEADER

from twilio_stream_emulator.signature import is_valid_signature
from twilio_stream_emulator.testing.local_server import LocalServer, owned_or_shared, serving

MAX_CALLBACKS = 10_000
MAX_BODY_BYTES = 64 * 1024
DEFAULT_HANG_S = 30.0
DEFAULT_TIMEOUT_S = 5.0


@dataclass(frozen=True, slots=True)
class RecordedCallback:
    """One request to the recorder.

    ``url`` is the URL it was sent to as the server saw it (``http://`` and the ``Host`` header, or the
    server's public URL), with the query; ``params`` the form of a POST or the query of a GET, the first
    value of a repeated name (``param_pairs`` has them all, in order); ``headers`` have lowercase names.
    """

    method: str
    path: str
    query: str
    url: str
    headers: Mapping[str, str]
    body: bytes
    param_pairs: tuple[tuple[str, str], ...]
    at: float

    @property
    def params(self) -> dict[str, str]:
        first: dict[str, str] = {}
        for name, value in self.param_pairs:
            first.setdefault(name, value)
        return first

    @property
    def is_form(self) -> bool:
        """Whether the parameters came as a form body (a POST), not in the URL's query."""
        return _is_form(self.method, self.headers)

    @property
    def event(self) -> str | None:
        """``StreamEvent``: stream-started, stream-stopped or stream-error."""
        return self.params.get(callbacks.STREAM_EVENT)

    @property
    def stream_sid(self) -> str | None:
        return self.params.get(callbacks.STREAM_SID)

    @property
    def signature(self) -> str | None:
        """The ``X-Twilio-Signature`` header, if any."""
        return self.headers.get(SIGNATURE_HEADER.lower())

    def signed_params(self) -> dict[str, list[str]]:
        """What the signature covers besides the URL: the form of a POST, nothing for a GET (whose
        parameters are in the signed URL)."""
        signed: dict[str, list[str]] = {}
        if self.is_form:
            for name, value in self.param_pairs:
                signed.setdefault(name, []).append(value)
        return signed

    def signature_is_valid(self, auth_token: str) -> bool:
        """Whether the request carries Twilio's signature of ``url`` and its form, made with ``auth_token``."""
        signature = self.signature
        return signature is not None and is_valid_signature(auth_token, self.url, self.signed_params(), signature)


def _is_form(method: str, headers: Mapping[str, str]) -> bool:
    media_type = headers.get("content-type", "").partition(";")[0].strip().lower()
    return method == "POST" and media_type == callbacks.FORM_CONTENT_TYPE


class StatusCallbackRecorder:
    """A local HTTP endpoint that records the status callbacks sent to it (see the module's docstring).

    ``server``: a started ``LocalServer`` to listen with, shared with a ``MediaReceiver``; without one the
    recorder starts a server of its own. Every path is recorded; ``path`` is the path of ``url``.
    """

    def __init__(
        self,
        *,
        server: LocalServer | None = None,
        path: str = "/callbacks",
        status: int = 200,
        hang: bool = False,
        hang_seconds: float = DEFAULT_HANG_S,
        max_callbacks: int = MAX_CALLBACKS,
    ) -> None:
        if not 200 <= status < 600:
            raise ValueError(f"expected an HTTP status, got {status}")
        self._server, self._owns_server = owned_or_shared(server)
        self._path = path
        self._status = status
        self._hang_seconds = hang_seconds if hang else 0.0
        self._max_callbacks = max_callbacks
        self._condition = threading.Condition()
        self._callbacks: list[RecordedCallback] = []
        self._exit = ExitStack()

    @property
    def server(self) -> LocalServer:
        return self._server

    @property
    def url(self) -> str:
        """The URL to give as a StatusCallback, e.g. ``http://127.0.0.1:PORT/callbacks``."""
        return self._server.url_for(self._path)

    def url_for(self, path: str) -> str:
        """The URL of another path (``/callbacks/a``) on this recorder: any path is recorded."""
        return self._server.url_for(path)

    def callbacks(self) -> list[RecordedCallback]:
        """Every request so far, in the order they arrived."""
        with self._condition:
            return list(self._callbacks)

    def wait_for(
        self,
        *,
        stream_sid: str | None = None,
        event: str | None = None,
        path: str | None = None,
        timeout: float = DEFAULT_TIMEOUT_S,
    ) -> RecordedCallback:
        """The first callback with this ``StreamSid``, ``StreamEvent`` and path (each when given), once it
        has arrived; TimeoutError, listing what did arrive, when none has within ``timeout`` seconds."""

        def matches(callback: RecordedCallback) -> bool:
            return (
                (stream_sid is None or callback.stream_sid == stream_sid)
                and (event is None or callback.event == event)
                and (path is None or callback.path == path)
            )

        def found() -> RecordedCallback | None:
            return next((callback for callback in self._callbacks if matches(callback)), None)

        with self._condition:
            callback = self._condition.wait_for(found, timeout)
            if callback is None:
                wanted = {"StreamSid": stream_sid, "StreamEvent": event, "path": path}
                seen = [(c.method, c.path, c.stream_sid, c.event) for c in self._callbacks]
                raise TimeoutError(
                    f"expected a callback with { ({k: v for k, v in wanted.items() if v is not None}) } within "
                    f"{timeout:.1f} s; got {len(seen)} (method, path, StreamSid, StreamEvent): {seen[:10]}"
                )
            return callback

    # --- Serving (the server's thread) -----------------------------------------------------------------

    async def _serve(self, scope: Scope, receive: Receive, send: Send) -> None:
        at = time.monotonic()
        body = await _read_body(receive)
        if body is None:
            await _answer(send, 413, f"bodies of at most {MAX_BODY_BYTES} bytes are recorded")
            return
        headers: dict[str, str] = {}
        for raw_name, raw_value in scope["headers"]:
            name, value = raw_name.decode("latin-1").lower(), raw_value.decode("latin-1")
            headers[name] = f"{headers[name]}, {value}" if name in headers else value
        query = scope.get("query_string", b"").decode("latin-1")
        method = scope["method"]
        encoded = body.decode("utf-8", errors="replace") if _is_form(method, headers) else query
        callback = RecordedCallback(
            method=method,
            path=(scope.get("raw_path") or scope["path"].encode()).decode("latin-1"),
            query=query,
            url=self._server.url_as_seen(scope),
            headers=headers,
            body=body,
            param_pairs=tuple(parse_qsl(encoded, keep_blank_values=True)),
            at=at,
        )
        with self._condition:
            recorded = len(self._callbacks) < self._max_callbacks
            if recorded:
                self._callbacks.append(callback)
                self._condition.notify_all()
        if not recorded:
            await _answer(send, 503, f"this recorder records at most {self._max_callbacks} callbacks")
            return
        if self._hang_seconds:
            with suppress(TimeoutError):
                await asyncio.wait_for(self._server.stopping.wait(), self._hang_seconds)
        await _answer(send, self._status, "")

    # --- Lifecycle -------------------------------------------------------------------------------------

    def __enter__(self) -> StatusCallbackRecorder:
        self._exit.enter_context(serving(self._server, self._owns_server, "http", self._serve))
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self._exit.close()


async def _read_body(receive: Receive) -> bytes | None:
    """The request body, or None when it is longer than MAX_BODY_BYTES (reading stops there)."""
    chunks: list[bytes] = []
    size = 0
    more = True
    while more:
        message = await receive()
        if message["type"] != "http.request":  # the client went away
            break
        chunk: bytes = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            return None
        chunks.append(chunk)
        more = message.get("more_body", False)
    return b"".join(chunks)


async def _answer(send: Send, status: int, text: str) -> None:
    body = f"{text}\n".encode() if text else b""
    headers = [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
