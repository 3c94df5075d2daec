"""The app factory, and the promise that no request whatsoever makes a server error (emulator/app.py)."""

import asyncio
import base64
import json
import logging
from collections.abc import MutableMapping
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.applications import Starlette
from twilio_stream_emulator import Settings, create_app
from twilio_stream_emulator.app import create_app_from_environment
from twilio_stream_emulator.middleware import RAW_CORS_HEADERS
from twilio_stream_emulator.state import State

from tests.emulator_server import ACCOUNT_SID, AUTH_TOKEN, CALL_SID, emulator_settings
from tests.property_budget import examples

BASIC = b"Basic " + base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode())
PREFIX = f"/2010-04-01/Accounts/{ACCOUNT_SID}/Calls/{CALL_SID}".encode()


async def _call(
    app: Starlette, state: Any, method: str, raw_path: bytes, headers: list[tuple[bytes, bytes]], body: bytes
) -> tuple[int, dict[bytes, bytes], bytes]:
    """One request straight through the ASGI interface, with bytes no HTTP client would send."""
    sent: list[MutableMapping[str, Any]] = []
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": raw_path.decode("latin-1"),
        "raw_path": raw_path,
        "query_string": b"",
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80),
        "state": dict(state),
    }
    chunks = [body[:7], body[7:]] if body else [b""]

    async def receive() -> dict[str, Any]:
        chunk = chunks.pop(0) if chunks else b""
        return {"type": "http.request", "body": chunk, "more_body": bool(chunks)}

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    start = sent[0]
    return start["status"], dict(start["headers"]), b"".join(m.get("body", b"") for m in sent[1:])


_SID_SEGMENTS = st.sampled_from(
    [b"MZ" + b"a" * 32 + b".json", b"%zz.json", b"%c3%28.json", b"%2F.json", b"\xff.json", b"a\r\nb.json", b"x.json"]
)
_TAILS = st.one_of(
    st.just([b"Streams.json"]),
    _SID_SEGMENTS.map(lambda sid: [b"Streams", sid]),
    st.lists(st.sampled_from([b"Streams.json", b"Streams", b"..", b"", b"x.json"]), max_size=2),
)
_FIELDS = [b"Url=wss%3A%2F%2Fe.com%2F", b"Status=stopped", b"Name=%E2%98", b"Name=a", b"Track=x", b"Parameter7.Name=v"]
_BODIES = st.one_of(
    st.binary(max_size=60),
    st.lists(st.sampled_from([*_FIELDS, b"%", b"=", b"&", b"Status"]), max_size=4).map(b"&".join),
)
_AUTHORIZATIONS = st.sampled_from([BASIC, BASIC, BASIC, b"Basic \xff\xfe", b"Basic " + b"=" * 9, None])
_CONTENT_TYPES = st.sampled_from(
    [b"application/x-www-form-urlencoded", b"application/x-www-form-urlencoded; charset=\xff", b"text/plain", None]
)
_CONTENT_LENGTHS = st.sampled_from([b"-1", b"99999999999999999999", b"x", None, None, None])
_HEADERS = st.tuples(_AUTHORIZATIONS, _CONTENT_TYPES, _CONTENT_LENGTHS).map(
    lambda values: [
        (name, value)
        for name, value in zip((b"authorization", b"content-type", b"content-length"), values, strict=True)
        if value is not None
    ]
)


@settings(max_examples=examples(300), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    method=st.sampled_from(["POST", "GET", "OPTIONS", "DELETE", "HEAD"]),
    tail=_TAILS,
    headers=_HEADERS,
    body=_BODIES,
)
def test_no_request_makes_a_server_error(
    method: str, tail: list[bytes], headers: list[tuple[bytes, bytes]], body: bytes
) -> None:
    status, response_headers, content = _APP.run(method, b"/".join([PREFIX, *tail]), headers, body)

    assert status < 500, (status, content)
    for name, value in RAW_CORS_HEADERS:
        assert response_headers[name] == value
    if status >= 400 and method != "HEAD":
        error = json.loads(content)
        assert (error["status"], type(error["code"])) == (status, int)


class _RunningApp:
    """One app with its lifespan entered, on one event loop, shared by the examples of a property test."""

    def __init__(self) -> None:
        self._runner: asyncio.Runner | None = None

    def run(
        self, method: str, raw_path: bytes, headers: list[tuple[bytes, bytes]], body: bytes
    ) -> tuple[int, dict[bytes, bytes], bytes]:
        if self._runner is None:
            self._runner = asyncio.Runner()
            self._app = create_app(emulator_settings(max_body_bytes=40))
            self._lifespan = self._app.router.lifespan_context(self._app)
            self._state = self._runner.run(self._lifespan.__aenter__())
        return self._runner.run(_call(self._app, self._state, method, raw_path, headers, body))

    def close(self) -> None:
        if self._runner is not None:
            self._runner.run(self._lifespan.__aexit__(None, None, None))
            self._runner.close()
            self._runner = None


_APP = _RunningApp()


@pytest.fixture(autouse=True, scope="module")
def _close_the_app() -> Any:
    yield
    _APP.close()


def test_create_app_builds_a_starlette_app_with_the_store_in_its_lifespan() -> None:
    app = create_app(Settings())

    async def lifespan_state() -> Any:
        async with app.router.lifespan_context(app) as state:
            return sorted(state or {})

    assert isinstance(app, Starlette)
    assert asyncio.run(lifespan_state()) == sorted(State.__annotations__)


@pytest.mark.usefixtures("restored_logging_flags")
def test_the_workers_factory_reads_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", ACCOUNT_SID)
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", AUTH_TOKEN)
    monkeypatch.setenv("EMULATOR_DB", ":memory:")
    monkeypatch.delenv("EMULATOR_ACCOUNTS_FILE", raising=False)

    app = create_app_from_environment()

    assert isinstance(app, Starlette)
    assert Settings.from_environment().accounts.tokens == {ACCOUNT_SID: AUTH_TOKEN}
    # and the worker's log records are the lightened ones (no thread name: the format shows none)
    assert logging.LogRecord("emulator", logging.INFO, __file__, 1, "a line", None, None).threadName is None
