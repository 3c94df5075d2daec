"""The two operations of the emulator, in-process: shapes, rules, errors (see emulator/responses.py)."""

import asyncio
import base64
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote

import httpx
import jsonschema_rs
import pytest
import twilio_stream_contract as contract
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from twilio_stream_contract import CALL_PATH, CORS_HEADERS, MAX_TRACKS_PER_CALL, TRACKS_OF
from twilio_stream_emulator import responses

from tests.emulator_server import (
    ACCOUNT_SID,
    API_KEY_SECRET,
    API_KEY_SID,
    AUTH_TOKEN,
    CALL_SID,
    NO_AUTH,
    OTHER_ACCOUNT_SID,
    OTHER_AUTH_TOKEN,
    emulator_client,
    emulator_settings,
    stream_path,
    streams_path,
)
from tests.property_budget import examples

pytestmark = pytest.mark.anyio


def _schema(name: str) -> jsonschema_rs.Validator:
    return jsonschema_rs.validator_for(contract.json_schema(name))


STREAM_SCHEMA, ERROR_SCHEMA = _schema("Stream"), _schema("TwilioError")
URL = "wss://example.com/media"
STOP = {"Status": "stopped"}


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with emulator_client() as client:
        yield client


async def _create(client: httpx.AsyncClient, **fields: str) -> dict[str, Any]:
    response = await client.post(streams_path(), data={"Url": URL, **fields})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _assert_error(response: httpx.Response, status: int, code: int, message_part: str = "") -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    ERROR_SCHEMA.validate(body)
    assert (body["status"], body["code"]) == (status, code)
    assert body["more_info"] == f"https://www.twilio.com/docs/errors/{code}"
    assert message_part in body["message"]
    return body


# --- CreateStream -------------------------------------------------------------------------------------


async def test_create_answers_a_contract_stream_in_progress(client: httpx.AsyncClient) -> None:
    response = await client.post(streams_path(), data={"Url": URL, "Name": "my-stream", "Track": "both_tracks"})

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    STREAM_SCHEMA.validate(body)
    assert list(body) == ["sid", "account_sid", "call_sid", "name", "status", "date_updated", "uri"]
    assert re.fullmatch(r"MZ[0-9a-f]{32}", body["sid"])
    assert (body["account_sid"], body["call_sid"], body["name"], body["status"]) == (
        ACCOUNT_SID,
        CALL_SID,
        "my-stream",
        "in-progress",
    )
    assert body["uri"] == f"/2010-04-01/Accounts/{ACCOUNT_SID}/Calls/{CALL_SID}/Streams/{body['sid']}.json"


async def test_create_dates_the_stream_now_in_rfc_2822_utc(client: httpx.AsyncClient) -> None:
    body = await _create(client)

    assert body["date_updated"].endswith(" +0000")
    date_updated = parsedate_to_datetime(body["date_updated"])
    assert abs(datetime.now(UTC) - date_updated) < timedelta(seconds=5)


async def test_create_without_name_answers_null_name(client: httpx.AsyncClient) -> None:
    assert (await _create(client))["name"] is None


async def test_create_with_empty_name_answers_null_name(client: httpx.AsyncClient) -> None:
    first, second = await _create(client, Name=""), await _create(client, Name="")

    assert (first["name"], second["name"]) == (None, None)


async def test_create_gives_every_stream_its_own_sid(client: httpx.AsyncClient) -> None:
    calls = ["CA" + digit * 32 for digit in "0123456789"]
    sids = {(await _create_on(client, call))["sid"] for call in calls}

    assert len(sids) == len(calls)


async def _create_on(client: httpx.AsyncClient, call_sid: str, **fields: str) -> dict[str, Any]:
    response = await client.post(streams_path(call_sid=call_sid), data={"Url": URL, **fields})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_create_accepts_every_documented_field(client: httpx.AsyncClient) -> None:
    fields = {
        "Track": "outbound_track",
        "StatusCallback": "https://example.com/status?x=1",
        "StatusCallbackMethod": "GET",
        "Parameter1.Name": "customer",
        "Parameter1.Value": "42",
        "Parameter99.Name": "last",
        "Parameter99.Value": "",
    }

    body = await _create(client, **fields)

    assert body["status"] == "in-progress"


