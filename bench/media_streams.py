"""6. Concurrent real-time Streams on one worker, and how soon a stop's `stop` message follows its 200.

For each count N, two rows side by side, each with a fresh receiver (``bench.media_receiver``, a process of
its own):

- the emulator (its command, 1 worker, a fresh store file, ``--log-level warning``): N Streams are created
  over HTTP, 32 requests at a time, each on a call of its own (so neither the name rule nor the track
  limit refuses one), all pointing at the receiver; once every Stream streams and a settling time has
  passed, the receiver's arrivals during a steady window are the row's frames. Then a sample of Streams
  is stopped one at a time, each at a random point of the 20 ms tick, and the time its 200 reached the
  client is compared with the time its ``stop`` message reached the receiver (one clock,
  CLOCK_MONOTONIC); then the rest are stopped and every WebSocket must close.
- the floor: ``bench.media_sender`` sends N Streams on the same schedule, with the same frames, from one
  process with nothing but websockets and the event loop.

Why the store is a file and the log at warning: in the steady window the emulator serves no request and
writes nothing (creates and stops come before and after it), so neither changes the lateness; the file
is what users run, and the warning level keeps N x 3 log lines (dial, start, stop) out of the ramp.
Every wait has a deadline and every process is stopped on exit.
"""

import asyncio
import dataclasses
import functools
import random
import sys
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import twilio_stream_contract as contract
from twilio_stream_emulator.server import stop_process

from bench.fixture import ACCOUNT_SID, AUTH_TOKEN, STOP_FORM
from bench.procstat import CpuSnapshot, shares
from bench.servers import MEDIA_PROCESS_MAX_S, ServerFailed, background, emulator_server, media_receiver
from bench.stats import percentile
from bench.targets import EMULATOR_CREDENTIALS

EMULATOR = "emulator, 1 worker"
FLOOR = "bare websockets sender (floor)"
TICK_S = 0.020
# The target: this many inbound_track Streams on one worker, frame lateness p99 under this.
TARGET_STREAMS = 1000
TARGET_P99_MS = 20.0
REQUESTS_AT_ONCE = 32
# A create or a stop takes milliseconds even under load; a worker that has not answered in this long has stopped.
REQUEST_TIMEOUT_S = 5.0
# Bounds of the phases: creating N Streams, stopping them; waiting for the receiver to see them all
# streaming or closed ends early when the count stops growing.
CREATE_TIMEOUT_S = 120.0
STOP_TIMEOUT_S = 120.0
WAIT_TIMEOUT_S = 60.0
STALL_S = 5.0
EMULATOR_STOP_S = 3.0
POLL_S = 0.1
NORMAL_CLOSURE = 1000


class MediaFailed(RuntimeError):
    """A phase of the media benchmark did not complete: its figures would mean nothing."""


@dataclass(frozen=True)
class MediaRow:
    """One sender at one count of Streams: frames, lateness, CPU, and (the emulator only) stop latency."""

    sender: str
    streams: int
    window_s: float
    frames: int
    frames_expected: int
    fewest_frames: int  # the fewest any one Stream delivered in the window
    lateness_p50_ms: float
    lateness_p99_ms: float
    lateness_max_ms: float
    sender_cpu: float | None  # % of one core over the window: the emulator's worker, or the bare sender
    receiver_cpu: float | None
    other_cpu: float | None  # what the rest of the machine used meanwhile (a shared machine)
    closed_normally: int
    creates_per_second: float | None = None
    stop_samples: int = 0
    stop_p50_ms: float | None = None  # `stop` message arrival minus the 200's arrival
    stop_p99_ms: float | None = None
    stops_before_200: int = 0
    stops_missing: int = 0

    def meets_target(self) -> bool:
        return self.frames >= 0.99 * self.frames_expected and self.lateness_p99_ms < TARGET_P99_MS


@dataclass(frozen=True)
class Window:
    since: float
    until: float
    sender_cpu: float | None
    receiver_cpu: float | None
    other_cpu: float | None


# --- talking to the receiver -------------------------------------------------------------------------


def _receiver_json(base_url: str, path: str, params: dict[str, float] | None = None) -> dict[str, Any]:
    response = httpx.get(base_url + path, params=params, timeout=60)
    response.raise_for_status()
    answer: dict[str, Any] = response.json()
    return answer


