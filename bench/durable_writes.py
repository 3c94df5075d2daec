"""7. The durable write path: Streams created then stopped per second, each write acknowledged once on disk.

The emulator runs as users start it, 1 worker, on a store file in the results folder (the disk users
write to, not a tmpfs), with ``--no-media``: this measures the store and the REST path, not the media
(nothing is dialed). A client (``bench.lean_client``, C kept-alive connections, one request in flight on
each) creates a Stream on a fresh CallSid, so neither the name rule nor the track limit ever refuses one,
stops it by SID, and starts over, for a fixed time. Beside it, the floor (``bench.sqlite_floor``): the
same two writes committed by SQLite alone. Repeats interleave the writers, so noise on the shared
machine spreads over all of them.
"""

import asyncio
import time
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import twilio_stream_contract as contract

from bench import sqlite_floor
from bench.fixture import ACCOUNT_SID, STOP_FORM
from bench.lean_client import LeanClient
from bench.procstat import process_cpu_seconds
from bench.servers import emulator_server
from bench.stats import Summary, summarize
from bench.targets import EMULATOR_CREDENTIALS

EMULATOR = "emulator, 1 worker, --no-media"
FLOOR = "bare SQLite (floor)"
REQUEST_TIMEOUT_S = 10.0
# A bound on the Streams of one run, whatever the time: far above what fsync allows in a few seconds.
MAX_STREAMS = 1_000_000
URL = sqlite_floor.URL
STOP = dict(STOP_FORM)


@dataclass(frozen=True)
class WriteRate:
    """Streams created and stopped per second by one writer at one concurrency, over repeats."""

    writer: str
    concurrency: int
    streams_per_second: Summary
    writer_cpu: Summary  # % of one core: the emulator's worker, or the floor's own loop
    client_cpu: Summary | None  # % of one core: the HTTP client (none for the floor)
    failures: int  # answers that were not a 200 with the expected status


@dataclass(frozen=True)
class Sample:
    streams: int
    seconds: float
    writer_cpu: float
    client_cpu: float | None
    failures: int


async def _pairs(base_url: str, concurrency: int, seconds: float) -> tuple[int, int]:
    """Create then stop, ``concurrency`` loops at once (a connection each), for ``seconds``: (Streams done,
    failed answers)."""
    deadline = time.monotonic() + seconds
    done = failed = 0

    async def loop() -> None:
        nonlocal done, failed
        client = await LeanClient.open(base_url)
        try:
            while time.monotonic() < deadline and done + failed < MAX_STREAMS:
                call_sid = contract.new_sid(contract.CALL_SID)
                status, created = await client.post(contract.streams_path(ACCOUNT_SID, call_sid), {"Url": URL})
                if status != 200:
                    failed += 1
                    continue
                status, stopped = await client.post(contract.stream_uri(ACCOUNT_SID, call_sid, created["sid"]), STOP)
                if status == 200 and stopped["status"] == contract.STOPPED:
                    done += 1
                else:
                    failed += 1
        finally:
            await client.aclose()

    async with asyncio.timeout(seconds + REQUEST_TIMEOUT_S):
        await asyncio.gather(*(loop() for _ in range(concurrency)))
    return done, failed


def emulator_sample(base_url: str, pid: int, concurrency: int, seconds: float) -> Sample:
    server_before, client_before, started = process_cpu_seconds(pid), time.process_time(), time.monotonic()
    done, failed = asyncio.run(_pairs(base_url, concurrency, seconds))
    elapsed = time.monotonic() - started
    server_after = process_cpu_seconds(pid)
    server_cpu = 100 * (server_after - server_before) / elapsed if server_before and server_after else 0.0
    client_cpu = 100 * (time.process_time() - client_before) / elapsed
    return Sample(done, elapsed, server_cpu, client_cpu, failed)


def floor_sample(path: Path, concurrency: int, seconds: float) -> Sample:
    cpu_before, started = time.process_time(), time.monotonic()
    done = sqlite_floor.run(path, ACCOUNT_SID, seconds, concurrency, MAX_STREAMS)
    elapsed = time.monotonic() - started
    return Sample(done, elapsed, 100 * (time.process_time() - cpu_before) / elapsed, None, 0)


def _rate(writer: str, concurrency: int, samples: list[Sample]) -> WriteRate:
    clients = [sample.client_cpu for sample in samples if sample.client_cpu is not None]
    return WriteRate(
        writer=writer,
        concurrency=concurrency,
        streams_per_second=summarize([sample.streams / sample.seconds for sample in samples]),
        writer_cpu=summarize([sample.writer_cpu for sample in samples]),
        client_cpu=summarize(clients) if clients else None,
        failures=sum(sample.failures for sample in samples),
    )


def measure(work: Path, concurrencies: tuple[int, ...], seconds: float, repeats: int) -> list[WriteRate]:
    """Every writer at every concurrency, ``repeats`` runs of ``seconds`` each, interleaved."""
    log_dir = work / "writes"
    log_dir.mkdir(parents=True, exist_ok=True)
    floor_db = log_dir / "floor.sqlite3"
    sqlite_floor.fresh_store(floor_db)
    emulator_db = log_dir / "emulator.sqlite3"
    for stale in log_dir.glob(f"{emulator_db.name}*"):  # a fresh store each run
        stale.unlink()
    samples: dict[tuple[str, int], list[Sample]] = {
        (writer, c): [] for writer in (EMULATOR, FLOOR) for c in concurrencies
    }
    with ExitStack() as stack:
        emulator = stack.enter_context(
            emulator_server(log_dir, emulator_db, 1, EMULATOR_CREDENTIALS, extra_args=("--no-media",))
        )
        asyncio.run(_pairs(emulator.base_url, 1, min(seconds, 1.0)))  # warm-up: connections, caches, the file
        for repeat in range(repeats):
            for concurrency in concurrencies:
                runs = {
                    EMULATOR: lambda c=concurrency: emulator_sample(emulator.base_url, emulator.pid, c, seconds),
                    FLOOR: lambda c=concurrency: floor_sample(floor_db, c, seconds),
                }
                # Alternate which goes first, so neither always runs just after the other's burst of fsyncs.
                order = [EMULATOR, FLOOR] if repeat % 2 == 0 else [FLOOR, EMULATOR]
                for writer in order:
                    samples[(writer, concurrency)].append(runs[writer]())
    return [_rate(writer, c, runs) for (writer, c), runs in samples.items()]