def _every_mix_of_tracks(length: int) -> list[tuple[str, ...]]:
    mixes: list[tuple[str, ...]] = [()]
    for _ in range(length):
        mixes = [(*mix, track) for mix in mixes for track in TRACKS_OF]
    return mixes


# Every sequence of creates one Stream longer than the limit allows of single-track Streams.
MIXES_OF_TRACKS = _every_mix_of_tracks(MAX_TRACKS_PER_CALL + 1)


async def test_the_limit_of_a_call_counts_tracks_for_every_mix_of_tracks(client: httpx.AsyncClient) -> None:
    """Each create of the sequence is accepted exactly when its tracks fit beside those in progress:
    an inbound or outbound Stream takes one of the call's tracks, a both_tracks Stream two."""
    for number, mix in enumerate(MIXES_OF_TRACKS):
        call_sid = f"CA{number:032x}"
        in_use = 0
        for track in mix:
            response = await client.post(streams_path(call_sid=call_sid), data={"Url": URL, "Track": track})
            needed = len(TRACKS_OF[track])
            if in_use + needed <= MAX_TRACKS_PER_CALL:
                assert response.status_code == 200, (mix, response.text)
                in_use += needed
            else:
                message = (
                    f"already streams {in_use} of its {MAX_TRACKS_PER_CALL} tracks; a {track} Stream needs {needed}"
                )
                _assert_error(response, 400, 20001, message)


