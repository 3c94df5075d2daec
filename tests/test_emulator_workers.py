"""Two worker processes share one store: one transition per stop, no duplicate name or SID, one limit."""

import re
import time
from collections.abc import Iterator

import anyio
import httpx
import pytest
from twilio_stream_contract import MAX_TRACKS_PER_CALL

from tests.emulator_server import RunningEmulator, emulator_server, stream_path, streams_path

# Starts an emulator with two worker processes.
pytestmark = [pytest.mark.anyio, pytest.mark.slow]
CONCURRENCY = 40


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningEmulator]:
    db = str(tmp_path_factory.mktemp("workers") / "streams.sqlite3")
    with emulator_server(db=db, workers=2) as server:
        deadline = time.monotonic() + 30
        while server.log().count("Application startup complete") < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        yield server


async def _all_at_once(
    server: RunningEmulator, paths_and_forms: list[tuple[str, dict[str, str]]]
) -> list[httpx.Response]:
    # No keep-alive: every request is a new connection, which either worker may accept.
    limits = httpx.Limits(max_keepalive_connections=0)
    answers: list[httpx.Response] = []
    async with httpx.AsyncClient(base_url=server.base_url, auth=server.auth, limits=limits, timeout=30) as client:

        async def post(path: str, form: dict[str, str]) -> None:
            answers.append(await client.post(path, data=form))

        async with anyio.create_task_group() as group:
            for path, form in paths_and_forms:
                group.start_soon(post, path, form)
    return answers


def _workers_that_answered(server: RunningEmulator) -> set[str]:
    return set(re.findall(r"emulator\.access \[(\d+)\]", server.log()))


async def test_concurrent_creates_of_one_name_make_one_stream(server: RunningEmulator) -> None:
    call_sid = "CA" + "1" * 32
    form = {"Url": "wss://e.com/", "Name": "shared"}

    answers = await _all_at_once(server, [(streams_path(call_sid=call_sid), form)] * CONCURRENCY)

    assert sorted(answer.status_code for answer in answers) == [200] + [400] * (CONCURRENCY - 1)


async def test_concurrent_creates_on_one_call_stop_at_the_limit(server: RunningEmulator) -> None:
    call_sid = "CA" + "2" * 32
    requests = [(streams_path(call_sid=call_sid), {"Url": "wss://e.com/", "Name": f"n{i}"}) for i in range(CONCURRENCY)]

    answers = await _all_at_once(server, requests)

    created = [answer.json()["sid"] for answer in answers if answer.status_code == 200]
    assert len(created) == len(set(created)) == MAX_TRACKS_PER_CALL  # one track each
    assert sum(answer.status_code == 400 for answer in answers) == CONCURRENCY - MAX_TRACKS_PER_CALL


async def test_concurrent_creates_never_share_a_sid(server: RunningEmulator) -> None:
    requests = [(streams_path(call_sid=f"CA{i:032x}"), {"Url": "wss://e.com/"}) for i in range(CONCURRENCY)]

    answers = await _all_at_once(server, requests)

    sids = [answer.json()["sid"] for answer in answers]
    assert len(set(sids)) == CONCURRENCY
    assert len(_workers_that_answered(server)) == 2, "one worker took every connection"


async def test_concurrent_stops_make_one_transition_and_one_answer(server: RunningEmulator) -> None:
    call_sid = "CA" + "3" * 32
    (created,) = await _all_at_once(server, [(streams_path(call_sid=call_sid), {"Url": "wss://e.com/"})])
    path = stream_path(created.json()["sid"], call_sid=call_sid)

    answers = await _all_at_once(server, [(path, {"Status": "stopped"})] * CONCURRENCY)

    assert {answer.status_code for answer in answers} == {200}
    assert len({answer.content for answer in answers}) == 1
    assert answers[0].json()["status"] == "stopped"
