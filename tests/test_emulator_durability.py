"""What a 200 promises survives the process: kill -9 and restart; SIGTERM lets requests finish."""

import base64
import json
import signal
import socket
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from tests.emulator_server import emulator_server, stream_path, streams_path

# Kills and restarts emulator processes.
pytestmark = pytest.mark.slow


def test_every_acknowledged_create_and_stop_survives_kill_9(tmp_path: Path) -> None:
    """Without media (emulator_server's default), so that an in-progress Stream stays in progress: with
    media, a restart stops the Streams whose sockets died (tests/test_emulator_media_lifecycle.py)."""
    db = str(tmp_path / "streams.sqlite3")
    acknowledged: dict[str, str] = {}
    with emulator_server(db=db) as server, httpx.Client(base_url=server.base_url, auth=server.auth) as client:
        for index in range(12):
            call_sid = f"CA{index:032x}"
            created = client.post(streams_path(call_sid=call_sid), data={"Url": "wss://e.com/", "Name": f"s{index}"})
            acknowledged[created.json()["sid"]] = "in-progress"
            if index % 2:
                client.post(stream_path(f"s{index}", call_sid=call_sid), data={"Status": "stopped"})
                acknowledged[created.json()["sid"]] = "stopped"
        server.process.send_signal(signal.SIGKILL)
        server.process.wait()

    with emulator_server(db=db) as server, httpx.Client(base_url=server.base_url, auth=server.auth) as client:
        # A stop answers the stored Stream; its status before the stop shows in what a create now allows.
        names_in_use = [
            client.post(streams_path(call_sid=f"CA{index:032x}"), data={"Url": "wss://e.com/", "Name": f"s{index}"})
            for index in range(12)
        ]
        found = {
            answer.json()["sid"]: answer.json()["status"]
            for answer in (
                client.post(stream_path(sid, call_sid=f"CA{index:032x}"), data={"Status": "stopped"})
                for index, sid in enumerate(acknowledged)
            )
            if answer.status_code == 200
        }

    assert set(found) == set(acknowledged)
    assert [answer.status_code for answer in names_in_use] == [400 if index % 2 == 0 else 200 for index in range(12)]


def test_sigterm_lets_an_in_flight_request_finish() -> None:
    with emulator_server() as server:
        body = b"Url=wss%3A%2F%2Fe.com%2F"
        head = (
            f"POST {streams_path()} HTTP/1.1\r\nHost: e\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n"
        ).encode()
        auth = b"Basic " + base64.b64encode(":".join(server.auth).encode())
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as connection:
            connection.sendall(head + b"Authorization: " + auth + b"\r\n\r\n")
            # uvicorn reads the head as soon as it arrives, and looks for a signal every 100 ms.
            server.process.send_signal(signal.SIGTERM)
            _wait_for(lambda: "Waiting for connections to close" in server.log())  # shutting down, the request alive
            connection.sendall(body)
            answer = b""
            while chunk := connection.recv(65536):
                answer += chunk
        exit_code = server.process.wait(10)
        log = server.log()

    assert answer.startswith(b"HTTP/1.1 200 ")
    assert json.loads(answer.partition(b"\r\n\r\n")[2])["status"] == "in-progress"
    # uvicorn re-raises the signal once it has shut down, so the exit status says "terminated".
    assert exit_code == -signal.SIGTERM
    assert "Application shutdown complete" in log


def _wait_for(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)
