"""Run the emulator for a test, in-process or as a real server; any test module may import these.

- ``emulator_client(settings)``: an ``httpx.AsyncClient`` wired straight into the ASGI app (no socket),
  with the app's lifespan run around it; for behaviour that needs no real HTTP.
- ``emulator_server(...)``: ``python -m twilio_stream_emulator`` as a subprocess on a free loopback port (``--port 0``;
  the port is read from the server's log), yielded once it answers HTTP; stopped with SIGTERM (then
  SIGKILL) on exit. For real clients (SDKs, schemathesis, benchmarks), workers, signals, raw sockets.

Both use the test account below unless told otherwise. Example::

    with emulator_server(db=str(tmp_path / "streams.sqlite3"), workers=2) as server:
        httpx.post(server.base_url + path, auth=server.auth, data={"Status": "stopped"})
"""

import os
import socket
import subprocess
from collections.abc import AsyncIterator, Iterator, MutableMapping
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from twilio_stream_emulator import Settings, create_app
from twilio_stream_emulator.accounts import DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN, Accounts, ApiKey
from twilio_stream_emulator.server import ServerProcess, running

ROOT = Path(__file__).resolve().parent.parent
ACCOUNT_SID = "AC0123456789abcdef0123456789abcdef"
AUTH_TOKEN = "test-auth-token-0123456789"
OTHER_ACCOUNT_SID = "ACfedcba9876543210fedcba9876543210"
OTHER_AUTH_TOKEN = "other-test-auth-token"
CALL_SID = "CA0123456789abcdef0123456789abcdef"
# An API key of the test account (the basic-auth user of a request made with a key).
API_KEY_SID, API_KEY_SECRET = "SK0123456789abcdef0123456789abcdef", "test-api-key-secret"
NO_AUTH = httpx.Auth()  # sends the request as it is: no credentials, or only those in its headers


def emulator_settings(**overrides: Any) -> Settings:
    """In-memory settings with the two test accounts."""
    accounts = Accounts(
        {ACCOUNT_SID: AUTH_TOKEN, OTHER_ACCOUNT_SID: OTHER_AUTH_TOKEN},
        {API_KEY_SID: ApiKey(API_KEY_SECRET, ACCOUNT_SID)},
    )
    # The REST resource alone unless a test asks for media: a Stream then stays in progress until stopped,
    # whatever its Url (with media, an unreachable Url ends it at once, as on Twilio).
    return Settings(**{"accounts": accounts, "db": ":memory:", "stream_media": False, **overrides})


def streams_path(account_sid: str = ACCOUNT_SID, call_sid: str = CALL_SID) -> str:
    """The CreateStream path; append ``/{Sid}.json`` by hand (without ``.json``) for UpdateStream."""
    return f"/2010-04-01/Accounts/{account_sid}/Calls/{call_sid}/Streams.json"


def stream_path(sid_or_encoded_name: str, account_sid: str = ACCOUNT_SID, call_sid: str = CALL_SID) -> str:
    """The UpdateStream path; the caller percent-encodes a name (``quote(name, safe="")``)."""
    return f"/2010-04-01/Accounts/{account_sid}/Calls/{call_sid}/Streams/{sid_or_encoded_name}.json"


@asynccontextmanager
async def emulator_client(settings: Settings | None = None) -> AsyncIterator[httpx.AsyncClient]:
    """An httpx client talking to an in-process emulator, authenticated as the test account."""
    app = create_app(settings or emulator_settings())
    async with app.router.lifespan_context(app) as state:
        # What uvicorn does: every request gets a shallow copy of the lifespan state.
        async def with_state(scope: MutableMapping[str, Any], receive: Any, send: Any) -> None:
            scope["state"] = dict(state or {})
            await app(scope, receive, send)

        transport = httpx.ASGITransport(app=with_state)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://emulator", auth=(ACCOUNT_SID, AUTH_TOKEN)
        ) as client:
            yield client


@dataclass
class RunningEmulator:
    """A live emulator process (see ``twilio_stream_emulator.server``) and the account it serves."""

    server: ServerProcess
    account_sid: str
    auth_token: str

    @property
    def base_url(self) -> str:
        return self.server.base_url

    @property
    def port(self) -> int:
        return self.server.port

    @property
    def process(self) -> "subprocess.Popen[bytes]":
        return self.server.process

    @property
    def auth(self) -> tuple[str, str]:
        return self.account_sid, self.auth_token

    def log(self) -> str:
        return self.server.log()

    def twilio_sdk(self, monkeypatch: "pytest.MonkeyPatch") -> Any:
        """Twilio's SDK, unchanged, pointed at this emulator. TWILIO_EDGE and TWILIO_REGION are unset for
        the test: either would make the SDK rewrite the host it was given."""
        from twilio.rest import Client  # type: ignore[import-untyped]

        for variable in ("TWILIO_EDGE", "TWILIO_REGION"):
            monkeypatch.delenv(variable, raising=False)
        client = Client(*self.auth)
        client.api.base_url = self.base_url
        return client


@contextmanager
def emulator_server(
    *,
    db: str = ":memory:",
    workers: int = 1,
    account_sid: str | None = ACCOUNT_SID,
    auth_token: str | None = AUTH_TOKEN,
    extra_args: tuple[str, ...] = (),
    log_level: str = "info",
    startup_timeout: float = 30.0,
    media: bool = False,
) -> Iterator[RunningEmulator]:
    """The emulator's command on 127.0.0.1 and a free port, with one account (None, None: the defaults);
    the REST resource alone (``--no-media``) unless ``media``."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("TWILIO_", "EMULATOR_"))}
    if account_sid is not None and auth_token is not None:
        env |= {"TWILIO_ACCOUNT_SID": account_sid, "TWILIO_AUTH_TOKEN": auth_token}
        if account_sid == ACCOUNT_SID:
            env |= {"TWILIO_API_KEY": API_KEY_SID, "TWILIO_API_SECRET": API_KEY_SECRET}
    options = ("--db", db, "--workers", str(workers), "--log-level", log_level, *extra_args)
    options += () if media else ("--no-media",)
    with running(*options, env=env, startup_timeout=startup_timeout) as server:
        yield RunningEmulator(server, account_sid or DEFAULT_ACCOUNT_SID, auth_token or DEFAULT_AUTH_TOKEN)


@dataclass
class RawResponse:
    """One HTTP/1.1 answer read off a socket: status (0 if the server sent nothing), headers, body."""

    status: int
    headers: dict[str, str]
    body: bytes


def raw_exchange(port: int, request: bytes, *, half_close: bool = False, timeout: float = 10.0) -> RawResponse:
    """Send bytes as they are (no client fixes them up) and read the answer until the server closes.

    Send ``Connection: close`` in well-formed requests, or the read waits for the keep-alive timeout.
    ``half_close`` shuts the sending side after the bytes, as a client that gives up mid-body.
    """
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as connection:
        connection.sendall(request)
        if half_close:
            connection.shutdown(socket.SHUT_WR)
        received = b""
        try:
            while chunk := connection.recv(65536):
                received += chunk
        except ConnectionResetError:
            pass  # the server closed with unread bytes in its buffer: what it sent before still counts
    if not received:
        return RawResponse(0, {}, b"")
    head, _, body = received.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return RawResponse(int(status_line.split(" ")[1]), headers, body)