async def test_create_after_a_stop_frees_its_tracks(client: httpx.AsyncClient) -> None:
    both = [await _create(client, Track="both_tracks") for _ in range(MAX_TRACKS_PER_CALL // 2)]
    refused = await client.post(streams_path(), data={"Url": URL})
    await client.post(stream_path(both[0]["sid"]), data=STOP)

    assert refused.status_code == 400
    assert (await _create(client, Track="both_tracks"))["status"] == "in-progress"


async def test_create_limit_counts_per_call(client: httpx.AsyncClient) -> None:
    for _ in range(MAX_TRACKS_PER_CALL):
        await _create(client)

    response = await client.post(streams_path(call_sid="CA" + "f" * 32), data={"Url": URL})

    assert response.status_code == 200


async def test_create_with_a_name_in_progress_on_the_call_is_refused(client: httpx.AsyncClient) -> None:
    await _create(client, Name="my-stream")

    response = await client.post(streams_path(), data={"Url": URL, "Name": "my-stream"})

    _assert_error(response, 400, 20001, "A Stream named my-stream is already in progress")


async def test_create_may_reuse_the_name_of_a_stopped_stream(client: httpx.AsyncClient) -> None:
    first = await _create(client, Name="my-stream")
    await client.post(stream_path("my-stream"), data=STOP)

    second = await _create(client, Name="my-stream")

    assert second["sid"] != first["sid"]


async def test_create_may_reuse_a_name_on_another_call(client: httpx.AsyncClient) -> None:
    await _create(client, Name="my-stream")

    response = await client.post(streams_path(call_sid="CA" + "e" * 32), data={"Url": URL, "Name": "my-stream"})

    assert response.status_code == 200


# --- UpdateStream -------------------------------------------------------------------------------------


async def test_stop_by_sid_answers_the_stream_stopped(client: httpx.AsyncClient) -> None:
    created = await _create(client, Name="my-stream")

    response = await client.post(stream_path(created["sid"]), data=STOP)

    assert response.status_code == 200
    body = response.json()
    STREAM_SCHEMA.validate(body)
    assert body == {**created, "status": "stopped", "date_updated": body["date_updated"]}


async def test_stop_by_name_stops_the_stream_of_that_name(client: httpx.AsyncClient) -> None:
    created = await _create(client, Name="my-stream")

    body = (await client.post(stream_path("my-stream"), data=STOP)).json()

    assert (body["sid"], body["status"]) == (created["sid"], "stopped")


async def test_stop_by_name_picks_the_in_progress_stream_of_that_name(client: httpx.AsyncClient) -> None:
    await _create(client, Name="my-stream")
    await client.post(stream_path("my-stream"), data=STOP)
    live = await _create(client, Name="my-stream")

    body = (await client.post(stream_path("my-stream"), data=STOP)).json()

    assert (body["sid"], body["status"]) == (live["sid"], "stopped")


async def test_stop_by_name_when_all_are_stopped_answers_the_latest(client: httpx.AsyncClient) -> None:
    await _create(client, Name="my-stream")
    await client.post(stream_path("my-stream"), data=STOP)
    latest = await _create(client, Name="my-stream")
    await client.post(stream_path("my-stream"), data=STOP)

    body = (await client.post(stream_path("my-stream"), data=STOP)).json()

    assert body["sid"] == latest["sid"]


async def test_stop_again_answers_the_stream_unchanged(client: httpx.AsyncClient) -> None:
    created = await _create(client)
    first = (await client.post(stream_path(created["sid"]), data=STOP)).json()

    again = await client.post(stream_path(created["sid"]), data=STOP)

    assert again.status_code == 200
    assert again.json() == first


async def test_concurrent_stops_answer_one_and_the_same_stream(client: httpx.AsyncClient) -> None:
    created = await _create(client)

    answers = await asyncio.gather(*(client.post(stream_path(created["sid"]), data=STOP) for _ in range(20)))

    assert {answer.status_code for answer in answers} == {200}
    assert len({answer.content for answer in answers}) == 1


@pytest.mark.parametrize(
    "name",
    [
        "a/b",
        "a?b#c",
        "with spaces",
        "naïve ☃ 名前",
        "..",
        "../../etc/passwd",
        "'; DROP TABLE streams; --",
        "a\r\nb",
        "%41",
    ],
)
async def test_stop_by_name_takes_any_percent_encoded_name(client: httpx.AsyncClient, name: str) -> None:
    created = await _create(client, Name=name)

    response = await client.post(stream_path(quote(name, safe="")), data=STOP)

    assert response.status_code == 200, response.text
    assert (response.json()["sid"], response.json()["name"]) == (created["sid"], name)


def test_any_name_round_trips_through_create_and_stop_by_name() -> None:
    with asyncio.Runner() as runner:
        context = emulator_client()
        client = runner.run(context.__aenter__())
        try:

            @settings(max_examples=examples(60), deadline=None, suppress_health_check=[HealthCheck.too_slow])
            @given(name=st.text(min_size=1, max_size=40))
            def check(name: str) -> None:
                call_sid = "CA" + format(abs(hash(name)) % 16**32, "032x")
                create = runner.run(client.post(streams_path(call_sid=call_sid), data={"Url": URL, "Name": name}))
                stop = runner.run(client.post(stream_path(quote(name, safe=""), call_sid=call_sid), data=STOP))
                assert create.status_code == 200, create.text
                assert stop.status_code == 200, stop.text
                assert (stop.json()["sid"], stop.json()["name"]) == (create.json()["sid"], name)

            check()
        finally:
            runner.run(context.__aexit__(None, None, None))


async def test_stop_of_an_unknown_stream_is_not_found(client: httpx.AsyncClient) -> None:
    path = stream_path("MZ" + "0" * 32)

    response = await client.post(path, data=STOP)

    _assert_error(response, 404, 20404, f"The requested resource {path} was not found")


async def test_stop_of_a_stream_of_another_call_is_not_found(client: httpx.AsyncClient) -> None:
    created = await _create(client, Name="my-stream")

    by_sid = await client.post(stream_path(created["sid"], call_sid="CA" + "b" * 32), data=STOP)
    by_name = await client.post(stream_path("my-stream", call_sid="CA" + "b" * 32), data=STOP)

    _assert_error(by_sid, 404, 20404)
    _assert_error(by_name, 404, 20404)


@pytest.mark.parametrize("encoded_sid", ["%zz", "%4", "%ff", "%c3%28"])
async def test_stop_with_an_undecodable_sid_is_not_found(client: httpx.AsyncClient, encoded_sid: str) -> None:
    response = await client.post(stream_path(encoded_sid), data=STOP)

    _assert_error(response, 404, 20404)


# --- Accounts -----------------------------------------------------------------------------------------


async def test_another_account_cannot_see_or_stop_a_stream() -> None:
    async with emulator_client(emulator_settings()) as client:
        created = await _create(client, Name="mine")
        other = (OTHER_ACCOUNT_SID, OTHER_AUTH_TOKEN)

        in_my_path = await client.post(stream_path(created["sid"]), data=STOP, auth=other)
        in_its_path = await client.post(
            stream_path(created["sid"], account_sid=OTHER_ACCOUNT_SID), data=STOP, auth=other
        )
        by_name = await client.post(stream_path("mine", account_sid=OTHER_ACCOUNT_SID), data=STOP, auth=other)
        still_mine = await client.post(stream_path(created["sid"]), data=STOP)

    _assert_error(in_my_path, 404, 20404)
    _assert_error(in_its_path, 404, 20404)
    _assert_error(by_name, 404, 20404)
    assert still_mine.json()["status"] == "stopped"


async def test_create_in_another_accounts_path_is_not_found(client: httpx.AsyncClient) -> None:
    response = await client.post(streams_path(account_sid=OTHER_ACCOUNT_SID), data={"Url": URL})

    _assert_error(response, 404, 20404)


@pytest.mark.parametrize(
    "call_sid", ["CA123", "CA" + "g" * 32, "XX" + "a" * 32, "CA" + "a" * 33, "CA" + "a" * 32 + "%0A"]
)
async def test_create_on_a_malformed_call_sid_is_not_found(client: httpx.AsyncClient, call_sid: str) -> None:
    response = await client.post(streams_path(call_sid=call_sid), data={"Url": URL})

    _assert_error(response, 404, 20404)


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "Basic",
        "Basic !!!not-base64!!!",
        "Bearer " + "a" * 20,
        "Basic " + "QUNhYWFh",  # "ACaaaa": no colon
        "Basic QUMwMTIzNDU2Nzg5YWJjZGVmMDEyMzQ1Njc4OWFiY2RlZjp3cm9uZw==",  # the test SID, a wrong token
        "Basic QUNmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmY6dGVzdC1hdXRoLXRva2VuLTAxMjM0NTY3ODk=",  # unknown SID
    ],
)
@pytest.mark.parametrize("operation", ["create", "update"])
async def test_without_valid_credentials_every_api_request_is_unauthorized(
    client: httpx.AsyncClient, authorization: str | None, operation: str
) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    path = streams_path() if operation == "create" else stream_path("anything")
    # Even a request that is wrong in every other way answers 401 first.
    response = await client.post(path, content=b"\xff", headers=headers, auth=NO_AUTH)

    body = _assert_error(response, 401, 20003, "Authenticate")
    assert body["detail"] == "Your AccountSid or AuthToken was incorrect."
    assert response.headers["www-authenticate"] == 'Basic realm="Twilio API"'


