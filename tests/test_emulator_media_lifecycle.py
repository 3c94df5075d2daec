"""What outlives a Stream: nothing. Sockets, tasks and memory return to their baseline after many Streams;
a killed emulator's Streams end stopped at its next start; a stop on either of two workers ends the media;
ticks that overrun their 20 ms still leave the emulator answering.
"""

import asyncio
import os
import signal
import threading
import time
from pathlib import Path

import httpx
import pytest
import twilio_stream_contract as contract
from twilio_stream_contract import media as media_contract
from twilio_stream_emulator.media.session import Session
from twilio_stream_emulator.media.streams import TICK_S
from twilio_stream_emulator.testing import MediaReceiver

from tests.emulator_server import ACCOUNT_SID, emulator_client, emulator_server, emulator_settings

pytestmark = pytest.mark.slow
STREAMS, BATCH = 1000, 50
WAIT_S = 20.0


def _open_descriptors(pid: int | str = "self") -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def _resident_kib(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text(encoding="utf-8")
    return int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS:")))


async def _create_and_stop(client: httpx.AsyncClient, receiver: MediaReceiver, count: int, account_sid: str) -> None:
    """``count`` Streams, each on a call of its own, streaming until all have started, then all stopped."""
    created = []
    for _ in range(count):
        path = contract.streams_path(account_sid, contract.new_sid(contract.CALL_SID))
        response = await client.post(path, data={"Url": receiver.url})
        assert response.status_code == 200, response.text
        created.append(response.json())
    streams = [await asyncio.to_thread(receiver.stream, stream["sid"], timeout=WAIT_S) for stream in created]
    for stream in streams:
        await asyncio.to_thread(stream.wait_for, media_contract.START, timeout=WAIT_S)
    for sent in created:
        path = contract.stream_uri(account_sid, sent["call_sid"], sent["sid"])
        assert (await client.post(path, data=dict(contract.STOP_FORM))).status_code == 200
    for stream in streams:
        assert await asyncio.to_thread(stream.wait_closed, timeout=WAIT_S) == 1000


@pytest.mark.anyio
async def test_after_a_thousand_streams_no_task_and_no_socket_is_left() -> None:
    with MediaReceiver(max_streams=STREAMS + BATCH) as receiver:
        async with emulator_client(emulator_settings(stream_media=True)) as client:
            await _create_and_stop(client, receiver, BATCH, ACCOUNT_SID)  # warm: first connections, imports
            await asyncio.sleep(0.1)
            # A set, not a count: a task of the warm-up batch may still end after this point.
            tasks, descriptors = asyncio.all_tasks(), _open_descriptors()

            for _ in range(STREAMS // BATCH):
                await _create_and_stop(client, receiver, BATCH, ACCOUNT_SID)

            await asyncio.sleep(0.1)  # the last sessions' tasks end just after their close
            assert asyncio.all_tasks() <= tasks
            assert _open_descriptors() <= descriptors


def test_ticks_that_overrun_their_frame_time_still_let_the_emulator_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    """With hundreds of Streams on a busy machine a tick takes longer than its 20 ms; the pacer must still
    yield to the event loop, or the emulator stops dialling, answering the API and hearing signals. The
    emulator runs in a thread of its own so that a starved loop fails this test instead of hanging it."""
    send_media = Session.send_media

    async def overrunning_send_media(session: Session, tick: int) -> None:
        time.sleep(1.5 * TICK_S)  # holds the loop as sending a tick of many Streams does
        await send_media(session, tick)

    monkeypatch.setattr(Session, "send_media", overrunning_send_media)
    failures: list[BaseException] = []

    async def create_and_stop(receiver: MediaReceiver) -> None:
        async with emulator_client(emulator_settings(stream_media=True)) as client:
            path = contract.streams_path(ACCOUNT_SID, contract.new_sid(contract.CALL_SID))
            created = (await client.post(path, data={"Url": receiver.url})).json()
            stream = await asyncio.to_thread(receiver.stream, created["sid"], timeout=WAIT_S)
            await asyncio.to_thread(stream.wait_for, media_contract.MEDIA, 3, timeout=WAIT_S)  # ticks overran
            stop = contract.stream_uri(ACCOUNT_SID, created["call_sid"], created["sid"])
            assert (await client.post(stop, data=dict(contract.STOP_FORM))).status_code == 200
            assert await asyncio.to_thread(stream.wait_closed, timeout=WAIT_S) == 1000

    def run(receiver: MediaReceiver) -> None:
        try:
            asyncio.run(create_and_stop(receiver))
        except BaseException as failure:  # reported by the test's own thread below
            failures.append(failure)

    with MediaReceiver() as receiver:
        emulator = threading.Thread(target=run, args=(receiver,), daemon=True)
        emulator.start()
        emulator.join(timeout=2 * WAIT_S)
        assert not emulator.is_alive(), "the emulator's event loop starved: the stop was never answered"
    assert failures == []


@pytest.mark.anyio
async def test_after_a_thousand_streams_the_emulators_memory_is_back_to_its_baseline() -> None:
    with (
        MediaReceiver(max_streams=STREAMS + 5 * BATCH) as receiver,
        emulator_server(media=True) as server,
    ):
        pid = server.process.pid
        async with httpx.AsyncClient(base_url=server.base_url, auth=server.auth, timeout=WAIT_S) as client:
            for _ in range(4):  # warm: the allocator's arenas, the first connections
                await _create_and_stop(client, receiver, BATCH, server.account_sid)
            resident, descriptors = _resident_kib(pid), _open_descriptors(pid)

            for _ in range(STREAMS // BATCH):
                await _create_and_stop(client, receiver, BATCH, server.account_sid)

            grown_kib = _resident_kib(pid) - resident
            assert _open_descriptors(pid) <= descriptors
            # A thousand Streams ended: what they may leave is far less than a few of them hold while they run.
            assert grown_kib < 10 * 1024, grown_kib


def test_streams_a_killed_emulator_left_in_progress_end_stopped_at_its_next_start(tmp_path: Path) -> None:
    db = str(tmp_path / "streams.sqlite3")
    with MediaReceiver() as receiver:
        with emulator_server(db=db, media=True) as server:
            call_sid = contract.new_sid(contract.CALL_SID)
            created = httpx.post(
                server.base_url + contract.streams_path(server.account_sid, call_sid),
                data={"Url": receiver.url, "Name": "orphan"},
                auth=server.auth,
            ).json()
            receiver.stream(created["sid"], timeout=WAIT_S).wait_for(media_contract.MEDIA, timeout=WAIT_S)
            os.killpg(server.process.pid, signal.SIGKILL)
            server.process.wait()
        with emulator_server(db=db, media=True) as restarted:
            log = restarted.log()
            again = httpx.post(
                restarted.base_url + contract.streams_path(restarted.account_sid, call_sid),
                data={"Url": receiver.url, "Name": "orphan"},
                auth=restarted.auth,
            )

    assert "1 Stream(s) left in progress by a previous run are stopped" in log
    assert again.status_code == 200  # its name is free: the orphan ended stopped


def test_a_stop_on_either_of_two_workers_ends_the_media(tmp_path: Path) -> None:
    with MediaReceiver() as receiver, emulator_server(db=str(tmp_path / "s.sqlite3"), workers=2, media=True) as server:
        created = []
        for _ in range(8):  # with two workers, some Streams are streamed by the worker that does not stop them
            response = httpx.post(
                server.base_url + contract.streams_path(server.account_sid, contract.new_sid(contract.CALL_SID)),
                data={"Url": receiver.url},
                auth=server.auth,
            )
            created.append(response.json())
        streams = [receiver.stream(stream["sid"], timeout=WAIT_S) for stream in created]
        for stream in streams:
            stream.wait_for(media_contract.MEDIA, timeout=WAIT_S)
        for sent in created:
            path = contract.stream_uri(server.account_sid, sent["call_sid"], sent["sid"])
            with httpx.Client() as fresh:  # a new connection each time: either worker may take it
                assert (
                    fresh.post(server.base_url + path, data=dict(contract.STOP_FORM), auth=server.auth).status_code
                    == 200
                )

        closes = [stream.wait_closed(timeout=WAIT_S) for stream in streams]
        workers = {
            line.split("[")[1].split("]")[0]
            for line in server.log().splitlines()
            if " media " in line and " stop" in line
        }

    assert closes == [1000] * len(created)
    assert all(stream.events()[-1] == media_contract.STOP for stream in streams)
    assert len(workers) == 2, "one worker streamed every Stream: the test proves nothing"
