"""The app side of the media benchmark: a WebSocket server that notes when each frame of each Stream arrives.

``python -m bench.media_receiver --port N`` accepts Media Streams (from the emulator or the bare sender of
``bench.media_sender``) on 127.0.0.1 and keeps, per Stream, the arrival time of each ``media`` frame
(``time.monotonic()``: CLOCK_MONOTONIC, one clock for every process of the machine on Linux) and its
``media.timestamp``, and when ``stop`` and the close arrived. It answers two plain HTTP requests on the
same port, so the benchmark needs no file and no signal to read it:

- ``GET /status``: how many Streams started, are streaming and closed (polled while Streams ramp up);
- ``GET /summary?since=T&until=T``: the lateness of the frames that arrived in that window, frame counts
  per Stream, the arrival of each ``stop`` by streamSid and each close code, as JSON.

Lateness of frame i of a Stream is ``(arrival_i - timestamp_i) - min_j (arrival_j - timestamp_j)``: how much
later than the Stream's own best-kept schedule it came. The constant part of the delay cancels out; jitter
and drift remain, which is what a real-time receiver suffers from.

The receiver is the instrument, so it must stay well below a core where the sender saturates one. It
speaks WebSocket with websockets' Sans-I/O protocol (``ServerProtocol``: the handshake, framing, unmasking
in C, the close handshake) under a plain asyncio ``Protocol`` on uvloop: no task and no queue per
message, which websockets' asyncio server has and which cost it about a core at 500 Streams. A frame's
arrival is the moment its bytes were read. A ``media`` frame is recognised by its first bytes and its
timestamp sliced out of them, undecoded; only the other messages (and a frame laid out otherwise) go
through ``json.loads``.
"""

import argparse
import asyncio
import contextlib
import json
import signal
import time
from array import array
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, cast
from urllib.parse import parse_qs, urlsplit

import uvloop
from twilio_stream_contract import media as contract
from websockets.datastructures import Headers
from websockets.frames import Frame, Opcode
from websockets.http11 import Request, Response
from websockets.server import ServerProtocol

from bench.stats import percentile

HOST = "127.0.0.1"
STATUS_PATH = "/status"
SUMMARY_PATH = "/summary"
# How the emulator and the sender write a media frame (json.dumps' separators): the fast path keys on it.
MEDIA_PREFIX = ('{"event": "' + contract.MEDIA + '"').encode()
TIMESTAMP_KEY = b'"timestamp": "'
PERCENTILES = (50.0, 90.0, 99.0, 99.9)
# A media frame is a few hundred bytes; nothing the benchmark sends is larger.
MAX_MESSAGE_BYTES = 64 * 1024


@dataclass
class StreamLog:
    """What arrived on one Stream's WebSocket."""

    stream_sid: str
    arrivals: "array[float]" = field(default_factory=lambda: array("d"))
    # arrival - media.timestamp, in seconds: the frame's offset from the Stream's own schedule.
    offsets: "array[float]" = field(default_factory=lambda: array("d"))
    stop_at: float | None = None
    closed_at: float | None = None
    close_code: int | None = None


def timestamp_ms(message: bytes) -> int:
    """``media.timestamp`` of a media frame: sliced from the bytes, or parsed when they are laid out otherwise."""
    start = message.find(TIMESTAMP_KEY)
    if start >= 0:
        start += len(TIMESTAMP_KEY)
        end = message.find(b'"', start)
        if end > start:
            return int(message[start:end])
    return int(json.loads(message)["media"]["timestamp"])


def summarize(streams: Sequence[StreamLog], since: float, until: float) -> dict[str, Any]:
    """Lateness of the frames that arrived in ``[since, until)``, against each Stream's best offset over all
    its frames; per-Stream counts; and the ``stop`` arrivals and close codes."""
    lateness: list[float] = []
    frames: dict[str, int] = {}
    for log in streams:
        low, high = bisect_left(log.arrivals, since), bisect_left(log.arrivals, until)
        frames[log.stream_sid] = high - low
        if high > low:
            best = min(log.offsets)
            lateness.extend(offset - best for offset in log.offsets[low:high])
    lateness.sort()
    return {
        "since": since,
        "until": until,
        "streams": len(streams),
        "frames": frames,
        "lateness_ms": {f"p{p:g}": percentile(lateness, p) * 1000 for p in PERCENTILES}
        | {"max": (lateness[-1] if lateness else 0.0) * 1000, "count": len(lateness)},
        "stops": {log.stream_sid: log.stop_at for log in streams if log.stop_at is not None},
        "closes": {log.stream_sid: log.close_code for log in streams if log.closed_at is not None},
    }


