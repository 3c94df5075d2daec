"""twilio_stream_emulator.testing.MediaReceiver records what a sender sends, as it arrives.

Driven by a real `websockets` client on loopback: the sync client for scripted sequences, the asyncio
client where a test needs a send that may block (a receiver that stops reading).
"""

import asyncio
import base64
import json
import socket
import time
from typing import Any

import httpx
import pytest
from twilio_stream_emulator.testing import LocalServer, MediaReceiver, ReceivedMessage, StatusCallbackRecorder
from websockets.asyncio.client import connect as async_connect
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import ClientConnection, connect

STREAM_SID = "MZ" + "0" * 32


def media(track: str, chunk: int, payload: bytes, sequence: int) -> str:
    return json.dumps(
        {
            "event": "media",
            "sequenceNumber": str(sequence),
            "media": {
                "track": track,
                "chunk": str(chunk),
                "timestamp": str(20 * chunk),
                "payload": base64.b64encode(payload).decode(),
            },
            "streamSid": STREAM_SID,
        }
    )


def start() -> str:
    return json.dumps(
        {"event": "start", "sequenceNumber": "1", "start": {"streamSid": STREAM_SID}, "streamSid": STREAM_SID}
    )


def send_until_closed(sender: ClientConnection, messages: list[str]) -> ConnectionClosed:
    """Send ``messages``, then wait for the receiver's close: the close it sent, whether it reached the
    sender during its sends or after them."""
    try:
        for message in messages:
            sender.send(message)
        sender.recv(timeout=5)
    except ConnectionClosed as closed:
        return closed
    pytest.fail("the receiver never closed")


def test_a_connection_is_recorded_with_its_request() -> None:
    with MediaReceiver() as receiver:
        with connect(receiver.url_for("/media/a%20b?x=1&y=2"), additional_headers={"X-Twilio-Signature": "sig="}):
            pass
        stream = receiver.next_stream(timeout=5)

    assert receiver.url.startswith("ws://127.0.0.1:")
    assert receiver.url.endswith("/media")
    assert (stream.path, stream.query) == ("/media/a%20b", "x=1&y=2")
    assert stream.headers["x-twilio-signature"] == "sig="
    assert stream.url_as_seen == receiver.url_for("/media/a%20b?x=1&y=2")


def test_every_kind_of_message_is_recorded_in_order_with_its_arrival_time() -> None:
    with MediaReceiver() as receiver:
        before = time.monotonic()
        with connect(receiver.url) as sender:
            sender.send(json.dumps({"event": "connected", "protocol": "Call", "version": "1.0.0"}))
            sender.send("not JSON")
            sender.send(b"\x00\xff")
            sender.send("[1, 2]")
        stream = receiver.next_stream(timeout=5)
        stream.wait_closed(timeout=5)

    received = stream.messages
    assert [(m.text, m.data) for m in received] == [
        ('{"event": "connected", "protocol": "Call", "version": "1.0.0"}', None),
        ("not JSON", None),
        (None, b"\x00\xff"),
        ("[1, 2]", None),
    ]
    assert [m.json for m in received] == [
        {"event": "connected", "protocol": "Call", "version": "1.0.0"},
        None,
        None,
        [1, 2],
    ]
    assert stream.events() == ["connected", None, None, None]
    assert before <= received[0].at <= received[1].at <= received[2].at <= received[3].at <= time.monotonic()


def test_start_media_and_audio_are_read_per_track() -> None:
    inbound, outbound = [bytes([n]) * 160 for n in (1, 2)], [bytes([n]) * 160 for n in (3, 4)]
    with MediaReceiver() as receiver, connect(receiver.url) as sender:
        sender.send(start())
        for chunk, (a, b) in enumerate(zip(inbound, outbound, strict=True), start=1):
            sender.send(media("inbound", chunk, a, 2 * chunk))
            sender.send(media("outbound", chunk, b, 2 * chunk + 1))
        stream = receiver.next_stream(timeout=5)
        received = stream.wait_for("media", count=4, timeout=5)

    assert len(received) == 4
    assert stream.start is not None
    assert stream.start["event"] == "start"
    assert stream.stream_sid == STREAM_SID
    assert [m.track for m in stream.media("inbound")] == ["inbound", "inbound"]
    assert stream.audio("inbound") == b"".join(inbound)
    assert stream.audio("outbound") == b"".join(outbound)


