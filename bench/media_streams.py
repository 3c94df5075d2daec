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
REQUEST_TIMEOUT_S = 10.0
# Bounds of the phases: creating (and dialing) N Streams, stopping them, every WebSocket closed.
CREATE_TIMEOUT_S = 120.0
RAMP_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 120.0
CLOSE_TIMEOUT_S = 30.0
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


def _wait_for(receiver: str, key: str, count: int, timeout: float, alive: Callable[[], bool]) -> float:
    """Poll the receiver until ``count`` Streams are ``key`` (started, streaming, closed); seconds waited."""
    started = time.monotonic()
    status: dict[str, Any] = {}
    while time.monotonic() - started < timeout:
        status = _receiver_json(receiver, "/status")
        if status[key] >= count:
            return time.monotonic() - started
        if not alive():
            raise MediaFailed(f"the sender exited while the receiver had {status}")
        time.sleep(POLL_S)
    raise MediaFailed(f"{count} Streams {key} expected within {timeout:.0f} s; the receiver has {status}")


def _window(seconds: float, sender_pid: int, receiver_pid: int) -> Window:
    before = CpuSnapshot.take(time.monotonic(), (sender_pid, receiver_pid))
    time.sleep(seconds)
    after = CpuSnapshot.take(time.monotonic(), (sender_pid, receiver_pid))
    cpu, others = shares(before, after)
    return Window(before.wall, after.wall, cpu[sender_pid], cpu[receiver_pid], others)


# --- talking to the emulator -------------------------------------------------------------------------


async def _each(items: Iterable[Any], call: Callable[[Any], Awaitable[Any]], timeout: float) -> list[Any]:
    """``call`` on every item, REQUESTS_AT_ONCE at a time, within ``timeout`` in all."""
    limit = asyncio.Semaphore(REQUESTS_AT_ONCE)

    async def bounded(item: Any) -> Any:
        async with limit:
            return await call(item)

    async with asyncio.timeout(timeout):
        return list(await asyncio.gather(*(bounded(item) for item in items)))


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


async def create_streams(base_url: str, url: str, count: int) -> list[tuple[str, str]]:
    """``count`` Streams to ``url``, each on a call of its own: their (CallSid, StreamSid)."""
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

        await _each(streams, stop, STOP_TIMEOUT_S)


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


def emulator_row(
    log_dir: Path, streams: int, window_s: float, settle_s: float, stop_sample: int, note: Callable[[str], None]
) -> MediaRow:
    with ExitStack() as stack:
        receiver = stack.enter_context(media_receiver(log_dir))
        db = log_dir / "media.sqlite3"
        for stale in log_dir.glob(f"{db.name}*"):  # a fresh store each run
            stale.unlink()
        emulator = stack.enter_context(
            emulator_server(log_dir, db, 1, EMULATOR_CREDENTIALS, extra_args=("--log-level", "warning"))
        )
        started = time.monotonic()
        created = asyncio.run(create_streams(emulator.base_url, _ws_url(receiver.base_url), streams))
        creates_per_second = streams / (time.monotonic() - started)
        _wait_for(receiver.base_url, "streaming", streams, RAMP_TIMEOUT_S, alive=lambda: True)
        time.sleep(settle_s)
        window = _window(window_s, emulator.pid, receiver.pid)
        # The sample is spread over the creation order, so early and late Streams are both in it.
        sample = created[:: max(1, len(created) // max(1, stop_sample))][:stop_sample]
        stopped_at: dict[str, float] | None = None
        try:
            stopped_at = stop_one_at_a_time(emulator.base_url, sample, seed=streams)
            asyncio.run(stop_streams(emulator.base_url, [stream for stream in created if stream[1] not in stopped_at]))
            _wait_for(receiver.base_url, "closed", streams, CLOSE_TIMEOUT_S, alive=lambda: True)
        except (MediaFailed, httpx.HTTPError, TimeoutError) as failure:
            # The window's figures stand; what the stops could not do is said beside them.
            note(f"{EMULATOR}, {streams} Streams: the stops did not complete ({type(failure).__name__}: {failure}).")
        summary = _receiver_json(receiver.base_url, "/summary", {"since": window.since, "until": window.until})
    return _row(EMULATOR, streams, window, summary, stopped_at, creates_per_second)


def floor_row(log_dir: Path, streams: int, window_s: float, settle_s: float) -> MediaRow:
    with ExitStack() as stack:
        receiver = stack.enter_context(media_receiver(log_dir, "media-receiver-floor"))
        command = [sys.executable, "-m", "bench.media_sender", "--url", _ws_url(receiver.base_url)]
        command += ["--streams", str(streams), "--max-seconds", str(MEDIA_PROCESS_MAX_S)]
        sender = stack.enter_context(background("media-sender", command, log_dir))
        _wait_for(receiver.base_url, "streaming", streams, RAMP_TIMEOUT_S, alive=lambda: sender.poll() is None)
        time.sleep(settle_s)
        window = _window(window_s, sender.pid, receiver.pid)
        stop_process(sender)  # SIGTERM: `stop` and a close on every Stream
        _wait_for(receiver.base_url, "closed", streams, CLOSE_TIMEOUT_S, alive=lambda: True)
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
            (FLOOR, functools.partial(floor_row, log_dir, streams, window_s, settle_s)),
        ):
            try:
                rows.append(measure_row())
            except (MediaFailed, ServerFailed, httpx.HTTPError, TimeoutError) as failure:
                note(f"{sender}, {streams} Streams: not measured ({type(failure).__name__}: {failure}).")
    return rows