def _wait_for(receiver: str, key: str, count: int, alive: Callable[[], bool]) -> int:
    """Poll the receiver until ``count`` Streams are ``key`` (started, streaming, closed), or until none more
    became so for STALL_S, or WAIT_TIMEOUT_S in all; how many are. An overloaded emulator may never get there:
    that is a finding to report, not a reason to wait forever."""
    started = progressed = time.monotonic()
    reached = 0
    while time.monotonic() - started < WAIT_TIMEOUT_S and time.monotonic() - progressed < STALL_S:
        now = _receiver_json(receiver, "/status")[key]
        if now >= count:
            return int(now)
        if now > reached:
            reached, progressed = now, time.monotonic()
        if not alive():
            raise MediaFailed(f"the sender exited with {reached} of {count} Streams {key}")
        time.sleep(POLL_S)
    return reached


def _short(sender: str, streams: int, reached: int, what: str) -> str:
    return f"{sender}, {streams:,} Streams: only {reached:,} {what} (none more for {STALL_S:g} s)."


def _window(seconds: float, sender_pid: int, receiver_pid: int) -> Window:
    before = CpuSnapshot.take(time.monotonic(), (sender_pid, receiver_pid))
    time.sleep(seconds)
    after = CpuSnapshot.take(time.monotonic(), (sender_pid, receiver_pid))
    cpu, others = shares(before, after)
    return Window(before.wall, after.wall, cpu[sender_pid], cpu[receiver_pid], others)


# --- talking to the emulator -------------------------------------------------------------------------


async def _each(
    items: Iterable[Any], call: Callable[[Any], Awaitable[Any]], timeout: float
) -> tuple[list[Any], BaseException | None]:
    """``call`` on every item, REQUESTS_AT_ONCE at a time, within ``timeout`` in all. The first failure
    cancels the rest, so a worker that stopped answering costs one request timeout, not one per item:
    what completed, and the failure if there was one."""
    limit = asyncio.Semaphore(REQUESTS_AT_ONCE)
    done: list[Any] = []
    failure: BaseException | None = None

    async def bounded(item: Any) -> None:
        async with limit:
            done.append(await call(item))

    try:
        async with asyncio.timeout(timeout):
            try:
                async with asyncio.TaskGroup() as group:
                    for item in items:
                        group.create_task(bounded(item))
            except* (MediaFailed, httpx.HTTPError) as failures:
                failure = failures.exceptions[0]
    except TimeoutError as late:
        failure = late
    return done, failure


def _client(base_url: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=base_url,
        auth=(ACCOUNT_SID, AUTH_TOKEN),
        timeout=REQUEST_TIMEOUT_S,
        limits=httpx.Limits(max_connections=REQUESTS_AT_ONCE, max_keepalive_connections=REQUESTS_AT_ONCE),
    )


def _expect(response: httpx.Response, status: str) -> str:
    if response.status_code != 200 or response.json().get("status") != status:
        raise MediaFailed(f"the emulator answered {response.status_code} {response.text[:200]!r}")
    return str(response.json()["sid"])


async def create_streams(base_url: str, url: str, count: int) -> tuple[list[tuple[str, str]], BaseException | None]:
    """``count`` Streams to ``url``, each on a call of its own: the (CallSid, StreamSid) of those created, and
    why the others were not."""
    async with _client(base_url) as client:

        async def create(_: int) -> tuple[str, str]:
            call_sid = contract.new_sid(contract.CALL_SID)
            response = await client.post(contract.streams_path(ACCOUNT_SID, call_sid), data={"Url": url})
            return call_sid, _expect(response, contract.IN_PROGRESS)

        return await _each(range(count), create, CREATE_TIMEOUT_S)


async def stop_streams(base_url: str, streams: Sequence[tuple[str, str]]) -> None:
    async with _client(base_url) as client:

        async def stop(stream: tuple[str, str]) -> None:
            call_sid, sid = stream
            response = await client.post(contract.stream_uri(ACCOUNT_SID, call_sid, sid), data=STOP_FORM)
            _expect(response, contract.STOPPED)

        stopped, failure = await _each(streams, stop, STOP_TIMEOUT_S)
    if failure is not None:
        raise MediaFailed(f"{len(stopped)} of {len(streams)} stopped, then {_named(failure)}")


