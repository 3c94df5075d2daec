"""``MediaReceiver``: the app's side of a Media Stream, for tests. A local WebSocket server that records
every connection made to it, every message of each, and how each ended.

    with MediaReceiver() as receiver:
        ...  # create a Stream whose Url is receiver.url
        stream = receiver.next_stream(timeout=5)
        media = stream.wait_for("media", count=50, timeout=5)
        assert stream.start is not None and stream.start["start"]["tracks"] == ["inbound"]
        audio = stream.audio("inbound")  # the mu-law bytes, in order

It accepts any path, negotiates no compression, and records what arrives as it arrives: text frames
(with their JSON, or ``None`` when they are not JSON) and binary frames alike, each with its arrival
time on ``time.monotonic()``'s clock. For fault tests it can, chosen at construction, answer the
upgrade with an HTTP status instead of 101 (``reject_status=404``), accept and then never read
(``stop_reading=True``: the sender's buffers fill up), or accept and close after some messages
(``close_after=5``). A test can also hang up itself (``stream.close()``), as an app would.

Bounds: a connection records at most ``max_messages`` messages (200,000 by default, about 30 minutes
of a two-track Stream; some hundreds of MB at the limit); the receiver then closes it with 1008 and
marks it ``overflowed``. At most ``max_streams`` connections (1,000) are recorded; any further upgrade
is answered 503. Every wait takes a timeout. See ``local_server`` for the server itself, which a
receiver may share with a status callback recorder (``server=``) so that both answer on one port.
"""

from __future__ import annotations

import asyncio
import base64
import json
import threading
import time
from collections.abc import Callable
from contextlib import ExitStack, suppress
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

from starlette.types import Receive, Scope, Send
from twilio_stream_contract import media as messages

from twilio_stream_emulator.testing.local_server import LocalServer, deny_upgrade, owned_or_shared, serving

MAX_MESSAGES = 200_000
MAX_STREAMS = 1_000
DEFAULT_TIMEOUT_S = 5.0
NORMAL_CLOSURE = 1000
POLICY_VIOLATION = 1008


@dataclass(frozen=True, slots=True)
class ReceivedMessage:
    """One WebSocket message as it arrived: ``text`` (a text frame) or ``data`` (a binary frame), the
    text's JSON (``None`` when it is not JSON), and its arrival time on ``time.monotonic()``'s clock."""

    at: float
    text: str | None = None
    data: bytes | None = None
    json: Any = None

    @classmethod
    def of_text(cls, text: str, at: float) -> ReceivedMessage:
        try:
            parsed = json.loads(text)
        except ValueError:
            parsed = None
        return cls(at=at, text=text, json=parsed)

    @property
    def event(self) -> str | None:
        """The message's ``event``, when it is a JSON object that has a string one."""
        event = self.json.get("event") if isinstance(self.json, dict) else None
        return event if isinstance(event, str) else None

    @property
    def track(self) -> str | None:
        """``media.track`` of a media message."""
        media = self.json.get(messages.MEDIA) if isinstance(self.json, dict) else None
        track = media.get("track") if isinstance(media, dict) else None
        return track if isinstance(track, str) else None


