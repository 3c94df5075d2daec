"""One Stream's Media Stream, from the dial to the close: what it sends and how it ends.

A session dials the Stream's ``Url``, sends ``connected`` and ``start``, then lets the pacer
(``streams.MediaStreams``) send its ``media`` frames on the shared 20 ms schedule, and reads what the app
sends back. It ends in one of three ways:

- stopped (a stop by SID or name, the call's hang-up, the emulator's shutdown): ``stop`` is sent, the
  socket closed with 1000, ``stream-stopped`` reported;
- the app closes the socket (31921) or it dies (31903): ``stream-error`` then ``stream-stopped``
  reported, and the Stream is stopped in the store;
- the dial fails (31901-31923): ``stream-error`` reported, the Stream stopped in the store; it never
  started, so there is no ``stream-stopped``.

Messages the app sends on a one-way Stream are ignored; the first of each kind is logged as Twilio's
warning 31950 (a binary frame) or 31951 (any other message): Twilio documents the warnings, not that the
Stream ends.
"""

import asyncio
import contextlib
import enum
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import twilio_stream_contract as contract
from twilio_stream_contract import callbacks
from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed

from twilio_stream_emulator import errors
from twilio_stream_emulator.media import messages
from twilio_stream_emulator.media.audio import MediaSource
from twilio_stream_emulator.media.callbacks import StatusCallback, StatusCallbacks
from twilio_stream_emulator.media.dial import DialFailed, DialPolicy, loggable, open_stream, target

log = logging.getLogger("emulator.access")
# A stopped Stream's `stop` and close frame get this long to go out before the socket is dropped.
CLOSE_TIMEOUT_S = 2.0
ABNORMAL_CLOSURE = 1006


@dataclass(frozen=True, slots=True)
class StreamPlan:
    """What a create asked of a Stream's media, and the Auth Token that signs what the Stream sends."""

    stream_sid: str
    account_sid: str
    call_sid: str
    name: str | None
    url: str
    track: str
    custom_parameters: Mapping[str, str]
    status_callback: str | None
    status_callback_method: str
    auth_token: str = field(repr=False)

    @property
    def ids(self) -> messages.StreamIds:
        return messages.StreamIds(self.stream_sid, self.account_sid, self.call_sid)

    def callback(self) -> StatusCallback | None:
        if not self.status_callback:
            return None
        return StatusCallback(
            url=self.status_callback,
            method=self.status_callback_method,
            auth_token=self.auth_token,
            account_sid=self.account_sid,
            call_sid=self.call_sid,
            stream_sid=self.stream_sid,
            stream_name=self.name or self.stream_sid,
        )


class State(enum.Enum):
    DIALING = "dialing"
    STREAMING = "streaming"
    STOPPING = "stopping"
    ENDED = "ended"


