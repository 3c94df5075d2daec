"""Status callbacks: what a Stream reports to the create's ``StatusCallback``, signed as Twilio signs.

``stream-started``, ``stream-stopped`` and ``stream-error`` (with ``StreamError``), each with
``AccountSid``, ``CallSid``, ``StreamSid``, ``StreamName`` (the Stream's name, or its SID when it has
none) and ``Timestamp`` (ISO 8601, UTC, milliseconds); POST as a form or GET in the query string, by
``StatusCallbackMethod``; ``X-Twilio-Signature`` computed with the account's Auth Token.

Sent off the media and API paths: each Stream's callbacks go out in order, one after the other, in a
task of their own, at most ``MAX_IN_FLIGHT`` at a time over the whole emulator, so a slow or failing
endpoint never delays a frame or an answer. Timeouts are Twilio's webhook defaults (connect 5 s, the
whole request 15 s); a connection that fails is tried once more (Twilio's default retry count is 1); an
answer of any status ends it. The same loopback rule as the Media Stream's applies to the URL.
"""

import asyncio
import contextlib
import logging
import socket
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlsplit

import httpx
from twilio_stream_contract import callbacks

from twilio_stream_emulator.loopback import is_loopback
from twilio_stream_emulator.media.dial import loggable
from twilio_stream_emulator.signature import compute_signature

log = logging.getLogger("emulator.access")
TIMEOUT = httpx.Timeout(15.0, connect=5.0)
MAX_IN_FLIGHT = 64
ATTEMPTS = 2


@dataclass(frozen=True, slots=True)
class StatusCallback:
    """Where one Stream's callbacks go, and what every one of them carries."""

    url: str
    method: str
    auth_token: str = field(repr=False)
    account_sid: str
    call_sid: str
    stream_sid: str
    stream_name: str

    def params(self, event: str, error: str | None = None) -> dict[str, str]:
        now = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        values = {
            "AccountSid": self.account_sid,
            "CallSid": self.call_sid,
            "StreamSid": self.stream_sid,
            "StreamName": self.stream_name,
            "StreamEvent": event,
            "StreamError": error,
            "Timestamp": now,
        }
        return {name: value for name in callbacks.FIELDS if (value := values[name]) is not None}

    def request(self, event: str, error: str | None = None) -> httpx.Request:
        """The signed request of one callback. The URL signed is the URL sent, as httpx writes it."""
        params = self.params(event, error)
        if self.method == "GET":
            url = httpx.URL(self.url).copy_merge_params(params)
            headers = {callbacks.SIGNATURE_HEADER: compute_signature(self.auth_token, str(url))}
            return httpx.Request("GET", url, headers=headers)
        url = httpx.URL(self.url)
        headers = {callbacks.SIGNATURE_HEADER: compute_signature(self.auth_token, str(url), params)}
        return httpx.Request("POST", url, headers=headers, data=params)


class StatusCallbacks:
    """The sender of every Stream's callbacks: one chain of tasks per Stream, in order."""

    def __init__(self, any_host: bool = False, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self._any_host = any_host
        self._client = httpx.AsyncClient(timeout=TIMEOUT, follow_redirects=False, transport=transport)
        self._in_flight = asyncio.Semaphore(MAX_IN_FLIGHT)
        self._last: dict[str, asyncio.Task[None]] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    async def warm_up(self) -> None:
        """Make the client's first request now, at start-up, to a loopback port that refuses it.

        httpx builds its connection machinery on the first request, imports included: a stall of the
        event loop of about 100 ms (more on a busy machine) that would otherwise fall on the media of the
        first Streams to report `stream-started` (the conformance check `media_arrives_on_schedule`)."""
        with socket.socket() as refusing:
            refusing.bind(("127.0.0.1", 0))  # bound, never listening: a connection is refused at once
            with contextlib.suppress(httpx.TransportError):
                await self._client.get(f"http://127.0.0.1:{refusing.getsockname()[1]}/")

    def send(self, callback: StatusCallback, event: str, error: str | None = None) -> None:
        """Queue one callback of a Stream; it goes out after the Stream's earlier ones."""
        previous = self._last.get(callback.stream_sid)
        task = asyncio.get_running_loop().create_task(self._send_after(previous, callback, event, error))
        self._last[callback.stream_sid] = task
        self._tasks.add(task)
        task.add_done_callback(lambda done: self._forget(callback.stream_sid, done))

    def _forget(self, stream_sid: str, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if self._last.get(stream_sid) is task:
            del self._last[stream_sid]

    async def _send_after(
        self, previous: "asyncio.Task[None] | None", callback: StatusCallback, event: str, error: str | None
    ) -> None:
        if previous is not None:
            await asyncio.wait([previous])
        host = urlsplit(callback.url).hostname or ""
        if not self._any_host and not is_loopback(host):
            log.warning(
                "callback %s %s to %s refused: loopback only", callback.stream_sid, event, loggable(callback.url)
            )
            return
        async with self._in_flight:
            for attempt in range(1, ATTEMPTS + 1):
                try:
                    response = await self._client.send(callback.request(event, error))
                except httpx.TransportError as failure:
                    reason = type(failure).__name__
                    log.warning("callback %s %s attempt %d failed: %s", callback.stream_sid, event, attempt, reason)
                    continue
                log.info("callback %s %s %s", callback.stream_sid, event, response.status_code)
                return

    async def wait_idle(self, timeout_s: float) -> None:
        """Let the callbacks under way finish, for at most ``timeout_s``; cancel what is left."""
        pending = set(self._tasks)
        if pending:
            _, late = await asyncio.wait(pending, timeout=timeout_s)
            for task in late:
                task.cancel()
            if late:
                await asyncio.wait(late)

    async def aclose(self) -> None:
        await self._client.aclose()

    def pending(self) -> int:
        return len(self._tasks)
