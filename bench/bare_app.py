"""The floor: a bare ASGI app that drains the request and answers fixed bytes, nothing else.

Served by the same uvicorn with the same settings as the emulator, it shows what the server and the
protocol cost on their own; the emulator's figure divided by this one is the share left to the emulator.

By default it answers the contract's example of a stopped Stream. With ``BENCH_BARE_RESPONSE`` set to a
JSON file ``{"status": 200, "headers": [[name, value], ...], "body": "..."}`` it answers exactly those
bytes instead (the benchmark records the emulator's own answer there, so both send the same bytes).
"""

import json
import os
from pathlib import Path
from typing import Any

import twilio_stream_contract as contract

from bench.fixture import stopped_stream_bytes

Scope = dict[str, Any]
Message = dict[str, Any]


def _fixed_answer() -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    recorded = os.environ.get("BENCH_BARE_RESPONSE")
    if recorded:
        answer = json.loads(Path(recorded).read_text(encoding="utf-8"))
        headers = [(name.lower().encode(), value.encode()) for name, value in answer["headers"]]
        return int(answer["status"]), headers, answer["body"].encode()
    body = stopped_stream_bytes()
    headers = [(b"content-type", b"application/json")]
    headers += [(name.lower().encode(), value.encode()) for name, value in contract.CORS_HEADERS]
    return 200, headers, body


# Computed once at import: the floor must do no per-request work beyond the protocol itself.
STATUS, HEADERS, BODY = _fixed_answer()
HEADERS = [*HEADERS, (b"content-length", str(len(BODY)).encode())]


async def app(scope: Scope, receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        while (await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})
        return
    more_body = True
    while more_body:  # drain the form body, as any real handler must
        message: Message = await receive()
        more_body = message.get("more_body", False)
    await send({"type": "http.response.start", "status": STATUS, "headers": HEADERS})
    await send({"type": "http.response.body", "body": BODY})