class Receiver:
    """Every Stream received so far, in the order their ``start`` arrived, and the HTTP answers about them."""

    def __init__(self) -> None:
        self.streams: list[StreamLog] = []

    def status(self) -> dict[str, int]:
        return {
            "started": len(self.streams),
            "streaming": sum(1 for log in self.streams if log.arrivals),
            "closed": sum(1 for log in self.streams if log.closed_at is not None),
        }

    def answer(self, target: str) -> dict[str, Any] | None:
        """The JSON answer to an HTTP request for ``target``, or None: a WebSocket to accept."""
        url = urlsplit(target)
        if url.path == STATUS_PATH:
            return self.status()
        if url.path == SUMMARY_PATH:
            query = {key: float(values[0]) for key, values in parse_qs(url.query).items()}
            return summarize(self.streams, query.get("since", 0.0), query.get("until", float("inf")))
        return None


class Connection(asyncio.Protocol):
    """One TCP connection: an HTTP request answered with JSON, or a Stream's WebSocket."""

    def __init__(self, receiver: Receiver) -> None:
        self.receiver = receiver
        self.protocol = ServerProtocol(max_size=MAX_MESSAGE_BYTES)  # no extensions: no compression
        self.transport: asyncio.Transport | None = None
        self.log: StreamLog | None = None
        self.fragments = bytearray()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's transports do not subclass asyncio's

    def data_received(self, data: bytes) -> None:
        now = time.monotonic()  # every frame in these bytes arrived now
        self.protocol.receive_data(data)
        for event in self.protocol.events_received():
            if isinstance(event, Frame):
                self.frame(event, now)
            elif isinstance(event, Request):
                self.handshake(event)
        self.flush()

    def eof_received(self) -> bool | None:
        self.protocol.receive_eof()
        self.flush()
        return None

    def connection_lost(self, exc: Exception | None) -> None:
        if self.log is not None and self.log.closed_at is None:
            self.log.closed_at = time.monotonic()
            self.log.close_code = self.protocol.close_code

    def handshake(self, request: Request) -> None:
        body = self.receiver.answer(request.path)
        if body is None:
            self.protocol.send_response(self.protocol.accept(request))
            return
        content = json.dumps(body).encode()
        headers = Headers([("Content-Type", "application/json"), ("Content-Length", str(len(content)))])
        self.protocol.send_response(Response(200, "OK", headers, content))

    def frame(self, frame: Frame, now: float) -> None:
        if frame.opcode is Opcode.TEXT and frame.fin:
            self.message(frame.data if isinstance(frame.data, bytes) else bytes(frame.data), now)
        elif frame.opcode in (Opcode.TEXT, Opcode.CONT):  # a fragmented message, which no sender here writes
            self.fragments += frame.data
            if frame.fin:
                self.message(bytes(self.fragments), now)
                self.fragments.clear()
        elif frame.opcode is Opcode.CLOSE and self.log is not None:
            self.log.closed_at = now
            received = self.protocol.close_rcvd  # close_code stays None until the TCP connection is gone
            self.log.close_code = received.code if received is not None else None

    def message(self, data: bytes, now: float) -> None:
        log = self.log
        if log is not None and data.startswith(MEDIA_PREFIX):
            # The hot path: two appends per frame.
            log.arrivals.append(now)
            log.offsets.append(now - timestamp_ms(data) / 1000)
            return
        event = json.loads(data)
        if event.get("event") == contract.START:
            self.log = StreamLog(event["start"]["streamSid"])
            self.receiver.streams.append(self.log)
        elif event.get("event") == contract.STOP and log is not None:
            log.stop_at = now

    def flush(self) -> None:
        assert self.transport is not None
        for data in self.protocol.data_to_send():
            if data:
                self.transport.write(data)
            else:  # the end of what this side sends (after an HTTP answer or the close handshake)
                self.transport.close()


async def receive(port: int, max_seconds: float) -> None:
    """Serve until SIGTERM or SIGINT, or ``max_seconds`` at most (the bound of an unattended run)."""
    receiver = Receiver()
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for number in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(number, stopping.set)
    server = await loop.create_server(lambda: Connection(receiver), HOST, port)
    async with server:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stopping.wait(), max_seconds)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.media_receiver", description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--max-seconds", type=float, default=600.0, help="exit after this long (default: %(default)s)")
    args = parser.parse_args(argv)
    uvloop.run(receive(args.port, args.max_seconds))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
