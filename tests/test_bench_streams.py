"""The instruments of the Streams benchmarks (sections 6 and 7 of BENCHMARKS.md): the media receiver's
reading of frames and lateness, the CPU readings from /proc, the SQLite floor, the lean HTTP client. No
timing is asserted."""

import asyncio
import json
import os
import sqlite3
from array import array
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
import twilio_stream_contract as contract
from twilio_stream_emulator.media import messages
from websockets.sync.client import connect

from bench import media_streams, procstat, sqlite_floor
from bench.fixture import ACCOUNT_SID
from bench.lean_client import LeanClient, UnexpectedAnswer
from bench.media_receiver import StreamLog, summarize, timestamp_ms
from bench.servers import media_receiver
from bench.stats import percentile

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]

IDS = messages.StreamIds("MZ" + "1" * 32, ACCOUNT_SID, "CA" + "2" * 32)
TRACK = contract.TRACKS_OF[contract.DEFAULT_TRACK][0]


def _media(timestamp: int) -> str:
    return messages.media(IDS.stream_sid, 2, TRACK, 1, timestamp, "AAAA")


def test_the_timestamp_is_sliced_from_the_emulators_frame() -> None:
    assert timestamp_ms(_media(1234560).encode()) == 1234560


def test_a_frame_laid_out_otherwise_is_parsed() -> None:
    assert timestamp_ms(b'{"media":{"timestamp":"40"},"event":"media"}') == 40


def test_percentile_is_the_nearest_rank() -> None:
    values = [float(n) for n in range(1, 101)]

    assert (percentile(values, 50), percentile(values, 99), percentile(values, 100)) == (50.0, 99.0, 100.0)
    assert percentile([], 99) == 0.0


def test_lateness_is_measured_against_the_streams_best_offset() -> None:
    # Frames due every 20 ms; the second came 5 ms late, the fourth is outside the window.
    log = StreamLog("MZ1", array("d", [10.000, 10.025, 10.040, 10.080]), array("d"))
    log.offsets.extend(arrival - index * 0.020 for index, arrival in enumerate(log.arrivals))
    log.stop_at, log.closed_at, log.close_code = 10.1, 10.2, 1000

    summary = summarize([log], since=10.0, until=10.05)

    assert summary["frames"] == {"MZ1": 3}
    assert summary["lateness_ms"]["count"] == 3
    assert summary["lateness_ms"]["max"] == pytest.approx(5.0)
    assert summary["lateness_ms"]["p50"] == pytest.approx(0.0)
    assert (summary["stops"], summary["closes"]) == ({"MZ1": 10.1}, {"MZ1": 1000})


@pytest.mark.slow
def test_the_receiver_notes_each_frame_the_stop_and_the_close(tmp_path: Path) -> None:
    with media_receiver(tmp_path) as receiver:
        with connect(receiver.base_url.replace("http", "ws", 1) + "/media") as websocket:
            websocket.send(messages.connected())
            websocket.send(messages.start(IDS, (TRACK,), {}))
            for index in range(3):
                websocket.send(_media(index * messages.FRAME_MS))
            websocket.send(messages.stop(IDS, 5))
        status = httpx.get(receiver.base_url + "/status", timeout=10).json()
        summary = httpx.get(receiver.base_url + "/summary", timeout=10).json()

    assert status == {"started": 1, "streaming": 1, "closed": 1}
    assert summary["frames"] == {IDS.stream_sid: 3}
    assert list(summary["stops"]) == [IDS.stream_sid]
    assert summary["closes"] == {IDS.stream_sid: 1000}


@pytest.mark.slow
def test_waiting_for_streams_that_never_come_ends_when_nothing_progresses(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(media_streams, "STALL_S", 0.3)
    with media_receiver(tmp_path) as receiver:
        assert media_streams._wait_for(receiver.base_url, "streaming", 1, alive=lambda: True) == 0

        with pytest.raises(media_streams.MediaFailed, match="the sender exited with 0 of 1 Streams streaming"):
            media_streams._wait_for(receiver.base_url, "streaming", 1, alive=lambda: False)


def test_the_cpu_of_this_process_and_of_the_machine_is_read() -> None:
    before = procstat.CpuSnapshot.take(0.0, (os.getpid(),))
    sum(range(2_000_000))  # some CPU to see
    after = procstat.CpuSnapshot.take(1.0, (os.getpid(),))

    mine, others = procstat.shares(before, after)

    assert mine[os.getpid()] is not None
    assert others is not None
    assert others >= 0


def test_a_process_that_is_gone_has_no_cpu() -> None:
    assert procstat.process_cpu_seconds(2**22 + 1) is None  # above Linux's pid_max
    assert procstat.percent(None, 1.0, 1.0) is None


def test_the_sqlite_floor_creates_and_stops_on_the_stores_schema(tmp_path: Path) -> None:
    path = tmp_path / "floor.sqlite3"
    sqlite_floor.fresh_store(path)

    done = sqlite_floor.run(path, ACCOUNT_SID, seconds=5.0, connections=2, max_streams=3)

    with sqlite3.connect(path) as db:
        statuses = [status for (status,) in db.execute("SELECT status FROM streams")]
        (journal,) = db.execute("PRAGMA journal_mode").fetchone()
    assert done == len(statuses) >= 3
    assert set(statuses) == {contract.STOPPED}
    assert journal == "wal"


@asynccontextmanager
async def _lean_client_of(serve: Handler) -> AsyncIterator[LeanClient]:
    """A LeanClient connected to a one-off loopback server that answers with ``serve``; closed on exit."""
    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        client = await LeanClient.open(f"http://127.0.0.1:{port}")
        try:
            yield client
        finally:
            await client.aclose()


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n{}", "without Content-Length"),
        (b"HTTP/1.1 200 OK\r\n", "no complete answer head"),
    ],
)
def test_the_lean_client_refuses_an_answer_it_cannot_read(answer: bytes, message: str) -> None:
    async def scenario() -> None:
        async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await reader.readuntil(b"\r\n\r\n")
            writer.write(answer)
            writer.close()
            await writer.wait_closed()

        async with _lean_client_of(serve) as client:
            with pytest.raises(UnexpectedAnswer, match=message):
                await client.post("/x", {"Status": "x"})

    asyncio.run(scenario())


def test_the_lean_client_reads_status_and_json() -> None:
    async def scenario() -> tuple[int, object]:
        async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            head = await reader.readuntil(b"\r\n\r\n")
            length = int(head.lower().split(b"content-length: ")[1].split(b"\r\n")[0])
            body = await reader.readexactly(length)
            answer = json.dumps({"echo": body.decode()}).encode()
            writer.write(b"HTTP/1.1 201 Created\r\nContent-Length: %d\r\n\r\n%s" % (len(answer), answer))
            await reader.read()  # until the client closes
            writer.close()
            await writer.wait_closed()

        async with _lean_client_of(serve) as client:
            return await client.post("/x", {"Url": "ws://a/b"})

    assert asyncio.run(scenario()) == (201, {"echo": "Url=ws%3A%2F%2Fa%2Fb"})