def test_wait_for_times_out_saying_what_arrived() -> None:
    with MediaReceiver() as receiver, connect(receiver.url) as sender:
        sender.send(start())
        stream = receiver.next_stream(timeout=5)
        with pytest.raises(
            TimeoutError, match=r"expected 3 'media' message\(s\) within 0.2 s, got 0; timed out after 1"
        ):
            stream.wait_for("media", count=3, timeout=0.2)


def test_wait_for_gives_up_at_once_when_the_connection_closed_without_them() -> None:
    with MediaReceiver() as receiver:
        with connect(receiver.url) as sender:
            sender.send(start())
        stream = receiver.next_stream(timeout=5)
        began = time.monotonic()
        with pytest.raises(TimeoutError, match=r"got 0; the connection closed \(1000\)"):
            stream.wait_for("media", timeout=30)

    assert time.monotonic() - began < 10


def test_the_senders_close_code_and_reason_are_recorded() -> None:
    with MediaReceiver() as receiver:
        with connect(receiver.url) as sender:
            sender.close(4001, "going away now")
        stream = receiver.next_stream(timeout=5)
        code = stream.wait_closed(timeout=5)

    assert (code, stream.close_code, stream.close_reason) == (4001, 4001, "going away now")
    assert stream.closed
    assert not stream.closed_by_receiver
    assert stream.closed_at is not None
    assert stream.closed_at >= stream.opened_at


def test_wait_closed_times_out_while_the_connection_is_open() -> None:
    with MediaReceiver() as receiver, connect(receiver.url):
        stream = receiver.next_stream(timeout=5)
        with pytest.raises(TimeoutError, match=r"expected the connection to close within 0\.1 s; still open"):
            stream.wait_closed(timeout=0.1)
        assert not stream.closed


def test_next_stream_hands_out_each_connection_once_in_order() -> None:
    with MediaReceiver() as receiver:
        for path in ("/one", "/two"):
            with connect(receiver.url_for(path)):
                pass
            receiver.stream(path=path, timeout=5)  # arrived, in this order

        assert [receiver.next_stream(timeout=5).path for _ in range(2)] == ["/one", "/two"]
        with pytest.raises(TimeoutError, match=r"expected a WebSocket connection within 0\.1 s, got none"):
            receiver.next_stream(timeout=0.1)
        assert [s.path for s in receiver.streams()] == ["/one", "/two"]


def test_stream_finds_the_connection_whose_start_names_the_sid() -> None:
    with (
        MediaReceiver() as receiver,
        connect(receiver.url_for("/other")) as other,
        connect(receiver.url_for("/mine")) as mine,
    ):
        other.send(json.dumps({"event": "start", "streamSid": "MZ" + "1" * 32}))
        mine.send(start())
        found = receiver.stream(STREAM_SID, 5)

        assert found.path == "/mine"
        assert receiver.stream(STREAM_SID, path="/mine", timeout=5) is found
        with pytest.raises(TimeoutError, match=r"streamSid MZ0+ and path /other"):
            receiver.stream(STREAM_SID, path="/other", timeout=0.1)


def test_the_receiver_hangs_up_with_the_code_it_is_given() -> None:
    with MediaReceiver() as receiver, connect(receiver.url) as sender:
        stream = receiver.next_stream(timeout=5)
        stream.close(4002, "the app hangs up")
        with pytest.raises(ConnectionClosed) as closed:
            sender.recv(timeout=5)
        code = stream.wait_closed(timeout=5)

    assert closed.value.rcvd is not None
    assert (closed.value.rcvd.code, closed.value.rcvd.reason) == (
        4002,
        "the app hangs up",
    )
    assert code == 4002
    assert stream.closed_by_receiver