def _basic(account_sid: str, auth_token: str) -> str:
    return "Basic " + base64.b64encode(f"{account_sid}:{auth_token}".encode()).decode()


@pytest.mark.parametrize("test_account_first", [True, False])
async def test_two_authorization_headers_are_unauthorized(client: httpx.AsyncClient, test_account_first: bool) -> None:
    # Each header alone proves an account; together they are ambiguous.
    both = [
        ("Authorization", _basic(ACCOUNT_SID, AUTH_TOKEN)),
        ("Authorization", _basic(OTHER_ACCOUNT_SID, OTHER_AUTH_TOKEN)),
    ]
    headers = both if test_account_first else both[::-1]

    response = await client.post(streams_path(), data={"Url": URL}, headers=headers, auth=NO_AUTH)

    _assert_error(response, 401, 20003)


async def test_unauthorized_in_another_accounts_path_is_still_unauthorized(client: httpx.AsyncClient) -> None:
    response = await client.post(streams_path(account_sid=OTHER_ACCOUNT_SID), data={"Url": URL}, auth=NO_AUTH)

    _assert_error(response, 401, 20003)


# --- Form bodies --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "message_part"),
    [
        ({}, "Missing required parameter Url in the post body"),
        ({"Name": "x"}, "Missing required parameter Url"),
        ({"Url": ""}, "Invalid parameter Url"),
        ({"Url": "/relative/path"}, "Invalid parameter Url"),
        ({"Url": "wss://exa mple.com"}, "Invalid parameter Url"),
        ({"Url": URL, "StatusCallback": "not a uri"}, "Invalid parameter StatusCallback"),
        ({"Url": URL, "Track": "left_track"}, "Invalid parameter Track"),
        ({"Url": URL, "Track": ""}, "Invalid parameter Track"),
        ({"Url": URL, "StatusCallbackMethod": "get"}, "Invalid parameter StatusCallbackMethod"),
    ],
)
async def test_create_with_an_invalid_form_is_a_bad_request(
    client: httpx.AsyncClient, fields: dict[str, str], message_part: str
) -> None:
    response = await client.post(streams_path(), data=fields)

    _assert_error(response, 400, 20001, message_part)


