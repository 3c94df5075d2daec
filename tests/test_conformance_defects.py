"""Each defective server changes exactly what it says, and nothing when it does not apply."""

import asyncio
import base64
import json
from typing import Any

import httpx
import pytest
from twilio_stream_conformance.defects import DEFECTS, ASGIApp, DefectMiddleware, Message, Receive, Scope, Send

ACCOUNT_SID = "AC0123456789abcdef0123456789abcdef"
CALL_SID = "CA0123456789abcdef0123456789abcdef"
SID = "MZ0123456789abcdef0123456789abcdef"
CREATE_PATH = f"/2010-04-01/Accounts/{ACCOUNT_SID}/Calls/{CALL_SID}/Streams.json"
STREAM = {
    "sid": SID,
    "account_sid": ACCOUNT_SID,
    "call_sid": CALL_SID,
    "name": "mine",
    "status": "in-progress",
    "date_updated": "Thu, 30 Jul 2015 20:00:00 +0000",
    "uri": f"/2010-04-01/Accounts/{ACCOUNT_SID}/Calls/{CALL_SID}/Streams/{SID}.json",
}
ERROR = {"code": 20404, "message": "Not found", "more_info": "https://www.twilio.com/docs/errors/20404", "status": 404}
CORS = [(b"access-control-allow-credentials", b"true"), (b"access-control-expose-headers", b"ETag")]


def fixed_app(status: int, body: dict[str, Any], seen: list[Scope] | None = None) -> ASGIApp:
    """An ASGI app that always answers `status` with the JSON `body`, and records what it was asked."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if seen is not None:
            seen.append(scope)
        start: Message = {"type": "http.response.start", "status": status}
        start["headers"] = [(b"content-type", b"application/json"), *CORS]
        await send(start)
        await send({"type": "http.response.body", "body": json.dumps(body).encode()})

    return app


def call(defect: str, app: ASGIApp, path: str, headers: dict[str, str] | None = None) -> httpx.Response:
    transport = httpx.ASGITransport(app=DefectMiddleware(app, DEFECTS[defect]()))

    async def send() -> httpx.Response:
        async with httpx.AsyncClient(transport=transport, base_url="http://emulator") as client:
            return await client.post(path, headers=headers, data={"Status": "stopped"})

    return asyncio.run(send())


def test_iso_8601_date_rewrites_date_updated() -> None:
    response = call("iso-8601-date", fixed_app(200, STREAM), CREATE_PATH)

    assert response.json()["date_updated"] == "2015-07-30T20:00:00Z"
    assert response.headers["content-length"] == str(len(response.content))


def test_local_time_date_moves_date_updated_to_plus_one_hour() -> None:
    response = call("local-time-date", fixed_app(200, STREAM), CREATE_PATH)

    assert response.json()["date_updated"] == "Thu, 30 Jul 2015 21:00:00 +0100"


def test_missing_cors_header_drops_expose_headers_only() -> None:
    response = call("missing-cors-header", fixed_app(404, ERROR), CREATE_PATH)

    assert "access-control-expose-headers" not in response.headers
    assert response.headers["access-control-allow-credentials"] == "true"
    assert response.json() == ERROR


def test_error_without_code_leaves_streams_alone() -> None:
    assert call("error-without-code", fixed_app(200, STREAM), CREATE_PATH).json() == STREAM
    assert "code" not in call("error-without-code", fixed_app(404, ERROR), CREATE_PATH).json()


def test_unknown_stream_found_turns_a_404_for_a_sid_into_a_stream() -> None:
    response = call("unknown-stream-found", fixed_app(404, ERROR), STREAM["uri"])

    assert response.status_code == 200
    assert response.json()["sid"] == SID


def test_wrong_password_accepted_replaces_the_token_of_the_known_account(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", ACCOUNT_SID)
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "right")
    seen: list[Scope] = []
    wrong = "Basic " + base64.b64encode(f"{ACCOUNT_SID}:wrong".encode()).decode()

    call("wrong-password-accepted", fixed_app(200, STREAM, seen), CREATE_PATH, headers={"Authorization": wrong})

    authorization = dict(seen[0]["headers"])[b"authorization"]
    assert base64.b64decode(authorization.removeprefix(b"Basic ")) == f"{ACCOUNT_SID}:right".encode()


@pytest.mark.parametrize("defect", sorted(DEFECTS))
def test_every_defect_passes_other_messages_through(defect: str) -> None:
    """A lifespan message (how the emulator opens its store) reaches the app unchanged."""
    seen: list[str] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(scope["type"])

    async def nothing() -> Message:
        return {"type": "lifespan.startup"}

    async def ignore(message: Message) -> None:
        return None

    asyncio.run(DefectMiddleware(app, DEFECTS[defect]())({"type": "lifespan"}, nothing, ignore))

    assert seen == ["lifespan"]