def test_a_receiver_that_rejects_answers_the_upgrade_with_that_status() -> None:
    with MediaReceiver(reject_status=404) as receiver:
        with pytest.raises(InvalidStatus) as rejected:
            connect(receiver.url, open_timeout=5)
        stream = receiver.next_stream(timeout=5)
        stream.wait_closed(timeout=5)

    assert rejected.value.response.status_code == 404
    assert stream.rejected_status == 404
    assert stream.messages == []


def test_a_receiver_that_closes_after_n_messages_closes_normally_after_them() -> None:
    with MediaReceiver(close_after=3) as receiver, connect(receiver.url) as sender:
        closed = send_until_closed(sender, [f'{{"n": {n}}}' for n in range(10)])
        stream = receiver.next_stream(timeout=5)
        stream.wait_closed(timeout=5)

    assert closed.rcvd is not None
    assert closed.rcvd.code == 1000
    assert [m.json for m in stream.messages] == [{"n": 0}, {"n": 1}, {"n": 2}]
    assert stream.closed_by_receiver
    assert stream.close_code == 1000


def test_a_receiver_that_stops_reading_fills_the_senders_buffers() -> None:
    chunk = b"\x00" * (1 << 20)

    async def send_until_blocked(url: str) -> int:
        sender = await async_connect(url)
        try:
            for sent in range(256):  # 256 MiB at most: far beyond any socket buffer
                try:
                    await asyncio.wait_for(sender.send(chunk), timeout=1.0)
                except TimeoutError:
                    return sent
            return 256
        finally:
            sender.transport.abort()  # no closing handshake: the receiver would never read it

    with MediaReceiver(stop_reading=True) as receiver:
        sent = asyncio.run(send_until_blocked(receiver.url))
        stream = receiver.next_stream(timeout=5)

    assert sent < 256
    assert stream.messages == []


def test_a_stream_beyond_max_messages_is_closed_with_1008() -> None:
    with MediaReceiver(max_messages=5) as receiver, connect(receiver.url) as sender:
        closed = send_until_closed(sender, [str(n) for n in range(10)])
        stream = receiver.next_stream(timeout=5)
        stream.wait_closed(timeout=5)

    assert closed.rcvd is not None
    assert closed.rcvd.code == 1008
    assert len(stream.messages) == 5
    assert stream.overflowed


def test_connections_beyond_max_streams_are_answered_503() -> None:
    with MediaReceiver(max_streams=1) as receiver, connect(receiver.url):
        with pytest.raises(InvalidStatus) as refused:
            connect(receiver.url, open_timeout=5)
        assert refused.value.response.status_code == 503
        assert len(receiver.streams()) == 1


def test_a_receiver_stops_promptly_with_a_connection_it_never_reads() -> None:
    receiver = MediaReceiver(stop_reading=True)
    with receiver, connect(receiver.url) as sender:
        sender.send("hello")
        stream = receiver.next_stream(timeout=5)
        began = time.monotonic()
        receiver.__exit__(None, None, None)
        stopped_in = time.monotonic() - began
        with pytest.raises(ConnectionClosed):
            sender.recv(timeout=5)

    assert stopped_in < 5
    assert stream.closed


def test_the_url_needs_a_path() -> None:
    with MediaReceiver() as receiver, pytest.raises(ValueError, match="starting with '/'"):
        receiver.url_for("media")


def test_only_one_fault_behaviour_at_a_time() -> None:
    with pytest.raises(ValueError, match="at most one"):
        MediaReceiver(reject_status=404, stop_reading=True)


