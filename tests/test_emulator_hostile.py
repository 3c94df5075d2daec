"""A real server under hostile requests: each gets a 4xx Twilio error and the server serves on.

Raw sockets send the bytes as they are (an HTTP client library would fix most of them up). One server
serves most of the module; the log test runs a server of its own, so that its log holds exactly the
requests it sent.
"""

import base64
import json
import socket
import time
from collections.abc import Iterator

import httpx
import pytest
from twilio_stream_contract import CORS_HEADERS
from twilio_stream_emulator.protocol import MAX_HEADER_BYTES, MAX_MESSAGE_BYTES
from twilio_stream_emulator.server import stop_process

from tests.emulator_server import (
    AUTH_TOKEN,
    RawResponse,
    RunningEmulator,
    emulator_server,
    raw_exchange,
    stream_path,
    streams_path,
)

# Raw sockets against emulator processes.
pytestmark = pytest.mark.slow

BASIC = base64.b64encode(b"AC0123456789abcdef0123456789abcdef:" + AUTH_TOKEN.encode()).decode()
FORM = "application/x-www-form-urlencoded"


@pytest.fixture(scope="module")
def server() -> Iterator[RunningEmulator]:
    with emulator_server() as server:
        yield server


def _request(path: str, body: bytes = b"", *, headers: str = "", method: str = "POST") -> bytes:
    head = (
        f"{method} {path} HTTP/1.1\r\nHost: emulator\r\nAuthorization: Basic {BASIC}\r\n"
        f"Content-Type: {FORM}\r\nContent-Length: {len(body)}\r\nConnection: close\r\n{headers}\r\n"
    )
    return head.encode("latin-1") + body


def _assert_twilio_error(response: RawResponse, status: int) -> None:
    assert response.status == status, response
    body = json.loads(response.body)
    assert (body["status"], body["code"] in (20001, 20003, 20004, 20404)) == (status, True), body
    assert {"message", "more_info"} <= set(body)
    assert [response.headers.get(name.lower()) for name, _ in CORS_HEADERS] == [value for _, value in CORS_HEADERS]


