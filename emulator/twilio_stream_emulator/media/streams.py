"""The Media Streams of one emulator process: the owner of every session's task, the pacer of their frames.

One ``MediaStreams`` lives in the app's lifespan. It starts a session for each Stream a create makes,
stops sessions on a stop or a hang-up, and on shutdown stops what is left (as a hang-up would), so no
task or socket outlives the app.

Pacing keeps a schedule, not a sleep: tick ``k`` is due at ``t0 + k * 20 ms`` on the loop's monotonic
clock, and every streaming session sends its frames of tick ``k`` then (a session joins at the next
tick after its ``start``), so lateness never accumulates and no Stream drifts, however long it runs.
One pacer for all sessions rather than a sleeping task per Stream: a wake-up per tick instead of one per
Stream and tick (the bench row "concurrent real-time Streams").

Several workers: a Stream is streamed by the worker that created it, and a stop or hang-up may reach
another worker. Each tick, while sessions are live, the pacer asks SQLite whether another connection
wrote (``PRAGMA data_version``, no read of any table) and only then which of its live Streams are now
stopped; so a stop on any worker ends the media within a tick or two.
"""

import asyncio
import logging
from collections.abc import Callable, Iterable
from types import TracebackType

from twilio_stream_emulator.media.audio import MediaSource
from twilio_stream_emulator.media.callbacks import StatusCallbacks
from twilio_stream_emulator.media.dial import DialPolicy
from twilio_stream_emulator.media.messages import FRAME_MS
from twilio_stream_emulator.media.session import Session, StreamPlan
from twilio_stream_emulator.store import Store

log = logging.getLogger("emulator.access")
TICK_S = FRAME_MS / 1000
Now = Callable[[], str]  # the time of a change, as the store writes it
# What a shutdown waits for: the `stop` frames and closes, then the last callbacks.
SHUTDOWN_STREAMS_S = 3.0
SHUTDOWN_CALLBACKS_S = 2.0


class MediaStreams:
    """Every live session of this process; ``async with`` runs the pacer and ends everything on exit."""

    def __init__(self, store: Store, source: MediaSource, policy: DialPolicy, now: Now, enabled: bool = True) -> None:
        self._enabled = enabled
        self._store = store
        self._source = source
        self._policy = policy
        self._now = now
        self.callbacks = StatusCallbacks(any_host=policy.any_host)
        self._live: dict[str, Session] = {}
        self._streaming: dict[str, Session] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._wake = asyncio.Event()
        self._pacer: asyncio.Task[None] | None = None
        self._tick = 0
        self._data_version = -1

    async def __aenter__(self) -> "MediaStreams":
        if self._enabled:
            await self.callbacks.warm_up()
        self._pacer = asyncio.get_running_loop().create_task(self._pace())
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        await self.shutdown()

    # --- what the API calls --------------------------------------------------------------------------

    def start(self, plan: StreamPlan) -> None:
        """Start the Media Stream of a Stream just created (its 200 is already decided); nothing when the
        emulator runs without media (``--no-media``): the Stream stays in progress until stopped."""
        if not self._enabled:
            return
        session = Session(plan, self._source, self._policy, self.callbacks, self._mark_stopped)
        self._live[plan.stream_sid] = session
        task = asyncio.get_running_loop().create_task(session.run(self._join))
        self._tasks.add(task)
        task.add_done_callback(lambda done: self._forget(plan.stream_sid, done))
        self._wake.set()

    def stop(self, stream_sids: Iterable[str]) -> None:
        """Stop the Media Streams of these Streams, if this process streams them."""
        for stream_sid in stream_sids:
            session = self._live.get(stream_sid)
            if session is not None:
                self._streaming.pop(stream_sid, None)
                session.stop()

    def live(self) -> int:
        return len(self._live)

    # --- the sessions' side --------------------------------------------------------------------------

    def _join(self, session: Session) -> None:
        """A session sent its ``start``: its media begins at the next tick."""
        session.first_tick = self._tick + 1
        self._streaming[session.plan.stream_sid] = session

    def _forget(self, stream_sid: str, task: "asyncio.Task[None]") -> None:
        """A session's task is over, so is the session."""
        self._tasks.discard(task)
        self._live.pop(stream_sid, None)
        self._streaming.pop(stream_sid, None)
        if not task.cancelled() and task.exception() is not None:
            log.error("media %s failed", stream_sid, exc_info=task.exception())

    def _mark_stopped(self, plan: StreamPlan) -> None:
        """A Stream whose media failed ends `stopped` in the store."""
        self._streaming.pop(plan.stream_sid, None)
        self._store.stop(plan.account_sid, plan.call_sid, plan.stream_sid, self._now)

    # --- pacing --------------------------------------------------------------------------------------

    async def _pace(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            if not self._live:
                self._wake.clear()
                await self._wake.wait()
            start, first = loop.time(), self._tick
            while self._live:
                self._tick += 1
                delay = start + (self._tick - first) * TICK_S - loop.time()
                # A tick that overran its 20 ms (hundreds of Streams on a busy machine) still yields: sending
                # never waits, so without it the loop would stop dialling, answering the API, hearing signals.
                await asyncio.sleep(max(delay, 0))
                tick = self._tick
                for session in list(self._streaming.values()):
                    if session.first_tick <= tick and session.writable():
                        await session.send_media(tick)
                self._stop_what_others_stopped()

    def _stop_what_others_stopped(self) -> None:
        version = self._store.data_version()
        if version == self._data_version:
            return
        self._data_version = version
        self.stop(self._store.stopped_among(list(self._live)))

    async def reset(self) -> None:
        """End every session as a stop does, for the next test to start afresh: ``stop``, a normal close;
        a session that does not end within ``SHUTDOWN_STREAMS_S`` is cancelled, its socket dropped."""
        self.stop(list(self._live))
        await self._wait_for_sessions()

    async def _wait_for_sessions(self) -> None:
        if not self._tasks:
            return
        _, late = await asyncio.wait(set(self._tasks), timeout=SHUTDOWN_STREAMS_S)
        for task in late:
            task.cancel()
        if late:
            await asyncio.wait(late)

    # --- the end -------------------------------------------------------------------------------------

    async def shutdown(self) -> None:
        """Stop every Stream still in progress as a hang-up would, then let the last callbacks out."""
        for session in list(self._live.values()):
            plan = session.plan
            self._store.stop(plan.account_sid, plan.call_sid, plan.stream_sid, self._now)
        self.stop(list(self._live))
        await self._wait_for_sessions()
        if self._pacer is not None:
            self._pacer.cancel()
            await asyncio.wait({self._pacer})
        await self.callbacks.wait_idle(SHUTDOWN_CALLBACKS_S)
        await self.callbacks.aclose()
