"""Every answer in Twilio's words and with the CORS headers, whatever fails below (emulator/middleware.py)."""

import sqlite3

import pytest
from twilio_stream_contract import CORS_HEADERS
from twilio_stream_emulator.store import Store

from tests.emulator_server import emulator_client, stream_path

pytestmark = pytest.mark.anyio


def _fail_with(exc: Exception) -> object:
    def stop(*args: object) -> None:
        raise exc

    return stop


@pytest.mark.parametrize(
    ("exc", "status", "code"),
    [
        (RuntimeError("a bug"), 500, 20500),
        (sqlite3.OperationalError("disk I/O error"), 500, 20500),
        (sqlite3.OperationalError("database is locked"), 429, 20429),
    ],
)
async def test_an_unexpected_exception_is_a_twilio_error_without_traceback(
    monkeypatch: pytest.MonkeyPatch, exc: Exception, status: int, code: int
) -> None:
    monkeypatch.setattr(Store, "stop", _fail_with(exc))

    async with emulator_client() as client:
        response = await client.post(stream_path("x"), data={"Status": "stopped"})

    assert (response.status_code, response.json()["code"]) == (status, code)
    assert "Traceback" not in response.text
    assert [response.headers.get(name) for name, _ in CORS_HEADERS] == [value for _, value in CORS_HEADERS]
