"""A tiny fake Twilio for the stream-effects judge's tests: the Stream resource's create and stop, a
Media Stream sender (a `websockets` client) and a status callback poster (httpx), with flaws to order.

    with FakeTwilio(Flaws(burst=True)) as fake:
        verdict = judge_stream_effects(fake.target, EffectsOptions())

A correct fake (no flaw) sends what Twilio sends: `connected`, `start`, one `media` per track every
20 ms on a schedule (160 bytes of mu-law), and on a stop `stop` then a close with 1000; signed upgrade
and callbacks (`stream-started`, `stream-stopped`, or `stream-error` when `Url` does not answer). Each
flaw is one thing a real server could get wrong; the tests prove the judge catches each. Signatures are
made by Twilio's own RequestValidator. Everything runs in the loop of a `LocalServer` thread; leaving
the block cancels what still runs.
"""

from __future__ import annotations

import asyncio
import base64
import json
import secrets
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, unquote, urlencode

import httpx
import twilio_stream_contract as contract
from starlette.types import Receive, Scope, Send
from twilio.request_validator import RequestValidator  # type: ignore[import-untyped]
from twilio_stream_conformance.target import Target
from twilio_stream_emulator.testing import LocalServer
from websockets.asyncio.client import connect

ACCOUNT_SID = "AC" + "f" * 32
AUTH_TOKEN = "fake-twilio-auth-token"
# A Stream runs at most this long (3,000 chunks): every sender loop is bounded.
MAX_CHUNKS = 3_000


@dataclass(frozen=True)
class Flaws:
    """What the fake gets wrong; the defaults are what Twilio does."""

    unsigned_upgrade: bool = False
    wrong_upgrade_signature: bool = False
    binary_frame: bool = False  # one binary frame among the media
    no_connected: bool = False
    sequence_gap: bool = False  # sequenceNumber skips one after the fifth media
    chunk_shared_by_tracks: bool = False  # one chunk counter for both tracks
    timestamp_step_ms: int = 20
    payload_bytes: int = 160
    numbers_as_numbers: bool = False  # sequenceNumber as a JSON number
    burst: bool = False  # a second of media at once, every second
    interval_ms: float = 20.0
    both_tracks_always: bool = False
    no_custom_parameters: bool = False
    wrong_stream_sid_in_media: bool = False
    no_stop_message: bool = False
    message_after_stop: bool = False
    close_code: int = 1000
    stop_delay_s: float = 0.0
    callback_method: str | None = None  # force one, whatever was asked
    unsigned_callbacks: bool = False
    stream_name_empty: bool = False  # StreamName "" for a Stream created without one
    timestamp: Callable[[datetime], str] = field(default=lambda moment: moment.strftime("%Y-%m-%dT%H:%M:%SZ"))
    no_error_callback: bool = False
    no_stream_error_text: bool = False
    no_started_callback: bool = False
    no_stopped_callback: bool = False
    no_track_limit: bool = False  # a call takes any number of tracks
    no_stop_by_name: bool = False  # a stop by name answers 404: the Stream runs on


@dataclass
class _Stream:
    sid: str
    call_sid: str
    form: dict[str, str]
    stopped: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def name(self) -> str | None:
        return self.form.get("Name")

    @property
    def tracks(self) -> tuple[str, ...]:
        return contract.TRACKS_OF[self.form.get("Track", contract.DEFAULT_TRACK)]

    @property
    def parameters(self) -> dict[str, str]:
        found = {}
        for number in range(1, 100):
            name_field, value_field = contract.custom_parameter_fields(number)
            if name_field in self.form:
                found[self.form[name_field]] = self.form.get(value_field, "")
        return found

    def resource(self, status: str) -> dict[str, Any]:
        return {
            "sid": self.sid,
            "account_sid": ACCOUNT_SID,
            "call_sid": self.call_sid,
            "name": self.name,
            "status": status,
            "date_updated": "Thu, 30 Jul 2015 20:00:00 +0000",
            "uri": contract.stream_uri(ACCOUNT_SID, self.call_sid, self.sid),
        }


