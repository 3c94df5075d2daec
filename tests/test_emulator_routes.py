"""The routes served are the operations of openapi.yaml, matched on the raw path (emulator/routes.py)."""

from collections.abc import AsyncIterator, MutableMapping
from typing import Any

import httpx
import pytest
import twilio_stream_contract as contract
from twilio_stream_emulator import create_app
from twilio_stream_emulator.routes import ROUTES, STREAM_ROUTES

from tests.emulator_server import (
    ACCOUNT_SID,
    CALL_SID,
    NO_AUTH,
    emulator_client,
    emulator_settings,
    stream_path,
    streams_path,
)

pytestmark = pytest.mark.anyio


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with emulator_client() as client:
        yield client


def test_served_stream_routes_are_the_contracts_operations() -> None:
    # Every route also answers OPTIONS, the browsers' CORS preflight, which is no operation.
    served = {(method, route.path) for route in STREAM_ROUTES for method in route.methods or () if method != "OPTIONS"}

    assert served == {(operation.method, operation.path) for operation in contract.OPERATIONS}


def test_the_only_other_route_is_the_hang_up_of_a_call() -> None:
    assert [(route.path, route.methods) for route in ROUTES if route not in STREAM_ROUTES] == [
        (contract.CALL_PATH, {"OPTIONS", "POST"})
    ]


@pytest.mark.parametrize("method", ["GET", "PUT", "PATCH", "DELETE", "HEAD"])
@pytest.mark.parametrize("path", [streams_path(), stream_path("MZ" + "a" * 32)])
async def test_an_undeclared_method_is_not_allowed(client: httpx.AsyncClient, method: str, path: str) -> None:
    response = await client.request(method, path)

    assert response.status_code == 405
    assert response.headers["allow"] == "OPTIONS, POST"
    if method != "HEAD":
        assert response.json()["code"] == 20004


@pytest.mark.parametrize("path", [streams_path(), stream_path("my-stream")])
async def test_options_is_a_cors_preflight_without_credentials(client: httpx.AsyncClient, path: str) -> None:
    response = await client.options(path, auth=NO_AUTH)

    assert response.status_code == 204
    assert response.headers["allow"] == "OPTIONS, POST"
    assert response.headers["access-control-allow-methods"] == "GET, POST, DELETE, OPTIONS"


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/2010-04-01",
        f"/2010-04-01/Accounts/{ACCOUNT_SID}/Calls/{CALL_SID}/Streams",
        f"/2010-04-01/Accounts/{ACCOUNT_SID}/Calls/{CALL_SID}/Streams.json/",
        f"/2010-04-01/Accounts/{ACCOUNT_SID}/Calls/{CALL_SID}/Streams/.json",
        f"/2010-04-01/Accounts/{ACCOUNT_SID}/Calls/{CALL_SID}/Streams/a/b.json",
        f"/2010-04-01/Accounts/{ACCOUNT_SID}/Calls/{CALL_SID}/Streams/x.xml",
        f"/2010-04-01/accounts/{ACCOUNT_SID}/Calls/{CALL_SID}/Streams.json",
    ],
)
async def test_an_unknown_route_is_not_found_without_credentials(client: httpx.AsyncClient, path: str) -> None:
    response = await client.post(path, auth=NO_AUTH)

    assert response.status_code == 404
    assert response.json()["code"] == 20404
    assert response.json()["message"] == f"The requested resource {path} was not found"


async def test_an_encoded_slash_in_a_sid_stays_in_the_segment(client: httpx.AsyncClient) -> None:
    await client.post(streams_path(), data={"Url": "wss://example.com/", "Name": "a/b"})

    encoded = await client.post(stream_path("a%2Fb"), data={"Status": "stopped"})
    literal = await client.post(stream_path("a/b"), data={"Status": "stopped"})

    assert (encoded.status_code, encoded.json()["name"]) == (200, "a/b")
    assert literal.status_code == 404


async def test_a_query_string_does_not_change_the_route(client: httpx.AsyncClient) -> None:
    response = await client.post(streams_path() + "?Url=ignored", data={"Url": "wss://example.com/"})

    assert response.status_code == 200


async def test_a_websocket_is_closed_unaccepted_whatever_its_path() -> None:
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "websocket.connect"}

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(dict(message))

    app = create_app(emulator_settings())
    for path in (streams_path(), "/"):
        scope = {"type": "websocket", "path": path, "raw_path": path.encode(), "headers": [], "query_string": b""}
        await app(scope, receive, send)

    assert [message["type"] for message in sent] == ["websocket.close", "websocket.close"]