@pytest.mark.parametrize(
    ("fields", "message_part"),
    [
        ({}, "Missing required parameter Status in the post body"),
        ({"Status": "in-progress"}, "Invalid parameter Status"),
        ({"Status": "STOPPED"}, "Invalid parameter Status"),
    ],
)
async def test_stop_with_an_invalid_form_is_a_bad_request(
    client: httpx.AsyncClient, fields: dict[str, str], message_part: str
) -> None:
    created = await _create(client)

    response = await client.post(stream_path(created["sid"]), data=fields)

    _assert_error(response, 400, 20001, message_part)


@pytest.mark.parametrize(
    ("content", "content_type", "message_part"),
    [
        (b"Status=stopped", None, "must be application/x-www-form-urlencoded"),
        (b'{"Status": "stopped"}', "application/json", "must be application/x-www-form-urlencoded"),
        (b"Status=stopped", "application/x-www-form-urlencoded; charset=latin-1", "in UTF-8"),
        (b"Status=stop\xffped", "application/x-www-form-urlencoded", "not a valid UTF-8"),
        (b"Status=stop%ffped", "application/x-www-form-urlencoded", "not a valid UTF-8"),
        (b"Status=stop%2", "application/x-www-form-urlencoded", "not a valid UTF-8"),
        (b"Status=%zzstopped", "application/x-www-form-urlencoded", "not a valid UTF-8"),
    ],
)
async def test_stop_with_a_malformed_body_is_a_bad_request(
    client: httpx.AsyncClient, content: bytes, content_type: str | None, message_part: str
) -> None:
    created = await _create(client)
    headers = {} if content_type is None else {"Content-Type": content_type}

    response = await client.post(stream_path(created["sid"]), content=content, headers=headers)

    _assert_error(response, 400, 20001, message_part)


UNKNOWN_FIELDS = {"Status": "stopped", "Parameter100.Name": "x", "url": URL, "AudioFormat": "audio/x-l16"}


async def test_create_ignores_fields_it_does_not_know(client: httpx.AsyncClient) -> None:
    """Twilio drops a field it does not know and answers as if it were absent; so does the emulator."""
    with_unknown = await _create(client, Name="a", **UNKNOWN_FIELDS)
    without = await _create(client, Name="b")

    assert with_unknown["status"] == without["status"] == "in-progress"
    assert set(with_unknown) == set(without)


async def test_stop_ignores_fields_it_does_not_know(client: httpx.AsyncClient) -> None:
    created = await _create(client)

    response = await client.post(stream_path(created["sid"]), data={**STOP, "Url": URL, "Reason": "done"})

    assert (response.status_code, response.json()["status"]) == (200, "stopped")


