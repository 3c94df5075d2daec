"""The app side of the media benchmark: a WebSocket server that notes when each frame of each Stream arrives.

``python -m bench.media_receiver --port N`` accepts Media Streams (from the emulator or the bare sender of
``bench.media_sender``) on 127.0.0.1 and keeps, per Stream, the arrival time of each ``media`` frame
(``time.monotonic()``: CLOCK_MONOTONIC, one clock for every process of the machine on Linux) and its
``media.timestamp``, and when ``stop`` and the close arrived. It answers two plain HTTP requests on the
same port, so the benchmark needs no file and no signal to read it:

- ``GET /status``: how many Streams started, are streaming and closed (polled while Streams ramp up);
- ``GET /summary?since=T&until=T``: the lateness of the frames that arrived in that window, frame counts
  per Stream, and the arrival of each ``stop`` by streamSid, as JSON.

Lateness of frame i of a Stream is ``(arrival_i - timestamp_i) - min_j (arrival_j - timestamp_j)``: how much
later than the Stream's own best-kept schedule it came. The constant part of the delay cancels out; jitter
and drift remain, which is what a real-time receiver suffers from.

The receiver is the instrument, so it does as little as it can per frame: a ``media`` frame is recognised
by its first bytes and its timestamp is sliced out of the text (``json.loads`` only for the other
messages, or a frame written in another key order), and two floats are appended to arrays.
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
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs, urlsplit

import uvloop
from twilio_stream_contract import media as contract
from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from bench.stats import percentile

HOST = "127.0.0.1"
STATUS_PATH = "/status"
SUMMARY_PATH = "/summary"
# How the emulator and the sender write a media frame (json.dumps' separators): the fast path keys on it.
MEDIA_PREFIX = '{"event": "' + contract.MEDIA + '"'
TIMESTAMP_KEY = '"timestamp": "'
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


def timestamp_ms(message: str) -> int:
    """``media.timestamp`` of a media frame: sliced from the text, or parsed when the text is laid out otherwise."""
    start = message.find(TIMESTAMP_KEY)
    if start >= 0:
        start += len(TIMESTAMP_KEY)
        end = message.find('"', start)
        if end > start:
            return int(message[start:end])
    return int(json.loads(message)["media"]["timestamp"])


def summarize(streams: Sequence[StreamLog], since: float, until: float) -> dict[str, Any]:
    """Lateness of the frames that arrived in ``[since, until)``, against each Stream's best offset over all
    its frames; per-Stream counts; and the ``stop`` arrivals."""
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
    """Every Stream received so far, by the order their ``start`` arrived."""

    def __init__(self) -> None:
        self.streams: list[StreamLog] = []

    async def handle(self, websocket: ServerConnection) -> None:
        log: StreamLog | None = None
        monotonic = time.monotonic
        try:
            async for message in websocket:
                now = monotonic()
                if not isinstance(message, str):
                    continue
                if log is not None and message.startswith(MEDIA_PREFIX):
                    # The hot path: two appends per frame.
                    log.arrivals.append(now)
                    log.offsets.append(now - timestamp_ms(message) / 1000)
                    continue
                event = json.loads(message)
                if event.get("event") == contract.START:
                    log = StreamLog(event["start"]["streamSid"])
                    self.streams.append(log)
                elif event.get("event") == contract.STOP and log is not None:
                    log.stop_at = now
        except ConnectionClosed:
            pass
        finally:
            if log is not None:
                log.closed_at = monotonic()
                log.close_code = websocket.close_code

    def status(self) -> dict[str, int]:
        return {
            "started": len(self.streams),
            "streaming": sum(1 for log in self.streams if log.arrivals),
            "closed": sum(1 for log in self.streams if log.closed_at is not None),
        }

    def answer(self, connection: ServerConnection, request: Request) -> Response | None:
        """The two HTTP requests; anything else goes on to the WebSocket handshake."""
        url = urlsplit(request.path)
        if url.path == STATUS_PATH:
            body: dict[str, Any] = self.status()
        elif url.path == SUMMARY_PATH:
            query = {key: float(values[0]) for key, values in parse_qs(url.query).items()}
            body = summarize(self.streams, query.get("since", 0.0), query.get("until", float("inf")))
        else:
            return None
        response = connection.respond(HTTPStatus.OK, json.dumps(body))
        response.headers["Content-Type"] = "application/json"
        return response


async def receive(port: int, max_seconds: float) -> None:
    """Serve until SIGTERM or SIGINT, or ``max_seconds`` at most (the bound of an unattended run)."""
    receiver = Receiver()
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for number in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(number, stopping.set)
    async with serve(
        receiver.handle,
        HOST,
        port,
        process_request=receiver.answer,
        compression=None,  # as the emulator dials: base64 audio does not compress
        max_size=MAX_MESSAGE_BYTES,
        ping_interval=None,
    ):
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