class FakeTwilio:
    def __init__(self, flaws: Flaws | None = None) -> None:
        self.flaws = flaws or Flaws()
        self._server = LocalServer()
        self._streams: dict[str, _Stream] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._validator = RequestValidator(AUTH_TOKEN)
        # One client for every callback: making one per request would stall the loop (and the media) on
        # building its TLS context.
        self._client = httpx.AsyncClient(timeout=5)

    @property
    def target(self) -> Target:
        return Target(self._server.base_url(), ACCOUNT_SID, AUTH_TOKEN)

    def __enter__(self) -> FakeTwilio:
        self._server.__enter__()
        self._mount = self._server.mounted("http", self._http)
        self._mount.__enter__()
        # The first request of an httpx client imports and builds what it needs lazily, a stall of ~100 ms
        # of the loop that would fall on the first Stream's media: make it now, as a server warms up.
        warm = threading.Event()

        def warm_up() -> None:
            request = asyncio.ensure_future(self._client.get(self._server.url_for("/warm-up")))
            request.add_done_callback(lambda _: warm.set())

        self._server.call_soon(warm_up)
        warm.wait(5)
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        cancelled = threading.Event()

        def cancel_all() -> None:
            for task in self._tasks:
                task.cancel()
            waiting = asyncio.gather(*self._tasks, return_exceptions=True)
            waiting.add_done_callback(lambda _: cancelled.set())

        def close_client() -> None:
            asyncio.ensure_future(self._client.aclose()).add_done_callback(lambda _: closed.set())

        closed = threading.Event()
        self._server.call_soon(cancel_all)
        cancelled.wait(5)
        self._server.call_soon(close_client)
        closed.wait(5)
        self._mount.__exit__(None, None, None)
        self._server.__exit__(None, None, None)

    # --- The REST resource -----------------------------------------------------------------------------

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        body = b""
        more = True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        form = dict(parse_qsl(body.decode(), keep_blank_values=True))
        parts = scope["path"].removesuffix(".json").split("/")
        if parts[-1] == "Streams":  # create
            stream = _Stream("MZ" + secrets.token_hex(16), parts[-2], form)
            in_use = sum(
                len(other.tracks)
                for other in self._streams.values()
                if other.call_sid == stream.call_sid and not other.stopped.is_set()
            )
            if not self.flaws.no_track_limit and in_use + len(stream.tracks) > contract.MAX_TRACKS_PER_CALL:
                await _json(send, 400, {"code": 20001, "message": "too many tracks", "more_info": "", "status": 400})
                return
            self._streams[stream.sid] = stream
            self._start(self._stream(stream))
            await _json(send, 200, stream.resource(contract.IN_PROGRESS))
            return
        sid_or_name = unquote(parts[-1])
        found = self._streams.get(sid_or_name)
        if found is None and not self.flaws.no_stop_by_name:
            found = next((s for s in self._streams.values() if s.name == sid_or_name), None)
        if found is None:
            await _json(send, 404, {"code": 20404, "message": "not found", "more_info": "", "status": 404})
            return
        if self.flaws.stop_delay_s:
            self._start(_later(self.flaws.stop_delay_s, found.stopped.set))
        else:
            found.stopped.set()
        await _json(send, 200, found.resource(contract.STOPPED))

    def _start(self, work: Awaitable[None]) -> None:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # --- The Media Stream ------------------------------------------------------------------------------

    async def _stream(self, stream: _Stream) -> None:
        flaws = self.flaws
        url = stream.form["Url"]
        signature = self._validator.compute_signature(url, {})
        if flaws.wrong_upgrade_signature:
            signature = RequestValidator("another-token").compute_signature(url, {})
        headers = {} if flaws.unsigned_upgrade else {"X-Twilio-Signature": signature}
        try:
            socket = await connect(url, additional_headers=headers, open_timeout=5, compression=None)
        except (OSError, TimeoutError, ValueError) as error:
            if not flaws.no_error_callback:
                text = "" if flaws.no_stream_error_text else f"31920 WebSocket - Handshake Error: {error}"
                await self._callback(stream, "stream-error", StreamError=text)
            return
        async with socket:
            if not flaws.no_started_callback:
                self._start(self._callback(stream, "stream-started"))
            await self._media(socket, stream)
        if not flaws.no_stopped_callback:
            self._start(self._callback(stream, "stream-stopped"))

    async def _media(self, socket: Any, stream: _Stream) -> None:
        flaws = self.flaws
        sequence = 1

        def numbered(message: dict[str, Any]) -> str:
            nonlocal sequence
            message = {**message, "sequenceNumber": sequence if flaws.numbers_as_numbers else str(sequence)}
            sequence += 2 if flaws.sequence_gap and sequence == 7 else 1
            return json.dumps({**message, "streamSid": stream.sid})

        if not flaws.no_connected:
            await socket.send(json.dumps({"event": "connected", "protocol": "Call", "version": "1.0.0"}))
        tracks = ("inbound", "outbound") if flaws.both_tracks_always else stream.tracks
        start = {
            "accountSid": ACCOUNT_SID,
            "streamSid": stream.sid,
            "callSid": stream.call_sid,
            "tracks": list(tracks),
            "customParameters": {} if flaws.no_custom_parameters else stream.parameters,
            "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1},
        }
        await socket.send(numbered({"event": "start", "start": start}))
        loop = asyncio.get_running_loop()
        began = loop.time()
        audio = base64.b64encode(b"\xff" * flaws.payload_bytes).decode()  # mu-law silence
        shared_chunk = 0
        for index in range(MAX_CHUNKS):
            # A schedule, not a sleep: chunk n is due at began + n * interval (a burst: a second at a time).
            due = began + (index // 50 if flaws.burst else index * flaws.interval_ms / 1000)
            try:
                await asyncio.wait_for(stream.stopped.wait(), max(0.0, due - loop.time()))
                break
            except TimeoutError:
                pass
            for track in tracks:
                shared_chunk += 1
                chunk = shared_chunk if flaws.chunk_shared_by_tracks else index + 1
                timestamp = str(index * flaws.timestamp_step_ms)
                media = {"track": track, "chunk": str(chunk), "timestamp": timestamp, "payload": audio}
                sid = "MZ" + "0" * 32 if flaws.wrong_stream_sid_in_media else stream.sid
                message = json.loads(numbered({"event": "media", "media": media}))
                await socket.send(json.dumps({**message, "streamSid": sid}))
            if flaws.binary_frame and index == 3:
                await socket.send(b"\x00\x01")
        if not flaws.no_stop_message:
            await socket.send(
                numbered({"event": "stop", "stop": {"accountSid": ACCOUNT_SID, "callSid": stream.call_sid}})
            )
        if flaws.message_after_stop:
            await socket.send(numbered({"event": "media", "media": {}}))
        await socket.close(flaws.close_code)

    # --- Status callbacks ------------------------------------------------------------------------------

    async def _callback(self, stream: _Stream, event: str, **extra: str) -> None:
        flaws = self.flaws
        params = {
            "AccountSid": ACCOUNT_SID,
            "CallSid": stream.call_sid,
            "StreamSid": stream.sid,
            "StreamName": stream.name if stream.name is not None else ("" if flaws.stream_name_empty else stream.sid),
            "StreamEvent": event,
            "Timestamp": flaws.timestamp(datetime.now(UTC)),
            **extra,
        }
        url = stream.form.get("StatusCallback")
        if url is None:  # none asked for, none sent (the track-limit scenario's Streams)
            return
        method = flaws.callback_method or stream.form.get(
            "StatusCallbackMethod", contract.DEFAULT_STATUS_CALLBACK_METHOD
        )
        if method == "GET":
            url, signed = f"{url}{'&' if '?' in url else '?'}{urlencode(params)}", {}
        else:
            signed = params
        headers = (
            {} if flaws.unsigned_callbacks else {"X-Twilio-Signature": self._validator.compute_signature(url, signed)}
        )
        if method == "GET":
            await self._client.get(url, headers=headers)
        else:
            await self._client.post(url, data=params, headers=headers)


async def _later(delay: float, then: Callable[[], None]) -> None:
    await asyncio.sleep(delay)  # the flaw itself: a stop that takes this long
    then()


async def _json(send: Send, status: int, body: dict[str, Any]) -> None:
    content = json.dumps(body).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(content)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": content})
