"""1. Cost per call: our generated client against raw httpx and Twilio's ``twilio`` SDK.

Each client stops the same Stream on the same local server, sequentially over one kept-alive
connection, after a warm-up. Wall time is what a caller waits; client CPU (``time.process_time`` of
this process, the server runs in another) is what the client library itself spends. The repeats
rotate the order of the clients so that a burst of noise on the shared machine does not always hit
the same one.
"""

import asyncio
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import twilio_stream_contract as contract

from bench.fixture import ACCOUNT_SID, AUTH_TOKEN, CALL_SID, STOP_FORM, stop_path, stopped_stream_example
from bench.servers import bare_server
from bench.stats import Summary, summarize

# The peers of each of our clients: a sync client is compared with sync httpx, an async one with async.
GENERATED_SYNC = "twilio-stream-client (sync)"
GENERATED_ASYNC = "twilio-stream-client (async)"
HTTPX_SYNC = "raw httpx.Client"
HTTPX_ASYNC = "raw httpx.AsyncClient"
TWILIO_SDK = "twilio SDK 9.x"
CLIENTS = (GENERATED_SYNC, GENERATED_ASYNC, HTTPX_SYNC, HTTPX_ASYNC, TWILIO_SDK)
BASELINE_OF = {GENERATED_SYNC: HTTPX_SYNC, GENERATED_ASYNC: HTTPX_ASYNC, TWILIO_SDK: HTTPX_SYNC}

# A batch runner makes n sequential stop calls.
BatchRunner = Callable[[int], None]


class WrongAnswer(RuntimeError):
    """A client did not get a stopped Stream back: the timings would measure the wrong thing."""


@dataclass(frozen=True)
class CallCost:
    client: str
    wall_us: Summary
    cpu_us: Summary


def _expect_stopped(client: str, status: object) -> None:
    if status != contract.STOPPED:
        raise WrongAnswer(f"{client} got status {status!r} back, expected {contract.STOPPED!r}")


def _generated_sync(base_url: str, stream_sid: str, stack: ExitStack) -> BatchRunner:
    from twilio_stream_client import TwilioClient
    from twilio_stream_client.api.stream import update_stream
    from twilio_stream_client.models import Stream, UpdateStreamBody

    client = stack.enter_context(TwilioClient(ACCOUNT_SID, AUTH_TOKEN, base_url=base_url))
    stop = UpdateStreamBody.from_dict(STOP_FORM)  # built once, as the raw httpx runners reuse their form

    def run(calls: int) -> None:
        for _ in range(calls):
            stream = update_stream.sync(ACCOUNT_SID, CALL_SID, stream_sid, client=client, body=stop)
        _expect_stopped(GENERATED_SYNC, stream.status if isinstance(stream, Stream) else stream)

    return run


def _generated_async(base_url: str, stream_sid: str, stack: ExitStack, loop: asyncio.AbstractEventLoop) -> BatchRunner:
    from twilio_stream_client import TwilioClient
    from twilio_stream_client.api.stream import update_stream
    from twilio_stream_client.models import Stream, UpdateStreamBody

    client = TwilioClient(ACCOUNT_SID, AUTH_TOKEN, base_url=base_url)
    loop.run_until_complete(client.__aenter__())
    stack.callback(lambda: loop.run_until_complete(client.__aexit__(None, None, None)))
    stop = UpdateStreamBody.from_dict(STOP_FORM)

    async def batch(calls: int) -> None:
        for _ in range(calls):
            stream = await update_stream.asyncio(ACCOUNT_SID, CALL_SID, stream_sid, client=client, body=stop)
        _expect_stopped(GENERATED_ASYNC, stream.status if isinstance(stream, Stream) else stream)

    return lambda calls: loop.run_until_complete(batch(calls))


