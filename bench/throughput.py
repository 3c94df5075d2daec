"""3. Server throughput and latency: the emulator against the floor and against Prism, driven by wrk.

A Python load generator saturates long before the server does, so a compiled one drives the load:
``wrk`` with one thread (the other core is left to the server) and ``stop_stream.lua``, which stops one
existing Stream again and again over kept-alive connections. Before any measurement every target
answers the very same request once, and must answer it with a stopped Stream: a figure for a server
that answers 401s or 404s would be worthless. Repeats interleave the targets so that noise on the
shared machine spreads over all of them.
"""

import json
import os
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx
import twilio_stream_contract as contract

from bench.fixture import ROOT, STOP_FORM, basic_authorization
from bench.servers import ServerFailed
from bench.stats import Summary, summarize

# Relative to the repository root, where wrk runs, so the command in the report is the one to type.
LUA_SCRIPT = "bench/stop_stream.lua"
RESULT_MARKER = "BENCH_RESULT "
# Headers that uvicorn adds itself: the floor must not send them twice.
SERVER_ADDED_HEADERS = {"date", "server", "content-length"}


class WrkMissing(RuntimeError):
    """wrk is not installed."""


@dataclass(frozen=True)
class Target:
    """A server under load: its name in the tables, and the URL of the stop request it answers."""

    name: str
    stop_url: str


@dataclass(frozen=True)
class WrkRun:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    http_errors: int
    socket_errors: int

    @property
    def requests_per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


@dataclass(frozen=True)
class Throughput:
    target: str
    concurrency: int
    requests_per_second: Summary
    p50_ms: Summary
    p99_ms: Summary
    http_errors: int
    socket_errors: int


@dataclass(frozen=True)
class RecordedAnswer:
    """A server's answer to the stop request, minus what uvicorn adds itself: what the floor replays."""

    status: int
    headers: list[tuple[str, str]]
    body: str

    def write(self, path: Path) -> Path:
        path.write_text(json.dumps({"status": self.status, "headers": self.headers, "body": self.body}))
        return path


def wrk_executable() -> str:
    found = shutil.which("wrk")
    if found is None:
        raise WrkMissing("wrk is not installed: `make bench` installs it (apt-get install -y wrk)")
    return found


def wrk_arguments(url: str, connections: int | str, seconds: int) -> list[str]:
    """wrk's arguments; ``connections`` may be a placeholder such as "C" for the report."""
    # One thread: wrk saturates a Python server with a fraction of one core, and the server needs the other.
    return [
        "--threads",
        "1",
        "--connections",
        str(connections),
        "--duration",
        f"{seconds}s",
        "--timeout",
        "5s",
        "--latency",
        "--script",
        LUA_SCRIPT,
        url,
    ]


def wrk_command(url: str, concurrency: int, seconds: int) -> list[str]:
    return [wrk_executable(), *wrk_arguments(url, concurrency, seconds)]


def parse_wrk_output(output: str) -> WrkRun:
    """Read the line that ``stop_stream.lua`` prints after wrk's report."""
    lines = [line for line in output.splitlines() if line.startswith(RESULT_MARKER)]
    if len(lines) != 1:
        raise ValueError(f"expected one {RESULT_MARKER.strip()} line in wrk's output, found {len(lines)}")
    result = json.loads(lines[0].removeprefix(RESULT_MARKER))
    return WrkRun(
        requests=int(result["requests"]),
        seconds=result["duration_us"] / 1e6,
        p50_ms=result["p50_us"] / 1000,
        p99_ms=result["p99_us"] / 1000,
        http_errors=int(result["http_errors"]),
        socket_errors=int(result["socket_errors"]),
    )


def run_wrk(url: str, concurrency: int, seconds: int) -> WrkRun:
    completed = subprocess.run(  # noqa: S603 - wrk with our own arguments
        wrk_command(url, concurrency, seconds),
        cwd=ROOT,
        env={**os.environ, "WRK_AUTHORIZATION": basic_authorization()},
        capture_output=True,
        text=True,
        check=True,
        timeout=seconds + 30,
    )
    return parse_wrk_output(completed.stdout)


def preflight(target: Target) -> RecordedAnswer:
    """Send the benchmark's stop request once; the target must answer 200 with a stopped Stream."""
    response = httpx.post(target.stop_url, data=STOP_FORM, headers={"Authorization": basic_authorization()}, timeout=10)
    if response.status_code != 200 or response.json().get("status") != contract.STOPPED:
        raise ServerFailed(f"{target.name} answered {response.status_code} {response.text[:200]!r} to the stop request")
    headers = [(name, value) for name, value in response.headers.items() if name not in SERVER_ADDED_HEADERS]
    return RecordedAnswer(status=response.status_code, headers=headers, body=response.text)


def measure(
    targets: Sequence[Target], concurrencies: Sequence[int], seconds: int, repeats: int, warmup_seconds: int
) -> list[Throughput]:
    """Throughput and latency of every target at every concurrency, median and spread over ``repeats``."""
    for target in targets:
        preflight(target)
        run_wrk(target.stop_url, max(concurrencies), warmup_seconds)
    runs: dict[tuple[str, int], list[WrkRun]] = {(t.name, c): [] for t in targets for c in concurrencies}
    for repeat in range(repeats):
        shift = repeat % len(targets)
        for target in [*targets[shift:], *targets[:shift]]:
            for concurrency in concurrencies:
                runs[(target.name, concurrency)].append(run_wrk(target.stop_url, concurrency, seconds))
    return [
        Throughput(
            target=name,
            concurrency=concurrency,
            requests_per_second=summarize([run.requests_per_second for run in samples]),
            p50_ms=summarize([run.p50_ms for run in samples]),
            p99_ms=summarize([run.p99_ms for run in samples]),
            http_errors=sum(run.http_errors for run in samples),
            socket_errors=sum(run.socket_errors for run in samples),
        )
        for (name, concurrency), samples in runs.items()
    ]