async def test_of_a_repeated_field_the_first_value_counts(client: httpx.AsyncClient) -> None:
    headers = {"Content-Type": "application/x-www-form-urlencoded"}

    created = await client.post(
        streams_path(), content=b"Url=wss%3A%2F%2Fa.example&Name=first&Name=second", headers=headers
    )
    refused = await client.post(
        stream_path(created.json()["sid"]), content=b"Status=paused&Status=stopped", headers=headers
    )

    assert (created.status_code, created.json()["name"]) == (200, "first")
    _assert_error(refused, 400, 20001, "Invalid parameter Status")


@pytest.mark.parametrize(
    ("content", "message_part"),
    [
        (b"Url=wss%3A%2F%2Fa.example&AudioFormat=x", "Unknown parameter AudioFormat"),
        (b"Url=wss%3A%2F%2Fa.example&Parameter100.Name=x", "Unknown parameter Parameter100.Name"),
        (b"Url=wss%3A%2F%2Fa.example&Name=a&Name=b", "Parameter Name is given more than once"),
    ],
)
async def test_strict_forms_refuse_unknown_and_repeated_fields(content: bytes, message_part: str) -> None:
    async with emulator_client(emulator_settings(strict_forms=True)) as client:
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        response = await client.post(streams_path(), content=content, headers=headers)

    _assert_error(response, 400, 20001, message_part)


async def test_stop_accepts_charset_utf_8_and_plus_escapes(client: httpx.AsyncClient) -> None:
    created = await _create(client, Name="a b")
    headers = {"Content-Type": "application/x-www-form-urlencoded; charset=UTF-8"}

    response = await client.post(stream_path("a+b"), content=b"Status=stopped&", headers=headers)
    by_space = await client.post(stream_path("a%20b"), content=b"%53tatus=stopped", headers=headers)

    assert response.status_code == 404  # "+" is a plus in a path, not a space
    assert (by_space.status_code, by_space.json()["sid"]) == (200, created["sid"])


async def test_a_body_over_the_limit_is_too_large() -> None:
    async with emulator_client(emulator_settings(max_body_bytes=1024)) as client:
        response = await client.post(streams_path(), data={"Url": URL, "Name": "x" * 2000})

    _assert_error(response, 413, 20001, "larger than 1024 bytes")


async def test_a_streamed_body_over_the_limit_is_too_large() -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(8):
            yield b"Name=" + b"x" * 200 + b"&"

    async with emulator_client(emulator_settings(max_body_bytes=1024)) as client:
        response = await client.post(
            streams_path(), content=chunks(), headers={"Content-Type": "application/x-www-form-urlencoded"}
        )

    _assert_error(response, 413, 20001)


async def test_a_malformed_content_length_is_a_bad_request(client: httpx.AsyncClient) -> None:
    response = await client.post(streams_path(), data={"Url": URL}, headers={"Content-Length": "lots"})

    _assert_error(response, 400, 20001)


# --- Every answer ------------------------------------------------------------------------------------


async def test_every_answer_carries_the_cors_headers(client: httpx.AsyncClient) -> None:
    created = await _create(client)
    answers = [
        await client.post(stream_path(created["sid"]), data=STOP),
        await client.post(streams_path(), data={}),
        await client.post(streams_path(), data={"Url": URL}, auth=NO_AUTH),
        await client.post(stream_path("nothing"), data=STOP),
        await client.get(streams_path()),
        await client.options(streams_path()),
        await client.post("/not/a/route"),
    ]

    for answer in answers:
        assert [answer.headers.get(name) for name, _ in CORS_HEADERS] == [value for _, value in CORS_HEADERS]
    assert [answer.status_code for answer in answers] == [200, 400, 401, 404, 405, 204, 404]


# --- API keys -----------------------------------------------------------------------------------------


async def test_an_api_key_makes_requests_of_its_account(client: httpx.AsyncClient) -> None:
    response = await client.post(streams_path(), data={"Url": URL}, auth=(API_KEY_SID, API_KEY_SECRET))

    assert (response.status_code, response.json()["account_sid"]) == (200, ACCOUNT_SID)