def _named(failure: BaseException) -> str:
    return f"{type(failure).__name__}: {failure}" if str(failure) else type(failure).__name__


def stop_one_at_a_time(base_url: str, streams: Sequence[tuple[str, str]], seed: int) -> dict[str, float]:
    """Stop each Stream in turn, each at a random point of the tick; when each 200 arrived, by StreamSid."""
    arrived: dict[str, float] = {}
    pause = random.Random(seed)  # noqa: S311 - a spread of start times, not a secret
    with httpx.Client(base_url=base_url, auth=(ACCOUNT_SID, AUTH_TOKEN), timeout=REQUEST_TIMEOUT_S) as client:
        for call_sid, sid in streams:
            time.sleep(pause.uniform(0, TICK_S))
            response = client.post(contract.stream_uri(ACCOUNT_SID, call_sid, sid), data=STOP_FORM)
            arrived[sid] = time.monotonic()
            _expect(response, contract.STOPPED)
    return arrived


# --- one row -----------------------------------------------------------------------------------------


def _row(
    sender: str,
    streams: int,
    window: Window,
    summary: dict[str, Any],
    stopped_at: dict[str, float] | None = None,
    creates_per_second: float | None = None,
) -> MediaRow:
    frames: dict[str, int] = summary["frames"]
    lateness: dict[str, float] = summary["lateness_ms"]
    row = MediaRow(
        sender=sender,
        streams=streams,
        window_s=window.until - window.since,
        frames=sum(frames.values()),
        frames_expected=round(streams * (window.until - window.since) / TICK_S),
        fewest_frames=min(frames.values(), default=0),
        lateness_p50_ms=lateness["p50"],
        lateness_p99_ms=lateness["p99"],
        lateness_max_ms=lateness["max"],
        sender_cpu=window.sender_cpu,
        receiver_cpu=window.receiver_cpu,
        other_cpu=window.other_cpu,
        closed_normally=sum(1 for code in summary["closes"].values() if code == NORMAL_CLOSURE),
        creates_per_second=creates_per_second,
    )
    if stopped_at is None:
        return row
    stops: dict[str, float] = summary["stops"]
    delays = sorted((stops[sid] - at) * 1000 for sid, at in stopped_at.items() if sid in stops)
    return dataclasses.replace(
        row,
        stop_samples=len(delays),
        stop_p50_ms=percentile(delays, 50) if delays else None,
        stop_p99_ms=percentile(delays, 99) if delays else None,
        stops_before_200=sum(1 for delay in delays if delay < 0),
        stops_missing=len(stopped_at) - len(delays),
    )


def _ws_url(receiver_base_url: str) -> str:
    return receiver_base_url.replace("http://", "ws://", 1) + "/media"


def _create(base_url: str, receiver: str, streams: int, note: Callable[[str], None]) -> tuple[list[Any], float]:
    """Create the Streams and wait until they stream: those created, and creates per second. As far as it
    goes: an emulator that stops answering is measured all the same, and the missing frames say it."""
    started = time.monotonic()
    created, failure = asyncio.run(create_streams(base_url, _ws_url(receiver), streams))
    creates_per_second = len(created) / (time.monotonic() - started)
    if failure is not None:
        if not created:
            raise MediaFailed(f"no Stream created: {_named(failure)}")
        note(f"{EMULATOR}, {streams:,} Streams: only {len(created):,} created, then {_named(failure)}.")
    ramp = _wait_for(receiver, "streaming", len(created), alive=lambda: True)
    if ramp < len(created):
        note(_short(EMULATOR, streams, ramp, "streamed"))
    return created, creates_per_second