def test_a_public_url_gives_the_urls_and_the_url_as_seen() -> None:
    with LocalServer(public_url="https://abc.tunnel.example/") as server, MediaReceiver(server=server) as receiver:
        with connect(f"ws://127.0.0.1:{server.port}/media/x?q=1"):
            pass
        stream = receiver.next_stream(timeout=5)

    assert receiver.url == "wss://abc.tunnel.example/media"
    assert stream.url_as_seen == "wss://abc.tunnel.example/media/x?q=1"


def test_a_receiver_and_a_recorder_share_one_port() -> None:
    with (
        LocalServer() as server,
        MediaReceiver(server=server) as receiver,
        StatusCallbackRecorder(server=server) as recorder,
    ):
        assert receiver.url == f"ws://127.0.0.1:{server.port}/media"
        assert recorder.url == f"http://127.0.0.1:{server.port}/callbacks"
        with connect(receiver.url_for("/media/a")) as sender:
            sender.send("{}")
        answer = httpx.post(recorder.url_for("/callbacks/a"), data={"StreamEvent": "stream-started"})

        assert answer.status_code == 200
        assert receiver.stream(path="/media/a", timeout=5).wait_closed(timeout=5) == 1000
        assert recorder.wait_for(path="/callbacks/a", timeout=5).event == "stream-started"


def test_one_keep_alive_connection_may_carry_a_callback_then_an_upgrade() -> None:
    # What a tunnel's agent may do: reuse its connection to the one local port for the next request.
    body = b"StreamEvent=stream-started"
    callback = (
        b"POST /callbacks/a HTTP/1.1\r\nHost: abc.tunnel.example\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)
    )
    upgrade = (
        b"GET /media/a HTTP/1.1\r\nHost: abc.tunnel.example\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        b"Sec-WebSocket-Key: " + base64.b64encode(b"0123456789abcdef") + b"\r\nSec-WebSocket-Version: 13\r\n\r\n"
    )
    with (
        LocalServer() as server,
        MediaReceiver(server=server) as receiver,
        StatusCallbackRecorder(server=server) as recorder,
        socket.create_connection(("127.0.0.1", server.port), timeout=5) as connection,
    ):
        connection.sendall(callback)
        answered = connection.recv(4096)
        connection.sendall(upgrade)
        switched = connection.recv(4096)

        assert answered.startswith(b"HTTP/1.1 200 ")
        assert switched.startswith(b"HTTP/1.1 101 ")
        assert recorder.wait_for(path="/callbacks/a", timeout=5).event == "stream-started"
        assert receiver.stream(path="/media/a", timeout=5).url_as_seen == "ws://abc.tunnel.example/media/a"


def test_a_server_without_a_receiver_answers_upgrades_404() -> None:
    with LocalServer() as server, pytest.raises(InvalidStatus) as refused:
        connect(server.url_for("/media", websocket=True), open_timeout=5)

    assert refused.value.response.status_code == 404


def test_one_receiver_per_server() -> None:
    with LocalServer() as server, MediaReceiver(server=server), pytest.raises(RuntimeError, match="already mounted"):
        MediaReceiver(server=server).__enter__()


def test_a_message_built_by_hand_reads_like_a_received_one() -> None:
    # The conformance suite's unit tests build messages by hand; `of_text` parses as the receiver does.
    message: Any = ReceivedMessage.of_text('{"event": "media", "media": {"track": "inbound"}}', at=1.0)

    assert (message.event, message.track, message.at) == ("media", "inbound", 1.0)
    assert ReceivedMessage.of_text("{", at=0.0).json is None


def test_a_socket_that_drops_without_a_close_frame_ends_with_1005() -> None:
    with MediaReceiver() as receiver, connect(receiver.url) as sender:
        sender.send('{"n": 0}')
        stream = receiver.next_stream(timeout=5)
        sender.socket.shutdown(socket.SHUT_RDWR)  # no close frame: the TCP connection just ends

        assert stream.wait_closed(timeout=5) == 1005
