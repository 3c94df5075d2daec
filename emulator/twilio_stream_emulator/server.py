"""Starting the emulator: in this process (``serve``, what its command does) or as a process of its own
(``running``), always with the same server settings.

Everything that starts an emulator goes through here: the command line, the conformance suite (its
defective servers are the emulator's app wrapped in a defect, served by ``serve``), the benchmarks, the
tests and the pytest plugin. So the server settings below are written once.
"""

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import uvicorn
from starlette.types import ASGIApp

HOST = "127.0.0.1"
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
        # uvicorn's httptools protocol with Twilio-shaped answers where the parser refuses a request.
        http="twilio_stream_emulator.protocol:TwilioHttpToolsProtocol",
        ws="none",  # the emulator dials WebSockets out; it accepts none
        loop="uvloop",
        lifespan="on",
        access_log=False,  # emulator.access writes its own line, with the path escaped
        log_config=logging_config(log_level),
        log_level=log_level,
        server_header=False,
        proxy_headers=False,  # clients connect directly: no X-Forwarded-For to trust or parse
    )


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