def _stop(
    base_url: str, receiver: str, created: list[Any], stop_sample: int, note: Callable[[str], None]
) -> dict[str, float] | None:
    """Stop a sample one at a time (when each 200 came, by StreamSid), then the rest; every socket must close."""
    # The sample is spread over the creation order, so early and late Streams are both in it.
    sample = created[:: max(1, len(created) // max(1, stop_sample))][:stop_sample]
    try:
        stopped_at = stop_one_at_a_time(base_url, sample, seed=len(created))
        asyncio.run(stop_streams(base_url, [stream for stream in created if stream[1] not in stopped_at]))
    except (MediaFailed, httpx.HTTPError, TimeoutError) as failure:
        # The window's figures stand; what the stops could not do is said beside them.
        note(f"{EMULATOR}, {len(created):,} Streams: the stops did not complete ({_named(failure)}).")
        return None
    closed = _wait_for(receiver, "closed", len(created), alive=lambda: True)
    if closed < len(created):
        note(_short(EMULATOR, len(created), closed, "WebSockets closed after the stops"))
    return stopped_at


def emulator_row(
    log_dir: Path, streams: int, window_s: float, settle_s: float, stop_sample: int, note: Callable[[str], None]
) -> MediaRow:
    with ExitStack() as stack:
        receiver = stack.enter_context(media_receiver(log_dir))
        db = log_dir / "media.sqlite3"
        for stale in log_dir.glob(f"{db.name}*"):  # a fresh store each run
            stale.unlink()
        # A worker that does not exit within EMULATOR_STOP_S of SIGTERM is killed (a pacer that never
        # yielded once kept its loop from the signal); a healthy one, its Streams stopped, exits well before.
        emulator = stack.enter_context(
            emulator_server(
                log_dir, db, 1, EMULATOR_CREDENTIALS, ("--log-level", "warning"), stop_timeout=EMULATOR_STOP_S
            )
        )
        created, creates_per_second = _create(emulator.base_url, receiver.base_url, streams, note)
        time.sleep(settle_s)
        window = _window(window_s, emulator.pid, receiver.pid)
        stopped_at = _stop(emulator.base_url, receiver.base_url, created, stop_sample, note)
        summary = _receiver_json(receiver.base_url, "/summary", {"since": window.since, "until": window.until})
    return _row(EMULATOR, streams, window, summary, stopped_at, creates_per_second)


def floor_row(log_dir: Path, streams: int, window_s: float, settle_s: float, note: Callable[[str], None]) -> MediaRow:
    with ExitStack() as stack:
        receiver = stack.enter_context(media_receiver(log_dir, "media-receiver-floor"))
        command = [sys.executable, "-m", "bench.media_sender", "--url", _ws_url(receiver.base_url)]
        command += ["--streams", str(streams), "--max-seconds", str(MEDIA_PROCESS_MAX_S)]
        sender = stack.enter_context(background("media-sender", command, log_dir))
        ramp = _wait_for(receiver.base_url, "streaming", streams, alive=lambda: sender.poll() is None)
        if ramp < streams:
            note(_short(FLOOR, streams, ramp, "streamed"))
        time.sleep(settle_s)
        window = _window(window_s, sender.pid, receiver.pid)
        stop_process(sender)  # SIGTERM: `stop` and a close on every Stream
        closed = _wait_for(receiver.base_url, "closed", streams, alive=lambda: True)
        if closed < streams:
            note(_short(FLOOR, streams, closed, "WebSockets closed"))
        summary = _receiver_json(receiver.base_url, "/summary", {"since": window.since, "until": window.until})
    return _row(FLOOR, streams, window, summary)


def measure(
    work: Path,
    counts: Sequence[int],
    window_s: float,
    settle_s: float,
    stop_sample: int,
    note: Callable[[str], None],
) -> list[MediaRow]:
    """Both rows at each count, the emulator's first; each row on processes of its own. A row that cannot be
    measured (a phase past its deadline, a process that would not start) is left out with a note."""
    rows: list[MediaRow] = []
    for streams in counts:
        log_dir = work / "media" / f"{streams}-streams"
        for sender, measure_row in (
            (EMULATOR, functools.partial(emulator_row, log_dir, streams, window_s, settle_s, stop_sample, note)),
            (FLOOR, functools.partial(floor_row, log_dir, streams, window_s, settle_s, note)),
        ):
            try:
                rows.append(measure_row())
            except (MediaFailed, ServerFailed, httpx.HTTPError, TimeoutError) as failure:
                note(f"{sender}, {streams:,} Streams: not measured ({_named(failure)}).")
    return rows