class Session:
    """One Stream's WebSocket. The pacer calls ``send_media``; everything else happens in ``run``."""

    def __init__(
        self,
        plan: StreamPlan,
        source: MediaSource,
        policy: DialPolicy,
        callbacks: StatusCallbacks,
        mark_stopped: Callable[[StreamPlan], None],
    ) -> None:
        self.plan = plan
        self.tracks = contract.TRACKS_OF[plan.track]
        self.state = State.DIALING
        self.first_tick = 0
        self._audio = {track: source.track(track) for track in self.tracks}
        self._policy = policy
        self._callbacks = callbacks
        self._callback = plan.callback()
        self._mark_stopped = mark_stopped
        self._websocket: ClientConnection | None = None
        self._sequence = 1  # `start` is 1
        self._chunks = dict.fromkeys(self.tracks, 0)
        self._warned: set[int] = set()
        self._stop_requested = asyncio.Event()

    # --- what the pacer calls ------------------------------------------------------------------------

    def writable(self) -> bool:
        """Whether a frame can go out now without waiting: the app reads fast enough."""
        websocket = self._websocket
        if websocket is None or self.state is not State.STREAMING:
            return False
        if websocket.transport.get_write_buffer_size() < websocket.write_limit_high // 2:
            return True
        self._warn_once(errors.STREAM_BUFFER_OVERFLOW, "the app does not read fast enough: audio is discarded")
        return False

    async def send_media(self, tick: int) -> None:
        """The frames of tick ``tick`` of the schedule, one per track; each 20 ms of the track's audio."""
        websocket = self._websocket
        index = tick - self.first_tick
        for track in self.tracks:
            if self.state is not State.STREAMING or websocket is None:
                return  # stopped meanwhile: `stop` is the last message
            self._sequence += 1
            self._chunks[track] += 1
            frame = messages.media(
                self.plan.stream_sid,
                self._sequence,
                track,
                self._chunks[track],
                index * messages.FRAME_MS,
                self._audio[track].frame(index),
            )
            try:
                await websocket.send(frame)
            except ConnectionClosed:
                return  # the reader sees the close and ends the session

    # --- the session's own task ----------------------------------------------------------------------

    async def run(self, on_streaming: Callable[["Session"], None]) -> None:
        """The Stream's whole life: dial, start, stream until stopped or closed, end.

        ``on_streaming`` hands the session to the pacer once ``start`` is sent. Cancelled (a reset, a
        shutdown that waited too long), it drops its socket: no socket outlives its session.
        """
        try:
            await self._live(on_streaming)
        finally:
            if self._websocket is not None and self.state is not State.ENDED:
                self._websocket.transport.abort()
            self._end()

    async def _live(self, on_streaming: Callable[["Session"], None]) -> None:
        try:
            websocket = await self._dial()
        except DialFailed as failure:
            self._fail(failure.failure, failure.detail, started=False)
            return
        if websocket is None or self._stop_requested.is_set():  # stopped while dialing: it never started
            if websocket is not None:
                await self._close(websocket)
            self._end()
            return
        self._websocket = websocket
        await websocket.send(messages.connected())
        await websocket.send(messages.start(self.plan.ids, self.tracks, self.plan.custom_parameters))
        self.state = State.STREAMING
        on_streaming(self)
        log.info("media %s start %s", self.plan.stream_sid, ",".join(self.tracks))
        self._report(callbacks.STREAM_STARTED)
        reading = asyncio.ensure_future(self._read(websocket))
        stopping = asyncio.ensure_future(self._stop_requested.wait())
        await asyncio.wait({reading, stopping}, return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
        if self._stop_requested.is_set():
            self._sequence += 1
            with contextlib.suppress(ConnectionClosed):  # the app closed it meanwhile: nothing to tell it
                await websocket.send(messages.stop(self.plan.ids, self._sequence))
            await self._close(websocket)
            await asyncio.wait({reading})
            log.info("media %s stop", self.plan.stream_sid)
            self._report(callbacks.STREAM_STOPPED)
            self._end()
            return
        await asyncio.wait({reading})
        # 1006: the connection ended without a close frame (websockets' name for "abnormal closure").
        if websocket.close_code not in (None, ABNORMAL_CLOSURE):
            self._fail(errors.STREAM_CLOSED_BY_APP, f"the app closed the WebSocket ({websocket.close_code})")
        else:
            self._fail(errors.STREAM_BROKEN_PIPE, "the connection was lost without a close frame")

    async def _dial(self) -> ClientConnection | None:
        """The open WebSocket, None if the Stream was stopped first, or DialFailed."""
        url = target(self.plan.url, self._policy)
        log.info("media %s dial %s", self.plan.stream_sid, loggable(url))
        dialing = asyncio.ensure_future(open_stream(url, self.plan.auth_token, self._policy))
        stopping = asyncio.ensure_future(self._stop_requested.wait())
        done, _ = await asyncio.wait({dialing, stopping}, return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
        if dialing in done:
            return dialing.result()
        dialing.cancel()
        await asyncio.wait({dialing})
        return None

    async def _read(self, websocket: ClientConnection) -> None:
        """What the app sends, until the socket closes: ignored on a one-way Stream, its first of a kind logged."""
        try:
            async for message in websocket:
                if isinstance(message, bytes):
                    self._warn_once(errors.STREAM_MALFORMED_MESSAGE, "the app sent a binary frame")
                else:
                    self._warn_once(errors.STREAM_INVALID_MESSAGE, "the app sent a message on a one-way Stream")
        except ConnectionClosed:
            pass

    def stop(self) -> None:
        """End the Stream as a stop does: ``stop``, a normal close, ``stream-stopped``. Idempotent."""
        if self.state is State.STREAMING:
            self.state = State.STOPPING  # the pacer sends nothing more: `stop` is the last message
        self._stop_requested.set()

    async def _close(self, websocket: ClientConnection) -> None:
        try:
            async with asyncio.timeout(CLOSE_TIMEOUT_S):
                await websocket.close(1000)
        except TimeoutError:
            websocket.transport.abort()

    def _end(self) -> None:
        self.state = State.ENDED

    # --- failures ------------------------------------------------------------------------------------

    def _fail(self, failure: errors.StreamFailure, detail: str, *, started: bool = True) -> None:
        """The Stream fails: it ends `stopped` in the store and reports the error (and its end, if it started)."""
        self._end()
        text = failure.text(detail)
        log.warning("media %s error %s", self.plan.stream_sid, text)
        self._mark_stopped(self.plan)
        self._report(callbacks.STREAM_ERROR, text)
        if started:
            self._report(callbacks.STREAM_STOPPED)

    def _warn_once(self, failure: errors.StreamFailure, detail: str) -> None:
        if failure.code not in self._warned:
            self._warned.add(failure.code)
            log.warning("media %s warning %s", self.plan.stream_sid, failure.text(detail))

    def _report(self, event: str, error: str | None = None) -> None:
        if self._callback is not None:
            self._callbacks.send(self._callback, event, error)
