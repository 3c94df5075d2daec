"""Local servers for the benchmarks: each one a subprocess on a free loopback port, stopped on exit.

Every server is started in its own session so that stopping it also stops the workers it forked
(uvicorn ``--workers``), and its output goes to a log file in the results folder rather than to a
pipe nobody reads (a full pipe would stall the server mid-measurement).
"""

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bench.fixture import ROOT

HOST = "127.0.0.1"
PRISM = ROOT / "node_modules" / ".bin" / "prism"


class ServerFailed(RuntimeError):
    """A server did not start, or did not answer as the benchmark needs."""


@dataclass(frozen=True)
class Server:
    name: str
    base_url: str
    pid: int
    log: Path


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


def _accepts(port: int) -> bool:
    try:
        with socket.create_connection((HOST, port), timeout=0.2):
            return True
    except OSError:
        return False


@contextmanager
def running(
    name: str,
    command: Sequence[str],
    port: int,
    log_dir: Path,
    env: Mapping[str, str] | None = None,
    startup_timeout: float = 30.0,
) -> Iterator[Server]:
    """Start ``command`` (which must listen on ``port``), wait until it accepts connections, stop it after."""
    log_dir.mkdir(parents=True, exist_ok=True)
    log = log_dir / f"{name}.log"
    with log.open("wb") as log_file:
        process = subprocess.Popen(  # noqa: S603 - our own fixed commands
            list(command),
            cwd=ROOT,
            env={**os.environ, **(env or {})},
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + startup_timeout
            while not _accepts(port):
                if process.poll() is not None:
                    raise ServerFailed(f"{name} exited with {process.returncode}; see {log}")
                if time.monotonic() > deadline:
                    raise ServerFailed(f"{name} did not listen on {HOST}:{port} within {startup_timeout:.0f} s")
                time.sleep(0.1)
            yield Server(name=name, base_url=f"http://{HOST}:{port}", pid=process.pid, log=log)
        finally:
            _stop(process)


def _stop(process: "subprocess.Popen[bytes]") -> None:
    if process.poll() is not None:
        return
    # The server leads its own session (start_new_session), so its group id is its pid.
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


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
    log_dir: Path, db: Path, workers: int, credentials: Mapping[str, str], extra_args: Sequence[str] = ()
) -> Iterator[Server]:
    """The emulator as users start it (`python -m twilio_stream_emulator`), on its own store file."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "twilio_stream_emulator",
        "--host",
        HOST,
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--db",
        str(db),
        *extra_args,
    ]
    name = f"emulator-{workers}w" + "".join(arg.strip("-") for arg in extra_args)
    with running(name, command, port, log_dir, env=credentials) as server:
        yield server