def _raw_httpx_sync(base_url: str, stream_sid: str, stack: ExitStack) -> BatchRunner:
    # What a careful user writes by hand: one client, basic auth, the form, a status check, the JSON.
    client = stack.enter_context(httpx.Client(base_url=base_url, auth=(ACCOUNT_SID, AUTH_TOKEN)))
    path = stop_path(stream_sid)

    def run(calls: int) -> None:
        for _ in range(calls):
            response = client.post(path, data=STOP_FORM)
            response.raise_for_status()
            stream = response.json()
        _expect_stopped(HTTPX_SYNC, stream["status"])

    return run


def _raw_httpx_async(base_url: str, stream_sid: str, stack: ExitStack, loop: asyncio.AbstractEventLoop) -> BatchRunner:
    client = httpx.AsyncClient(base_url=base_url, auth=(ACCOUNT_SID, AUTH_TOKEN))
    stack.callback(lambda: loop.run_until_complete(client.aclose()))
    path = stop_path(stream_sid)

    async def batch(calls: int) -> None:
        for _ in range(calls):
            response = await client.post(path, data=STOP_FORM)
            response.raise_for_status()
            stream = response.json()
        _expect_stopped(HTTPX_ASYNC, stream["status"])

    return lambda calls: loop.run_until_complete(batch(calls))


def _twilio_sdk(base_url: str, stream_sid: str, stack: ExitStack) -> BatchRunner:
    from twilio.rest import Client  # type: ignore[import-untyped]  # the SDK ships no type information

    client = Client(ACCOUNT_SID, AUTH_TOKEN)
    client.api.base_url = base_url  # the documented way to point the SDK at another host
    session = client.http_client.session  # TwilioHttpClient keeps one requests.Session: keep-alive
    if session is not None:
        stack.callback(session.close)

    def run(calls: int) -> None:
        for _ in range(calls):
            stream = client.calls(CALL_SID).streams(stream_sid).update(status=contract.STOPPED)
        _expect_stopped(TWILIO_SDK, stream.status)

    return run


@contextmanager
def batch_runners(base_url: str, stream_sid: str) -> Iterator[dict[str, BatchRunner]]:
    """One runner per client, all sharing one event loop for the async ones; closed on exit."""
    loop = asyncio.new_event_loop()
    try:
        with ExitStack() as stack:
            yield {
                GENERATED_SYNC: _generated_sync(base_url, stream_sid, stack),
                GENERATED_ASYNC: _generated_async(base_url, stream_sid, stack, loop),
                HTTPX_SYNC: _raw_httpx_sync(base_url, stream_sid, stack),
                HTTPX_ASYNC: _raw_httpx_async(base_url, stream_sid, stack, loop),
                TWILIO_SDK: _twilio_sdk(base_url, stream_sid, stack),
            }
    finally:
        loop.close()


def measure(runners: dict[str, BatchRunner], calls: int, repeats: int, warmup: int) -> list[CallCost]:
    """Per-call wall and CPU time in microseconds of each runner, median and spread over ``repeats``."""
    for run in runners.values():
        run(warmup)  # connections open, lazy imports done, caches warm; also checks every answer once
    names = list(runners)
    wall: dict[str, list[float]] = {name: [] for name in names}
    cpu: dict[str, list[float]] = {name: [] for name in names}
    for repeat in range(repeats):
        shift = repeat % len(names)
        for name in names[shift:] + names[:shift]:
            wall_start, cpu_start = time.perf_counter(), time.process_time()
            runners[name](calls)
            wall_end, cpu_end = time.perf_counter(), time.process_time()
            wall[name].append((wall_end - wall_start) / calls * 1e6)
            cpu[name].append((cpu_end - cpu_start) / calls * 1e6)
    return [CallCost(name, summarize(wall[name]), summarize(cpu[name])) for name in names]


def run(log_dir: Path, calls: int, repeats: int, warmup: int) -> list[CallCost]:
    """Start the floor server and measure every client against it."""
    stream_sid = str(stopped_stream_example()["sid"])
    with bare_server(log_dir) as server, batch_runners(server.base_url, stream_sid) as runners:
        return measure(runners, calls=calls, repeats=repeats, warmup=warmup)