async def test_an_api_key_on_another_accounts_path_finds_nothing(client: httpx.AsyncClient) -> None:
    response = await client.post(
        streams_path(account_sid=OTHER_ACCOUNT_SID), data={"Url": URL}, auth=(API_KEY_SID, API_KEY_SECRET)
    )

    _assert_error(response, 404, 20404)


async def test_an_api_key_with_a_wrong_secret_is_unauthorized(client: httpx.AsyncClient) -> None:
    response = await client.post(streams_path(), data={"Url": URL}, auth=(API_KEY_SID, AUTH_TOKEN))

    _assert_error(response, 401, 20003)


# --- Calls: the hang-up ------------------------------------------------------------------------------


def call_path(account_sid: str = ACCOUNT_SID, call_sid: str = CALL_SID) -> str:
    return CALL_PATH.format(AccountSid=account_sid, CallSid=call_sid)


async def test_a_hang_up_stops_the_streams_of_the_call_only(client: httpx.AsyncClient) -> None:
    named, unnamed = await _create(client, Name="a"), await _create(client)
    await _create_on(client, "CA" + "e" * 32, Name="a")

    hang_up = await client.post(call_path(), data={"Status": "completed"})
    stopped = [(await client.post(stream_path(sid), data=STOP)).json() for sid in (named["sid"], unnamed["sid"])]
    # The other call's Stream still holds its name: it is still in progress.
    name_taken = await client.post(streams_path(call_sid="CA" + "e" * 32), data={"Url": URL, "Name": "a"})

    call = hang_up.json()
    assert (hang_up.status_code, call["sid"], call["account_sid"], call["status"]) == (
        200,
        CALL_SID,
        ACCOUNT_SID,
        "completed",
    )
    assert call["uri"] == call_path()
    assert [(stream["status"], stream["date_updated"]) for stream in stopped] == [("stopped", call["date_updated"])] * 2
    _assert_error(name_taken, 400, 20001, "A Stream named a is already in progress")


async def test_a_create_on_an_ended_call_is_21220(client: httpx.AsyncClient) -> None:
    await client.post(call_path(), data={"Status": "completed"})

    response = await client.post(streams_path(), data={"Url": URL})

    _assert_error(response, 400, 21220, f"Call {CALL_SID} is not in progress")


async def test_hanging_up_twice_keeps_the_time_of_the_first(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = (await client.post(call_path(), data={"Status": "completed"})).json()
    monkeypatch.setattr(responses, "rfc2822_now", lambda: "Fri, 31 Jul 2015 20:00:00 +0000")  # a later clock

    again = (await client.post(call_path(), data={"Status": "completed"})).json()

    assert again == first


@pytest.mark.parametrize("fields", [{}, {"Status": "canceled"}, {"Url": "https://example.com/twiml"}])
async def test_a_call_update_that_is_no_hang_up_leaves_the_call_in_progress(
    client: httpx.AsyncClient, fields: dict[str, str]
) -> None:
    created = await _create(client)

    call = (await client.post(call_path(), data=fields)).json()

    assert (call["status"], call["date_updated"]) == ("in-progress", None)
    assert (await client.post(stream_path(created["sid"]), data=STOP)).json()["status"] == "stopped"


@pytest.mark.parametrize(
    ("path", "fields", "status", "code"),
    [
        (call_path(), {"Status": "busy"}, 400, 20001),
        (call_path(call_sid="CAnot-a-sid"), {"Status": "completed"}, 404, 20404),
        (call_path(account_sid=OTHER_ACCOUNT_SID), {"Status": "completed"}, 404, 20404),
    ],
    ids=["status-of-no-hang-up", "malformed-call-sid", "another-account"],
)
async def test_a_call_update_that_cannot_apply_is_a_twilio_error(
    client: httpx.AsyncClient, path: str, fields: dict[str, str], status: int, code: int
) -> None:
    response = await client.post(path, data=fields)

    _assert_error(response, status, code)
    assert (await _create(client))["status"] == "in-progress"
