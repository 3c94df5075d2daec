"""Local servers for the benchmarks: each one a subprocess on a free loopback port, stopped on exit.

They are started as the emulator starts its own processes (``twilio_stream_emulator.server``): in a
session of their own, so that stopping one also stops the workers it forked, their output in a log file
of the results folder rather than a pipe nobody reads (a full pipe would stall a server mid-measurement).
"""

import os
import subprocess
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from twilio_stream_emulator.server import HOST, STOP_TIMEOUT_S, free_port, run_server, stop_process
from twilio_stream_emulator.server import command as emulator_command

from bench.fixture import ROOT

PRISM = ROOT / "bench" / "node_modules" / ".bin" / "prism"
# The media benchmark's own processes exit by themselves after this long, whatever happens to the benchmark.
MEDIA_PROCESS_MAX_S = 300


class ServerFailed(RuntimeError):
    """A server did not start, or did not answer as the benchmark needs."""


@dataclass(frozen=True)
class Server:
    name: str
    base_url: str
    pid: int
    log: Path


@contextmanager
def running(
    name: str,
    command: Sequence[str],
    port: int,
    log_dir: Path,
    env: Mapping[str, str] | None = None,
    startup_timeout: float = 30.0,
    stop_timeout: float = STOP_TIMEOUT_S,
) -> Iterator[Server]:
    """Start ``command`` (which must listen on ``port``), wait until it accepts connections, stop it after
    (SIGTERM, then SIGKILL after ``stop_timeout``)."""
    log_dir.mkdir(parents=True, exist_ok=True)
    log = log_dir / f"{name}.log"
    with ExitStack() as stack:
        # Only the start is this server's failure: what the caller raises meanwhile passes through as it is.
        try:
            server = stack.enter_context(
                run_server(
                    command,
                    port=port,
                    log_path=log,
                    env={**os.environ, **(env or {})},
                    startup_timeout=startup_timeout,
                    stop=lambda process: stop_process(process, stop_timeout),
                )
            )
        except RuntimeError as failure:
            raise ServerFailed(f"{name}: {failure}; see {log}") from None
        yield Server(name=name, base_url=server.base_url, pid=server.process.pid, log=log)


def floor_command(app: str, port: int, workers: int) -> list[str]:
    """How a floor app is served: `bench.serve`, with the emulator's own server settings."""
    return [sys.executable, "-m", "bench.serve", app, "--port", str(port), "--workers", str(workers)]


@contextmanager
def bare_server(log_dir: Path, workers: int = 1, env: Mapping[str, str] | None = None) -> Iterator[Server]:
    port = free_port()
    command = floor_command("bench.bare_app:app", port, workers)
    with running(f"bare-asgi-{workers}w", command, port, log_dir, env=env) as server:
        yield server


@contextmanager
def prism_server(log_dir: Path) -> Iterator[Server]:
    if not PRISM.exists():
        raise ServerFailed(f"{PRISM} is missing: run `make` (npm ci installs the pinned Prism)")
    port = free_port()
    command = [str(PRISM), "mock", "openapi.yaml", "--host", HOST, "--port", str(port)]
    with running("prism", command, port, log_dir, startup_timeout=60.0) as server:
        yield server


@contextmanager
def emulator_server(
    log_dir: Path,
    db: Path,
    workers: int,
    credentials: Mapping[str, str],
    extra_args: Sequence[str] = (),
    stop_timeout: float = STOP_TIMEOUT_S,
) -> Iterator[Server]:
    """The emulator as users start it (its command), on its own store file."""
    port = free_port()
    options = ["--host", HOST, "--port", str(port), "--workers", str(workers), "--db", str(db), *extra_args]
    name = f"emulator-{workers}w" + "".join(arg.strip("-") for arg in extra_args)
    with running(name, emulator_command(*options), port, log_dir, env=credentials, stop_timeout=stop_timeout) as server:
        yield server


@contextmanager
def media_receiver(log_dir: Path, name: str = "media-receiver") -> Iterator[Server]:
    """The media benchmark's WebSocket receiver (``bench.media_receiver``); its HTTP answers at ``base_url``."""
    port = free_port()
    command = [sys.executable, "-m", "bench.media_receiver", "--port", str(port)]
    with running(name, [*command, "--max-seconds", str(MEDIA_PROCESS_MAX_S)], port, log_dir) as server:
        yield server


@contextmanager
def background(name: str, command: Sequence[str], log_dir: Path) -> Iterator["subprocess.Popen[bytes]"]:
    """A process that listens on nothing (the bare media sender): started and stopped as the servers are."""
    log_dir.mkdir(parents=True, exist_ok=True)
    with (log_dir / f"{name}.log").open("wb") as log:
        process = subprocess.Popen(  # noqa: S603 - our own module, run by this interpreter
            list(command), stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        yield process
    finally:
        stop_process(process)
