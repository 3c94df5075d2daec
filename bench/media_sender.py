"""The floor of the media benchmark: Python and websockets alone, sending Media Streams on the emulator's schedule.

``python -m bench.media_sender --url ws://127.0.0.1:PORT/ --streams N`` dials N WebSockets exactly as the
emulator dials them (websockets' asyncio client, no compression, no keepalive), sends ``connected`` and
``start``, then one ``media`` frame per Stream every 20 ms from one pacer: tick k is due at t0 + k * 20 ms
and sends every Stream's frame in turn, as the emulator's pacer does. The frames are the emulator's own
bytes (``twilio_stream_emulator.media.messages``: one f-string over a payload encoded once), so the
receiver does the same work for both. There is no HTTP, no store, no session, no per-Stream task: what is
left is the cost of websockets and the event loop, the least any Python sender pays.

On SIGTERM (or after ``--max-seconds``) it sends ``stop`` on every Stream and closes them with 1000.
"""

import argparse
import asyncio
import contextlib
import signal
from collections.abc import Sequence
from dataclasses import dataclass

import twilio_stream_contract as contract
import uvloop
from twilio_stream_emulator.media import messages
from twilio_stream_emulator.media.audio import MediaSource
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

TICK_S = messages.FRAME_MS / 1000
DIAL_CONCURRENCY = 32
DIAL_TIMEOUT_S = 10.0
CLOSE_TIMEOUT_S = 5.0
TRACK = contract.TRACKS_OF[contract.DEFAULT_TRACK][0]


@dataclass
class Outgoing:
    """One Stream of the sender: its socket, its SID and its next sequence number."""

    websocket: ClientConnection
    ids: messages.StreamIds
    sequence: int = 1


async def dial(url: str, index: int, limit: asyncio.Semaphore) -> Outgoing:
    async with limit:
        websocket = await connect(
            url, compression=None, ping_interval=None, open_timeout=DIAL_TIMEOUT_S, max_size=2**16
        )
    ids = messages.StreamIds(
        contract.new_sid(contract.STREAM_SID), contract.new_sid(contract.ACCOUNT_SID), f"CA{index:032x}"
    )
    await websocket.send(messages.connected())
    await websocket.send(messages.start(ids, (TRACK,), {}))
    return Outgoing(websocket, ids)


async def pace(streams: Sequence[Outgoing], payloads: Sequence[str], stopping: asyncio.Event) -> None:
    """Send tick after tick on the schedule until ``stopping`` is set."""
    loop = asyncio.get_running_loop()
    start = loop.time()
    tick = 0
    while not stopping.is_set():
        tick += 1
        # Sleep even when late (0 s): a pacer that never yields starves the loop, signals included.
        await asyncio.sleep(max(0.0, start + tick * TICK_S - loop.time()))
        payload = payloads[tick % len(payloads)]
        for stream in streams:
            stream.sequence += 1
            frame = messages.media(
                stream.ids.stream_sid, stream.sequence, TRACK, tick, (tick - 1) * messages.FRAME_MS, payload
            )
            with contextlib.suppress(ConnectionClosed):
                await stream.websocket.send(frame)


async def stop(stream: Outgoing) -> None:
    with contextlib.suppress(ConnectionClosed):
        await stream.websocket.send(messages.stop(stream.ids, stream.sequence + 1))
        await stream.websocket.close(1000)


async def send(url: str, count: int, max_seconds: float) -> None:
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for number in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(number, stopping.set)
    loop.call_later(max_seconds, stopping.set)
    audio = MediaSource.default().track(TRACK)
    payloads = [audio.frame(index) for index in range(50)]  # one second of the default tone, looped
    limit = asyncio.Semaphore(DIAL_CONCURRENCY)
    streams = await asyncio.gather(*(dial(url, index, limit) for index in range(count)))
    try:
        await pace(streams, payloads, stopping)
    finally:
        async with asyncio.timeout(CLOSE_TIMEOUT_S):
            await asyncio.gather(*(stop(stream) for stream in streams))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.media_sender", description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--url", required=True, help="the receiver's ws:// URL (loopback)")
    parser.add_argument("--streams", type=int, required=True)
    parser.add_argument("--max-seconds", type=float, default=300.0, help="stop after this long (default: %(default)s)")
    args = parser.parse_args(argv)
    uvloop.run(send(args.url, args.streams, args.max_seconds))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