@dataclass(eq=False)
class ReceivedStream:
    """One WebSocket connection made to the receiver: its upgrade request, its messages, its end.

    Read it from any thread: it is filled by the receiver's thread and every accessor returns a copy.
    ``headers`` have lowercase names (``headers["x-twilio-signature"]``); repeated ones are joined with
    ``", "``. ``url_as_seen`` is the URL the upgrade was sent to, as the server saw it, with the ``ws``
    scheme (``wss`` behind a public ``https`` URL): the URL a signature of the upgrade is checked against.
    """

    path: str
    query: str
    headers: dict[str, str]
    url_as_seen: str
    opened_at: float
    _condition: threading.Condition = field(repr=False)
    _server: LocalServer = field(repr=False)
    _messages: list[ReceivedMessage] = field(default_factory=list, repr=False)
    # How many messages of each event have arrived, so that a wait for the 50,000th media counts, not scans.
    _event_counts: dict[str | None, int] = field(default_factory=dict, repr=False)
    _close_requested: asyncio.Event = field(default_factory=asyncio.Event, repr=False)
    _requested_close: tuple[int, str] | None = field(default=None, repr=False)
    rejected_status: int | None = None
    close_code: int | None = None
    close_reason: str = ""
    closed_at: float | None = None
    closed_by_receiver: bool = False
    overflowed: bool = False

    # --- Reading ---------------------------------------------------------------------------------------

    @property
    def messages(self) -> list[ReceivedMessage]:
        with self._condition:
            return list(self._messages)

    def events(self) -> list[str | None]:
        """The ``event`` of every message, in order (``None`` for one that has none)."""
        return [message.event for message in self.messages]

    @property
    def start(self) -> dict[str, Any] | None:
        """The ``start`` message, or None before it arrives."""
        found = next((message.json for message in self.messages if message.event == messages.START), None)
        return found if isinstance(found, dict) else None

    @property
    def stream_sid(self) -> str | None:
        """The Stream SID the ``start`` message names (its top-level ``streamSid``)."""
        sid = (self.start or {}).get("streamSid")
        return sid if isinstance(sid, str) else None

    def media(self, track: str) -> list[ReceivedMessage]:
        """The ``media`` messages of ``track`` (``inbound`` or ``outbound``), in order."""
        return [message for message in self.messages if message.event == messages.MEDIA and message.track == track]

    def audio(self, track: str) -> bytes:
        """The raw mu-law of ``track``: every media payload of the track base64-decoded, joined in order.
        A payload that is not base64 raises ``binascii.Error``."""
        return b"".join(base64.b64decode(message.json[messages.MEDIA]["payload"]) for message in self.media(track))

    @property
    def closed(self) -> bool:
        with self._condition:
            return self.closed_at is not None

    # --- Waiting ---------------------------------------------------------------------------------------

    def wait_for(self, event: str, count: int = 1, timeout: float = DEFAULT_TIMEOUT_S) -> list[ReceivedMessage]:
        """The first ``count`` messages whose ``event`` is ``event``, once they have arrived.

        Raises TimeoutError when they have not within ``timeout`` seconds, or once the connection has
        closed without them (nothing more will come), saying what did arrive.
        """

        def arrived_enough() -> bool:
            return self._event_counts.get(event, 0) >= count or self.closed_at is not None

        with self._condition:
            self._condition.wait_for(arrived_enough, timeout)
            arrived = [message for message in self._messages if message.event == event][:count]
            if len(arrived) >= count:
                return arrived
            ended = f"the connection closed ({self.close_code})" if self.closed_at is not None else "timed out"
            raise TimeoutError(
                f"expected {count} {event!r} message(s) within {timeout:.1f} s, got {len(arrived)}; {ended} "
                f"after {len(self._messages)} message(s): {_abridged_events(self._messages)}"
            )

    def wait_closed(self, timeout: float = DEFAULT_TIMEOUT_S) -> int | None:
        """The close code once the connection has closed: 1005 when it ended with none (a close frame
        without a code, or none at all: the socket dropped), ``None`` when the upgrade was refused or the
        receiver stopped first; TimeoutError when it is still open after ``timeout`` seconds."""
        with self._condition:
            if not self._condition.wait_for(lambda: self.closed_at is not None, timeout):
                raise TimeoutError(
                    f"expected the connection to close within {timeout:.1f} s; still open after "
                    f"{len(self._messages)} message(s): {_abridged_events(self._messages)}"
                )
            return self.close_code

    # --- Acting ----------------------------------------------------------------------------------------

    def close(self, code: int = NORMAL_CLOSURE, reason: str = "") -> None:
        """Close the connection from the app's side, as an app hanging up does; returns at once (use
        ``wait_closed`` to wait for the end of the closing handshake)."""
        with self._condition:
            if self._requested_close is None:
                self._requested_close = (code, reason)
        self._server.call_soon(self._close_requested.set)

    # --- Recording (the receiver's thread) -------------------------------------------------------------

    def _record(self, message: ReceivedMessage) -> int:
        with self._condition:
            self._messages.append(message)
            self._event_counts[message.event] = self._event_counts.get(message.event, 0) + 1
            self._condition.notify_all()
            return len(self._messages)

    def _record_end(
        self, code: int | None, reason: str, at: float, *, rejected: int | None = None, overflowed: bool = False
    ) -> None:
        with self._condition:
            if self.closed_at is None:
                self.close_code, self.close_reason, self.closed_at = code, reason, at
                self.closed_by_receiver = self._requested_close is not None
                self.rejected_status = rejected
                self.overflowed = self.overflowed or overflowed
            self._condition.notify_all()