HOSTILE = {
    # Sizes
    "declared body over the limit": (
        f"POST {streams_path()} HTTP/1.1\r\nHost: e\r\nAuthorization: Basic {BASIC}\r\nContent-Type: {FORM}\r\n"
        "Content-Length: 10000000\r\nConnection: close\r\n\r\n".encode(),
        413,
    ),
    "sent body over the limit": (_request(streams_path(), b"Url=wss://e.com/&Name=" + b"x" * 70_000), 413),
    "chunked body over the limit": (
        f"POST {streams_path()} HTTP/1.1\r\nHost: e\r\nAuthorization: Basic {BASIC}\r\nContent-Type: {FORM}\r\n"
        "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n".encode()
        + b"".join(b"%x\r\n%s\r\n" % (10_000, b"x" * 10_000) for _ in range(8))
        + b"0\r\n\r\n",
        413,
    ),
    "one huge header": (_request(streams_path(), headers=f"X-Big: {'a' * (MAX_HEADER_BYTES + 1)}\r\n"), 431),
    "many headers": (_request(streams_path(), headers="".join(f"X-H{i}: {'v' * 30}\r\n" for i in range(2000))), 431),
    "huge url": (_request("/" + "a" * (MAX_HEADER_BYTES + 10)), 431),
    # Framing
    "garbage request line": (b"GARBAGE\r\n\r\n", 400),
    "invalid content-length": (
        f"POST {streams_path()} HTTP/1.1\r\nHost: e\r\nContent-Length: abc\r\n\r\n".encode(),
        400,
    ),
    "NUL in a header value": (_request(streams_path(), headers="X-Evil: a\0b\r\n"), 400),
    "bare LF inside a header line": (_request(streams_path(), headers="X-Evil: a\rInjected: b\r\n"), 400),
    "non-ASCII byte in the path": (_request("/2010-04-01/\xff"), 400),
    # Encodings
    "truncated percent escape in the body": (_request(stream_path("x"), b"Status=stop%2"), 400),
    "invalid UTF-8 in the body": (_request(stream_path("x"), b"Status=\xc3\x28"), 400),
    "invalid percent escape in the Sid": (_request(stream_path("%zz"), b"Status=stopped"), 404),
    "invalid UTF-8 in the Sid": (_request(stream_path("%c3%28"), b"Status=stopped"), 404),
    # Names and paths
    "CR/LF in the Sid": (_request(stream_path("a%0D%0AInjected:%20yes"), b"Status=stopped"), 404),
    "SQL in the Sid": (_request(stream_path("x'%20OR%20'1'%3D'1"), b"Status=stopped"), 404),
    "path traversal in the Sid": (_request(stream_path("..%2F..%2F..%2Fetc%2Fpasswd"), b"Status=stopped"), 404),
    "dot segments in the path": (_request(streams_path().replace("/Calls/", "/Calls/../Calls/")), 404),
    "SQL in the CallSid": (_request(streams_path(call_sid="CA'%3B%20DROP%20TABLE%20streams%3B--")), 404),
    # Credentials
    "huge garbage credentials": (
        f"POST {streams_path()} HTTP/1.1\r\nHost: e\r\nAuthorization: Basic {'A' * 20000}\r\n"
        "Content-Length: 0\r\nConnection: close\r\n\r\n".encode(),
        401,
    ),
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_a_hostile_request_gets_a_twilio_error(server: RunningEmulator, name: str) -> None:
    request, status = HOSTILE[name]

    _assert_twilio_error(raw_exchange(server.port, request), status)


def test_a_client_leaving_mid_body_gets_nothing_and_breaks_nothing(server: RunningEmulator) -> None:
    request = _request(stream_path("x"), b"Status=stopped")[:-5]

    assert raw_exchange(server.port, request, half_close=True).status == 0


def test_afterwards_the_server_still_answers_correctly(server: RunningEmulator) -> None:
    created = httpx.post(server.base_url + streams_path(), auth=server.auth, data={"Url": "wss://e.com/", "Name": "n"})
    stopped = httpx.post(server.base_url + stream_path("n"), auth=server.auth, data={"Status": "stopped"})

    assert (created.status_code, stopped.status_code) == (200, 200)
    assert stopped.json()["sid"] == created.json()["sid"]


def _access_lines(log: str) -> list[str]:
    # The readiness probe of emulator_server (OPTIONS /) is not one of the test's requests.
    return [line for line in log.splitlines() if " emulator.access " in line and '"OPTIONS /" ' not in line]


def test_the_log_has_one_line_per_request_and_no_credential_or_forged_line() -> None:
    with emulator_server() as server:
        for request, _ in HOSTILE.values():
            raw_exchange(server.port, request)
        endless_trailer = _send_without_end(server.port, _chunked_head() + b"0\r\nX-Trailer: ", MAX_MESSAGE_BYTES)
        stop_process(server.process)  # a graceful stop: every request is answered and logged
        log = server.log()

    assert endless_trailer.startswith(b"HTTP/1.1 413 ")
    assert AUTH_TOKEN not in log
    assert BASIC not in log
    assert "Traceback" not in log
    lines = log.splitlines()
    assert all(line[:2] == "20" for line in lines), "a line that does not start with a timestamp"
    assert not any(line.startswith("Injected") for line in lines)
    # Parser refusals included: the protocol logs those, the app the others.
    statuses = sorted(int(line.split('" ')[-1].split(" ")[0]) for line in _access_lines(log))
    assert statuses == sorted([status for _, status in HOSTILE.values()] + [413])


def test_headers_just_under_the_limit_are_served(server: RunningEmulator) -> None:
    request = _request(stream_path("x"), b"Status=stopped", headers=f"X-Big: {'a' * (MAX_HEADER_BYTES - 2000)}\r\n")

    response = raw_exchange(server.port, request)

    assert response.status == 404  # reached the app: no Stream "x"


def _chunked_head() -> bytes:
    return (
        f"POST {streams_path()} HTTP/1.1\r\nHost: e\r\nAuthorization: Basic {BASIC}\r\nContent-Type: {FORM}\r\n"
        "Transfer-Encoding: chunked\r\n\r\n"
    ).encode()


def _send_without_end(port: int, start: bytes, limit: int) -> bytes:
    """Send ``start``, then a line that never ends, 1 KiB at a time, past ``limit``; what came back."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(start)
        answer = b""
        try:
            for _ in range(limit // 1024 + 8):  # never a line end
                connection.sendall(b"a" * 1024)
                time.sleep(0.0005)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered and closed: the rest is not wanted
        try:
            while chunk := connection.recv(65536):
                answer += chunk
        except ConnectionResetError:
            pass
    return answer


def test_a_header_that_never_ends_is_cut_off_at_the_limit(server: RunningEmulator) -> None:
    answer = _send_without_end(
        server.port, f"POST {streams_path()} HTTP/1.1\r\nHost: e\r\nX-Endless: ".encode(), MAX_HEADER_BYTES
    )

    assert answer.startswith(b"HTTP/1.1 431 ")


def test_a_trailer_that_never_ends_is_cut_off_at_the_message_limit(server: RunningEmulator) -> None:
    answer = _send_without_end(server.port, _chunked_head() + b"0\r\nX-Trailer: ", MAX_MESSAGE_BYTES)

    assert answer.startswith(b"HTTP/1.1 413 ")
    assert json.loads(answer.partition(b"\r\n\r\n")[2])["code"] == 20001


def test_a_chunked_body_with_trailers_is_served(server: RunningEmulator) -> None:
    body = b"Url=wss%3A%2F%2Fe.com%2F"
    request = _chunked_head().replace(b"\r\n\r\n", b"\r\nConnection: close\r\n\r\n")
    request += b"%x\r\n%s\r\n0\r\nX-Checksum: abc\r\n\r\n" % (len(body), body)

    assert raw_exchange(server.port, request).status == 200


def test_an_upgrade_is_ignored_and_the_body_served(server: RunningEmulator) -> None:
    # What curl --http2 sends over http://: HTTP/1.1 with an offer to switch to h2c, which a server may ignore.
    request = _request(
        streams_path(),
        b"Url=wss%3A%2F%2Fe.com%2F&Name=upgraded",
        headers="Upgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n",
    ).replace(b"Connection: close", b"Connection: Upgrade, HTTP2-Settings, close")

    response = raw_exchange(server.port, request)

    assert response.status == 200, response
    assert json.loads(response.body)["name"] == "upgraded"
    assert "upgrade" not in server.log().lower()  # nor "No supported WebSocket library"


def test_connect_gets_a_twilio_error(server: RunningEmulator) -> None:
    response = raw_exchange(server.port, b"CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n")

    _assert_twilio_error(response, 400)
