"""Starting the emulator, always with the same server settings: in this process (``serve``, what its
command does; ``in_thread``, serving from a thread of this process while it goes on, as the pytest
plugin does) or as a process of its own (``running``).

Everything that starts an emulator goes through here: the command line, the conformance suite (its
defective servers are the emulator's app wrapped in a defect, served by ``serve``), the benchmarks, the
tests and the pytest plugin. So the server settings below are written once.
"""

import asyncio
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Coroutine, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import uvicorn
from starlette.types import ASGIApp

HOST = "127.0.0.1"
T = TypeVar("T")
STOP_TIMEOUT_S = 10.0
LOG_LEVELS = ("critical", "error", "warning", "info", "debug")


def logging_config(level: str) -> dict[str, Any]:
    """One line per record on stderr; ``emulator.access`` is the access log (one line per request)."""

    def logger(handler: str) -> dict[str, Any]:
        return {"handlers": [handler], "level": level.upper(), "propagate": False}

    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"line": {"format": "%(asctime)s %(levelname)s %(name)s [%(process)d] %(message)s"}},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "line", "stream": "ext://sys.stderr"}},
        "loggers": {"uvicorn": logger("stderr"), "emulator": logger("stderr")},
    }


def _settings(log_level: str) -> dict[str, Any]:
    """uvicorn's options for the emulator, wherever it runs."""
    return {
        # uvicorn's httptools protocol with Twilio-shaped answers where the parser refuses a request.
        "http": "twilio_stream_emulator.protocol:TwilioHttpToolsProtocol",
        "ws": "none",  # the emulator dials WebSockets out; it accepts none
        "lifespan": "on",
        "access_log": False,  # emulator.access writes its own line, with the path escaped
        "log_level": log_level,
        "server_header": False,
        "proxy_headers": False,  # clients connect directly: no X-Forwarded-For to trust or parse
    }


def serve(
    app: ASGIApp | str, *, host: str = HOST, port: int, workers: int = 1, log_level: str = "info", factory: bool = False
) -> None:
    """Serve ``app`` (an ASGI app, or an import string; ``factory`` if it names a function that makes one)
    with uvicorn as the emulator is served, until SIGINT or SIGTERM (a graceful stop)."""
    uvicorn.run(
        app,
        host=host,
        port=port,
        workers=workers,
        factory=factory,
        loop="uvloop",
        log_config=logging_config(log_level),
        **_settings(log_level),
    )


class _ThreadServer(uvicorn.Server):
    """uvicorn's server, telling the thread that started it when it serves (or failed to)."""

    def __init__(self, config: uvicorn.Config, started: threading.Event) -> None:
        super().__init__(config)
        self._started = started

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        try:
            await super().startup(sockets=sockets)
        finally:
            self._started.set()


@dataclass(frozen=True)
class ThreadedServer:
    """An app served from a thread of this process: where, and the event loop it runs on."""

    base_url: str
    port: int
    loop: asyncio.AbstractEventLoop

    def run(self, coroutine: Coroutine[Any, Any, T], timeout: float = STOP_TIMEOUT_S) -> T:
        """Run ``coroutine`` on the server's loop (where its app lives) and return its result."""
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)


@contextmanager
def in_thread(app: ASGIApp, *, log_level: str = "warning", startup_timeout: float = 30.0) -> Iterator[ThreadedServer]:
    """Serve ``app`` on 127.0.0.1 and a free port from a daemon thread of this process, as the emulator is
    served (but with asyncio's own loop: the thread's loop is the caller's business), until the block
    ends; its lifespan runs at both ends. The socket is bound before the thread starts, so nothing that
    connects early is refused."""
    listening = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listening.bind((HOST, 0))
    port: int = listening.getsockname()[1]
    config = uvicorn.Config(app, loop="asyncio", log_config=None, **_settings(log_level))
    started = threading.Event()
    server = _ThreadServer(config, started)
    loop = asyncio.new_event_loop()

    def serve_forever() -> None:
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(server.serve(sockets=[listening]))
        finally:
            loop.close()

    thread = threading.Thread(target=serve_forever, name="twilio-stream-emulator", daemon=True)
    thread.start()
    try:
        if not started.wait(startup_timeout) or not server.started:
            raise RuntimeError(f"the emulator did not start within {startup_timeout:.0f} s")
        yield ThreadedServer(f"http://{HOST}:{port}", port, loop)
    finally:
        server.should_exit = True
        thread.join(STOP_TIMEOUT_S)
        listening.close()


def free_port(host: str = HOST) -> int:
    """A port free on ``host`` now (the server binds it a moment later: good enough on loopback)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        port: int = probe.getsockname()[1]
        return port


def command(*options: str) -> list[str]:
    """The emulator's command line, run by this interpreter."""
    return [sys.executable, "-m", "twilio_stream_emulator", *options]


@dataclass(frozen=True)
class ServerProcess:
    """A server started by ``run_server``: where it listens, its process and its log (stdout and stderr)."""

    base_url: str
    port: int
    process: "subprocess.Popen[bytes]"
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")


def _accepts(port: int) -> bool:
    try:
        with socket.create_connection((HOST, port), timeout=0.5):
            return True
    except OSError:
        return False


def stop_process(process: "subprocess.Popen[bytes]", timeout: float = STOP_TIMEOUT_S) -> None:
    """SIGTERM to the process and the workers it forked (a graceful stop), SIGKILL if they linger."""
    if process.poll() is not None:
        return
    # The server leads its own session (start_new_session), so its group id is its pid.
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout)


Popen = Callable[..., "subprocess.Popen[bytes]"]


@contextmanager
def run_server(
    argv: Sequence[str],
    *,
    port: int,
    log_path: Path,
    env: Mapping[str, str] | None = None,
    startup_timeout: float = 30.0,
    popen: Popen = subprocess.Popen,
    stop: Callable[["subprocess.Popen[bytes]"], None] = stop_process,
) -> Iterator[ServerProcess]:
    """Start ``argv`` (a server that listens on 127.0.0.1:``port``) in a session of its own, its output in
    ``log_path``; yield once it accepts connections; stop it on exit, whatever happens."""
    with log_path.open("wb") as log:
        process = popen(
            list(argv),
            env=dict(os.environ if env is None else env),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + startup_timeout
        while not _accepts(port):
            if process.poll() is not None:
                raise RuntimeError(
                    f"{argv[0]} exited with {process.returncode}:\n{log_path.read_text(errors='replace')}"
                )
            if time.monotonic() > deadline:
                raise RuntimeError(f"nothing listened on {HOST}:{port} within {startup_timeout:.0f} s")
            time.sleep(0.05)
        yield ServerProcess(f"http://{HOST}:{port}", port, process, log_path)
    finally:
        stop(process)


@contextmanager
def running(
    *options: str, env: Mapping[str, str] | None = None, log_path: Path | None = None, startup_timeout: float = 30.0
) -> Iterator[ServerProcess]:
    """The emulator's command on 127.0.0.1 and a free port, with ``options`` (``"--db", path``,
    ``"--workers", "2"``...) and ``env`` (default: this process's environment); stopped on exit."""
    with ExitStack() as stack:
        if log_path is None:
            log_path = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="emulator-"))) / "emulator.log"
        port = free_port()
        argv = command("--host", HOST, "--port", str(port), *options)
        yield stack.enter_context(
            run_server(argv, port=port, log_path=log_path, env=env, startup_timeout=startup_timeout)
        )