def _abridged_events(received: list[ReceivedMessage], ends: int = 3) -> str:
    """``connected, start, media x 48, stop``: consecutive events counted, at most ``ends`` runs at each end."""
    runs: list[list[Any]] = []
    for message in received:
        label = message.event or ("binary frame" if message.data is not None else "non-JSON text")
        if runs and runs[-1][0] == label:
            runs[-1][1] += 1
        else:
            runs.append([label, 1])
    shown = [f"{label} x {count}" if count > 1 else str(label) for label, count in runs]
    if len(shown) > 2 * ends:
        shown = [*shown[:ends], f"... {len(shown) - 2 * ends} more runs ...", *shown[-ends:]]
    return ", ".join(shown) or "nothing"


class MediaReceiver:
    """A local WebSocket server that records the Media Streams sent to it (see the module's docstring).

    ``server``: a started ``LocalServer`` to listen with, shared with a ``StatusCallbackRecorder`` so
    that one port (one tunnel) serves both; without one the receiver starts a server of its own.
    ``path`` is the path of ``url``. At most one of the fault behaviours may be chosen.
    """

    def __init__(
        self,
        *,
        server: LocalServer | None = None,
        path: str = "/media",
        reject_status: int | None = None,
        stop_reading: bool = False,
        close_after: int | None = None,
        max_messages: int = MAX_MESSAGES,
        max_streams: int = MAX_STREAMS,
    ) -> None:
        chosen = [reject_status is not None, stop_reading, close_after is not None]
        if sum(chosen) > 1:
            raise ValueError("choose at most one of reject_status, stop_reading and close_after")
        if reject_status is not None and not (200 <= reject_status < 600 and reject_status != 101):
            raise ValueError(f"expected an HTTP status other than 101, got {reject_status}")
        if close_after is not None and close_after < 0:
            raise ValueError(f"expected close_after >= 0, got {close_after}")
        self._server, self._owns_server = owned_or_shared(server)
        self._path = path
        self._reject_status = reject_status
        self._stop_reading = stop_reading
        self._close_after = close_after
        self._max_messages = max_messages
        self._max_streams = max_streams
        self._condition = threading.Condition()
        self._streams: list[ReceivedStream] = []
        self._handed_out = 0
        self._exit = ExitStack()

    @property
    def server(self) -> LocalServer:
        return self._server

    @property
    def url(self) -> str:
        """The WebSocket URL to give a Stream, e.g. ``ws://127.0.0.1:PORT/media``."""
        return self._server.url_for(self._path, websocket=True)

    def url_for(self, path: str) -> str:
        """The WebSocket URL of another path (``/media/a``) on this receiver: any path is received."""
        return self._server.url_for(path, websocket=True)

    # --- What arrived ----------------------------------------------------------------------------------

    def streams(self) -> list[ReceivedStream]:
        """Every connection so far, in the order they arrived."""
        with self._condition:
            return list(self._streams)

    def next_stream(self, timeout: float = DEFAULT_TIMEOUT_S) -> ReceivedStream:
        """The next connection not handed out by this method before, once it arrives; TimeoutError when
        none does within ``timeout`` seconds."""
        with self._condition:
            if not self._condition.wait_for(lambda: len(self._streams) > self._handed_out, timeout):
                raise TimeoutError(f"expected a WebSocket connection within {timeout:.1f} s, got none")
            self._handed_out += 1
            return self._streams[self._handed_out - 1]

    def stream(
        self, stream_sid: str | None = None, timeout: float = DEFAULT_TIMEOUT_S, *, path: str | None = None
    ) -> ReceivedStream:
        """The first connection whose ``start`` names ``stream_sid`` and/or whose path is ``path``, once it
        has arrived; TimeoutError when none has within ``timeout`` seconds."""
        if stream_sid is None and path is None:
            raise ValueError("expected a stream_sid, a path, or both")

        def matches(stream: ReceivedStream) -> bool:
            if path is not None and stream.path != path:
                return False
            return stream_sid is None or _sid_of(stream) == stream_sid

        def found() -> ReceivedStream | None:
            return next((stream for stream in self._streams if matches(stream)), None)

        with self._condition:
            stream = self._condition.wait_for(found, timeout)
            if stream is None:
                wanted = " and ".join(
                    part for part in (stream_sid and f"streamSid {stream_sid}", path and f"path {path}") if part
                )
                seen = [(s.path, _sid_of(s)) for s in self._streams]
                raise TimeoutError(
                    f"expected a WebSocket connection with {wanted} within {timeout:.1f} s; "
                    f"got {len(seen)} connection(s) (path, streamSid): {seen[:10]}"
                )
            return stream

    # --- Serving (the server's thread) -----------------------------------------------------------------

    async def _serve(self, scope: Scope, receive: Receive, send: Send) -> None:
        await receive()  # websocket.connect
        headers: dict[str, str] = {}
        for raw_name, raw_value in scope["headers"]:
            name, value = raw_name.decode("latin-1").lower(), raw_value.decode("latin-1")
            headers[name] = f"{headers[name]}, {value}" if name in headers else value
        stream = ReceivedStream(
            path=(scope.get("raw_path") or scope["path"].encode()).decode("latin-1"),
            query=scope.get("query_string", b"").decode("latin-1"),
            headers=headers,
            url_as_seen=self._server.url_as_seen(scope),
            opened_at=time.monotonic(),
            _condition=self._condition,
            _server=self._server,
        )
        with self._condition:
            admitted = len(self._streams) < self._max_streams
            if admitted:
                self._streams.append(stream)
                self._condition.notify_all()
        if not admitted:
            await deny_upgrade(receive, send, 503, f"this receiver records at most {self._max_streams} connections")
            return
        if self._reject_status is not None:
            await deny_upgrade(receive, send, self._reject_status, "refused by the test's receiver")
            stream._record_end(None, "", time.monotonic(), rejected=self._reject_status)
            return
        await send({"type": "websocket.accept"})
        closer = asyncio.create_task(self._close_when_asked(stream, send))
        if self._close_after == 0:
            stream.close(NORMAL_CLOSURE)
        try:
            if self._stop_reading:
                await _first_of(stream._close_requested.wait, self._server.stopping.wait)
                if stream._close_requested.is_set():
                    await closer
                    code, reason = stream._requested_close or (None, "")
                    stream._record_end(code, reason, time.monotonic())
                else:  # the server is stopping, and closes the connection itself
                    stream._record_end(None, "the receiver stopped", time.monotonic())
            else:
                await self._record(stream, receive)
        finally:
            closer.cancel()

    async def _record(self, stream: ReceivedStream, receive: Receive) -> None:
        """Record every message until the connection ends; bounded by ``max_messages`` (then closed with
        1008) and by the server's life (a stopping server closes its connections). Once the receiver has
        decided to close, what the sender sent before it saw the close is read but not recorded."""
        recording = self._close_after != 0
        while True:
            event = await receive()
            at = time.monotonic()
            if event["type"] == "websocket.disconnect":
                stream._record_end(event.get("code"), event.get("reason") or "", at)
                return
            if event["type"] != "websocket.receive" or not recording:
                continue
            text, data = event.get("text"), event.get("bytes")
            message = ReceivedMessage.of_text(text, at) if text is not None else ReceivedMessage(at=at, data=data)
            count = stream._record(message)
            if count >= self._max_messages:
                recording = False
                stream.overflowed = True
                stream.close(POLICY_VIOLATION, f"more than {self._max_messages} messages")
            elif self._close_after is not None and count >= self._close_after:
                recording = False
                stream.close(NORMAL_CLOSURE)

    async def _close_when_asked(self, stream: ReceivedStream, send: Send) -> None:
        await stream._close_requested.wait()
        code, reason = stream._requested_close or (NORMAL_CLOSURE, "")
        with suppress(OSError, RuntimeError):  # the sender is gone already: nothing to close
            await send({"type": "websocket.close", "code": code, "reason": reason})

    # --- Lifecycle -------------------------------------------------------------------------------------

    def __enter__(self) -> MediaReceiver:
        self._exit.enter_context(serving(self._server, self._owns_server, "websocket", self._serve))
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self._exit.close()


def _sid_of(stream: ReceivedStream) -> str | None:
    """``stream.stream_sid`` read under the receiver's lock (the caller holds it)."""
    start = next((m.json for m in stream._messages if m.event == messages.START), None)
    sid = start.get("streamSid") if isinstance(start, dict) else None
    return sid if isinstance(sid, str) else None


async def _first_of(*waits: Callable[[], Any]) -> None:
    """Return when the first of these waits is over; cancel the others."""
    tasks = [asyncio.ensure_future(wait()) for wait in waits]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
