"""The stream-effects checks, on synthetic observations: what Twilio would send passes every check, and
each kind of mistake fails its check with its message (and only the observation it concerns)."""

import base64
import json
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any
from urllib.parse import urlencode

import pytest
from twilio.request_validator import RequestValidator  # type: ignore[import-untyped]
from twilio_stream_conformance import stream_checks
from twilio_stream_conformance.stream_checks import (
    CHECKS,
    LOOPBACK,
    Answer,
    Connection,
    Observation,
    abridged,
    run_checks,
    signed_url_candidates,
)
from twilio_stream_conformance.stream_scenarios import SCENARIOS, Scenario
from twilio_stream_emulator.testing import ReceivedMessage, RecordedCallback

ACCOUNT_SID = "AC" + "1" * 32
CALL_SID = "CA" + "2" * 32
SID = "MZ" + "3" * 32
AUTH_TOKEN = "stream-checks-token"
URL = "ws://127.0.0.1:9999/media/x"
CALLBACK_URL = "http://127.0.0.1:9999/callbacks/x"
T0 = 1_000.0  # monotonic seconds: the create's answer
CHUNKS = 50
PAYLOAD = base64.b64encode(b"\xff" * 160).decode()
REACHABLE = [scenario for scenario in SCENARIOS if scenario.reachable]
(UNREACHABLE,) = [scenario for scenario in SCENARIOS if not scenario.reachable]
DEFAULTS = REACHABLE[0]
BOTH = next(scenario for scenario in REACHABLE if len(scenario.expected_tracks) == 2)
NAMED_GET = next(s for s in REACHABLE if s.stream_name and s.callback_method == "GET" and s.stop_by_name)


def bodies(scenario: Scenario, chunks: int = CHUNKS) -> list[dict[str, Any]]:
    """The messages Twilio sends for the scenario's Stream, in order."""
    sequence = iter(range(1, 10_000))
    start = {
        "accountSid": ACCOUNT_SID,
        "streamSid": SID,
        "callSid": CALL_SID,
        "tracks": list(scenario.expected_tracks),
        "customParameters": dict(scenario.parameters),
        "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1},
    }
    found: list[dict[str, Any]] = [
        {"event": "connected", "protocol": "Call", "version": "1.0.0"},
        {"event": "start", "sequenceNumber": str(next(sequence)), "start": start, "streamSid": SID},
    ]
    for index in range(chunks):
        for track in scenario.expected_tracks:
            media = {"track": track, "chunk": str(index + 1), "timestamp": str(20 * index), "payload": PAYLOAD}
            found.append({"event": "media", "sequenceNumber": str(next(sequence)), "media": media, "streamSid": SID})
    stop = {"accountSid": ACCOUNT_SID, "callSid": CALL_SID}
    found.append({"event": "stop", "sequenceNumber": str(next(sequence)), "stop": stop, "streamSid": SID})
    return found


def arrivals(messages: list[dict[str, Any]], pace: float = 0.020) -> list[float]:
    """When each message arrives: a chunk every ``pace`` per track, from 10 ms after the create."""
    times: list[float] = []
    chunks: dict[str, int] = {}
    for message in messages:
        index = 0
        if message.get("event") == "media":
            track = message["media"].get("track")
            index = chunks[track] = chunks.get(track, -1) + 1
        times.append(T0 + 0.010 + index * pace + 0.001 * (message.get("event") == "stop"))
    return times


def received(messages: list[Any], times: list[float] | None = None) -> tuple[ReceivedMessage, ...]:
    times = times or arrivals([m if isinstance(m, dict) else {} for m in messages])
    return tuple(
        ReceivedMessage(at=at, data=message)
        if isinstance(message, bytes)
        else ReceivedMessage.of_text(message if isinstance(message, str) else json.dumps(message), at=at)
        for message, at in zip(messages, times, strict=True)
    )


def callback(
    scenario: Scenario, event: str, at: float, *, extra: dict[str, str] | None = None, sign: bool = True
) -> RecordedCallback:
    """A status callback as a correct sender makes it, signed by Twilio's own validator."""
    params = {
        "AccountSid": ACCOUNT_SID,
        "CallSid": CALL_SID,
        "StreamSid": SID,
        "StreamName": scenario.stream_name or SID,
        "StreamEvent": event,
        "Timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        **(extra or {}),
    }
    validator = RequestValidator(AUTH_TOKEN)
    if scenario.method == "GET":
        url = f"{CALLBACK_URL}?{urlencode(params)}"
        headers = {"x-twilio-signature": validator.compute_signature(url, {})}
        return RecordedCallback("GET", "/callbacks/x", urlencode(params), url, headers, b"", tuple(params.items()), at)
    headers = {
        "content-type": "application/x-www-form-urlencoded",
        "x-twilio-signature": validator.compute_signature(CALLBACK_URL, params),
    }
    if not sign:
        del headers["x-twilio-signature"]
    body = urlencode(params).encode()
    return RecordedCallback("POST", "/callbacks/x", "", CALLBACK_URL, headers, body, tuple(params.items()), at)


def observation(scenario: Scenario = DEFAULTS, messages: list[Any] | None = None, **changes: Any) -> Observation:
    """What a correct server makes of the scenario; ``changes`` replace fields of the Observation."""
    messages = bodies(scenario) if messages is None else messages
    connection = Connection(
        messages=received(messages),
        headers={"x-twilio-signature": RequestValidator(AUTH_TOKEN).compute_signature(URL, {})},
        url_as_seen=URL,
        opened_at=T0 + 0.005,
        close_code=1000,
        closed_at=T0 + 0.010 + CHUNKS * 0.020 + 0.002,
    )
    stop_sent = T0 + 0.010 + (CHUNKS - 0.5) * 0.020
    stream = {"sid": SID, "account_sid": ACCOUNT_SID, "call_sid": CALL_SID}
    default = Observation(
        scenario=scenario,
        account_sid=ACCOUNT_SID,
        call_sid=CALL_SID,
        url=URL,
        callback_url=CALLBACK_URL,
        create=Answer(200, stream, T0 - 0.002, T0),
        stop=Answer(200, stream, stop_sent, stop_sent + 0.002) if scenario.reachable else None,
        connection=connection if scenario.reachable else None,
        callbacks=(
            (callback(scenario, "stream-started", T0 + 0.02), callback(scenario, "stream-stopped", stop_sent + 0.01))
            if scenario.reachable
            else (callback(scenario, "stream-error", T0 + 0.01, extra={"StreamError": "31902 connection refused"}),)
        ),
        bounds=LOOPBACK,
        wall_clock_offset=time.time() - T0,
        auth_token=AUTH_TOKEN,
    )
    return replace(default, **changes)


def failures(observed: Observation) -> dict[str, str]:
    return {name: message for name, message in run_checks(observed) if message is not None}


# --- What Twilio would send passes -----------------------------------------------------------------------


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda scenario: scenario.name)
def test_a_correct_stream_passes_every_check(scenario: Scenario) -> None:
    assert failures(observation(scenario)) == {}


def test_the_checks_are_the_ones_the_docs_list() -> None:
    assert len(CHECKS) == len({check.__name__ for check in CHECKS}) == 24


def test_start_without_custom_parameters_passes_when_none_were_given() -> None:
    messages = bodies(DEFAULTS)
    del messages[1]["start"]["customParameters"]

    assert failures(observation(DEFAULTS, messages)) == {}


def _hiccup(times: list[float]) -> list[float]:
    # The first four chunks 80 ms late, then caught up and on schedule.
    return [max(at, times[6] - 0.001) if index in range(2, 6) else at for index, at in enumerate(times)]


def test_a_hiccup_caught_up_within_the_bound_passes() -> None:
    assert failures(timed(DEFAULTS, _hiccup)) == {}


# --- Each kind of mistake fails its check ----------------------------------------------------------------


Mistake = Callable[[], Observation]


def edited(scenario: Scenario, change: Callable[[list[dict[str, Any]]], Any]) -> Observation:
    """The scenario's correct messages, changed in place by ``change``."""
    messages = bodies(scenario)
    change(messages)
    return observation(scenario, messages)


def timed(scenario: Scenario, retime: Callable[[list[float]], list[float]]) -> Observation:
    messages = bodies(scenario)
    good = observation(scenario, messages)
    assert good.connection is not None
    return replace(good, connection=replace(good.connection, messages=received(messages, retime(arrivals(messages)))))


def _media(messages: list[dict[str, Any]], track: str = "inbound") -> list[dict[str, Any]]:
    return [m for m in messages if m.get("event") == "media" and m["media"]["track"] == track]


def _drop_connected(messages: list[dict[str, Any]]) -> None:
    del messages[0]


def _swap_start_and_connected(messages: list[dict[str, Any]]) -> None:
    messages[0], messages[1] = messages[1], messages[0]


def _mark_in_the_middle(messages: list[dict[str, Any]]) -> None:
    messages[5] = {"event": "mark", "sequenceNumber": messages[5]["sequenceNumber"], "streamSid": SID}


def _media_after_stop(messages: list[dict[str, Any]]) -> None:
    messages.append(dict(_media(messages)[0], sequenceNumber=str(len(messages))))


def _sequence_as_number(messages: list[dict[str, Any]]) -> None:
    messages[3]["sequenceNumber"] = int(messages[3]["sequenceNumber"])


def _sequence_gap(messages: list[dict[str, Any]]) -> None:
    for message in messages[10:]:
        message["sequenceNumber"] = str(int(message["sequenceNumber"]) + 1)


def _connected_numbered(messages: list[dict[str, Any]]) -> None:
    for message in messages[1:]:
        message["sequenceNumber"] = str(int(message["sequenceNumber"]) + 1)


def _chunk_shared(messages: list[dict[str, Any]]) -> None:
    for number, message in enumerate((m for m in messages if m.get("event") == "media"), start=1):
        message["media"]["chunk"] = str(number)


def _timestamp_by_10(messages: list[dict[str, Any]]) -> None:
    for index, message in enumerate(_media(messages)):
        message["media"]["timestamp"] = str(10 * index)


def _timestamp_goes_back(messages: list[dict[str, Any]]) -> None:
    _media(messages)[5]["media"]["timestamp"] = "0"


def _payload_of(size: int) -> Callable[[list[dict[str, Any]]], None]:
    def change(messages: list[dict[str, Any]]) -> None:
        _media(messages)[7]["media"]["payload"] = base64.b64encode(b"\xff" * size).decode()

    return change


def _start_says(path: tuple[str, ...], value: Any) -> Callable[[list[dict[str, Any]]], None]:
    def change(messages: list[dict[str, Any]]) -> None:
        node = messages[1]
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value

    return change


def _media_of_another_stream(messages: list[dict[str, Any]]) -> None:
    _media(messages)[3]["streamSid"] = "MZ" + "9" * 32


def _stop_of_another_call(messages: list[dict[str, Any]]) -> None:
    messages[-1]["stop"]["callSid"] = "CA" + "9" * 32


def _outbound_too(messages: list[dict[str, Any]]) -> None:
    messages[5]["media"]["track"] = "outbound"


def _no_stop(messages: list[dict[str, Any]]) -> None:
    messages.pop()


def _media_track_suffixed(messages: list[dict[str, Any]]) -> None:
    _media(messages)[0]["media"]["track"] = "inbound_track"


def _burst(times: list[float]) -> list[float]:
    # a second of audio at once, every second
    return [T0 + 0.010 + (0.5 if index >= 2 else 0) for index, _ in enumerate(times)]


def _slow(times: list[float]) -> list[float]:
    return [T0 + (at - T0) * 1.25 for at in times]


def _drifting(times: list[float]) -> list[float]:
    # Half as slow again: over the loopback window of 50 chunks its ends are 250 ms off the median's place.
    return [T0 + (at - T0) * 1.5 for at in times]


def _stall_at_the_end(observed: Observation) -> Observation:
    assert observed.connection is not None
    assert observed.stop is not None
    kept = observed.connection.messages[:30] + observed.connection.messages[-1:]
    return replace(observed, connection=replace(observed.connection, messages=kept))


def _close(code: int | None, after: float) -> Callable[[Observation], Observation]:
    def change(observed: Observation) -> Observation:
        assert observed.connection is not None
        assert observed.stop is not None
        closed_at = None if code is None else observed.stop.at + after
        return replace(observed, connection=replace(observed.connection, close_code=code, closed_at=closed_at))

    return change


def _stop_late(observed: Observation) -> Observation:
    assert observed.connection is not None
    assert observed.stop is not None
    last = observed.connection.messages[-1]
    late = replace(last, at=observed.stop.at + 1.5)
    return replace(
        observed,
        connection=replace(
            observed.connection, messages=(*observed.connection.messages[:-1], late), closed_at=observed.stop.at + 1.6
        ),
    )


def _upgrade_headers(headers: dict[str, str], url_as_seen: str = URL) -> Callable[[Observation], Observation]:
    def change(observed: Observation) -> Observation:
        assert observed.connection is not None
        return replace(observed, connection=replace(observed.connection, headers=headers, url_as_seen=url_as_seen))

    return change


def _callbacks(
    change: Callable[[tuple[RecordedCallback, ...]], tuple[RecordedCallback, ...]],
) -> Callable[[Observation], Observation]:
    return lambda observed: replace(observed, callbacks=change(observed.callbacks))


def _param(
    event_index: int, name: str, value: str | None
) -> Callable[[tuple[RecordedCallback, ...]], tuple[RecordedCallback, ...]]:
    def change(found: tuple[RecordedCallback, ...]) -> tuple[RecordedCallback, ...]:
        target = found[event_index]
        pairs = tuple((n, v) for n, v in target.param_pairs if n != name) + (
            ((name, value),) if value is not None else ()
        )
        return (*found[:event_index], replace(target, param_pairs=pairs), *found[event_index + 1 :])

    return change


MISTAKES: list[Any] = [
    (
        "create_is_accepted",
        lambda: observation(create=Answer(400, {"code": 20001}, T0, T0)),
        r"expected 200 with a Stream for the create, got 400",
    ),
    (
        "create_is_accepted",
        lambda: observation(create=Answer(None, None, T0, T0, error="connection refused")),
        r"got no answer \(connection refused\)",
    ),
    (
        "create_is_accepted",
        lambda: observation(create=Answer(200, {"sid": None}, T0, T0)),
        r"expected a Stream SID .* got None",
    ),
    (
        "stop_is_accepted",
        lambda: observation(stop=Answer(404, {"code": 20404}, T0 + 1, T0 + 1)),
        r"expected 200 for the stop by SID, got 404",
    ),
    ("stop_is_accepted", lambda: observation(NAMED_GET, stop=Answer(404, {}, T0 + 1, T0 + 1)), r"for the stop by name"),
    (
        "stream_is_dialled",
        lambda: observation(connection=None),
        r"expected a WebSocket connection to ws://127.0.0.1:9999/media/x within 5 s",
    ),
    (
        "upgrade_is_signed",
        lambda: _upgrade_headers({})(observation()),
        r"expected an x-twilio-signature header on the WebSocket upgrade, got none",
    ),
    (
        "upgrade_is_signed",
        lambda: _upgrade_headers({"x-twilio-signature": RequestValidator("other").compute_signature(URL, {})})(
            observation()
        ),
        r"which Twilio's RequestValidator refuses",
    ),
    (
        "upgrade_is_signed",
        lambda: _upgrade_headers(
            {"x-twilio-signature": RequestValidator(AUTH_TOKEN).compute_signature(URL + "?x=1", {})}
        )(observation()),
        r"refuses",
    ),
    (
        "messages_are_json_text",
        lambda: observation(messages=[*bodies(DEFAULTS)[:5], b"\x00\x01", *bodies(DEFAULTS)[5:]]),
        r"got a binary frame of 2 bytes \(message 6\)",
    ),
    (
        "messages_are_json_text",
        lambda: observation(messages=[*bodies(DEFAULTS)[:5], "hello", *bodies(DEFAULTS)[5:]]),
        r"expected JSON objects only, got 'hello' \(message 6\)",
    ),
    (
        "messages_arrive_in_order",
        lambda: edited(DEFAULTS, _drop_connected),
        r"expected 'connected' as message 1 .*, got 'start'",
    ),
    (
        "messages_arrive_in_order",
        lambda: edited(DEFAULTS, _swap_start_and_connected),
        r"expected 'connected' as message 1",
    ),
    (
        "messages_arrive_in_order",
        lambda: edited(DEFAULTS, _mark_in_the_middle),
        r"expected only 'media' between 'start' and 'stop', got 'mark' \(message 6\)",
    ),
    (
        "messages_arrive_in_order",
        lambda: edited(DEFAULTS, _media_after_stop),
        r"expected nothing after 'stop', got 1 more message\(s\), the first 'media'",
    ),
    ("messages_arrive_in_order", lambda: observation(messages=[]), r"got no message"),
    (
        "messages_match_their_schemas",
        lambda: edited(DEFAULTS, _sequence_as_number),
        r"message 4 \(media\) to match its schema.*sequenceNumber",
    ),
    ("messages_match_their_schemas", lambda: edited(DEFAULTS, _media_track_suffixed), r"media/track"),
    (
        "messages_match_their_schemas",
        lambda: edited(DEFAULTS, _start_says(("start", "mediaFormat", "sampleRate"), "8000")),
        r"start/mediaFormat/sampleRate",
    ),
    (
        "messages_match_their_schemas",
        lambda: edited(DEFAULTS, _mark_in_the_middle),
        r"expected an event of connected, start, media, stop, got 'mark' \(message 6\)",
    ),
    (
        "start_echoes_the_create",
        lambda: edited(DEFAULTS, _start_says(("streamSid",), "MZ" + "9" * 32)),
        r"expected start to echo the create: \{'streamSid': 'MZ3+'\}, got \{'streamSid': 'MZ9+'\}",
    ),
    (
        "start_echoes_the_create",
        lambda: edited(DEFAULTS, _start_says(("start", "callSid"), "CA" + "9" * 32)),
        r"'start.callSid'",
    ),
    (
        "start_echoes_the_create",
        lambda: edited(DEFAULTS, _start_says(("start", "tracks"), ["inbound", "outbound"])),
        r"'start.tracks': \['inbound'\]\}, got \{'start.tracks': \['inbound', 'outbound'\]",
    ),
    (
        "start_echoes_the_create",
        lambda: edited(NAMED_GET, _start_says(("start", "customParameters"), {})),
        r"'start.customParameters': \{'FirstName': 'Jane'",
    ),
    (
        "start_echoes_the_create",
        lambda: edited(NAMED_GET, _start_says(("start", "customParameters"), {"FirstName": "Jane"})),
        r"customParameters",
    ),
    (
        "stream_sid_is_the_same_throughout",
        lambda: edited(DEFAULTS, _media_of_another_stream),
        r"expected streamSid MZ3+ on every message, got 'MZ9+' on message 6 \(media\)",
    ),
    (
        "stream_sid_is_the_same_throughout",
        lambda: edited(DEFAULTS, _stop_of_another_call),
        r"expected stop to name account AC1+ and call CA2+",
    ),
    (
        "sequence_numbers_count_up",
        lambda: edited(DEFAULTS, _sequence_gap),
        r"expected sequenceNumber '10' on message 11 \(media\), got '11'",
    ),
    (
        "sequence_numbers_count_up",
        lambda: edited(DEFAULTS, _connected_numbered),
        r"expected sequenceNumber '1' on message 2 \(start\), got '2'",
    ),
    (
        "media_flows_on_the_expected_tracks",
        lambda: edited(DEFAULTS, _outbound_too),
        r"expected media on \['inbound'\] \(Track inbound_track \(the default\)\), "
        r"got media on \['inbound', 'outbound'\]",
    ),
    (
        "media_flows_on_the_expected_tracks",
        lambda: observation(BOTH, bodies(DEFAULTS)),
        r"expected media on \['inbound', 'outbound'\]",
    ),
    (
        "chunks_count_per_track",
        lambda: edited(BOTH, _chunk_shared),
        r"expected chunk '2' as the outbound track's chunk number 2, got '4'|expected chunk '2' as the inbound",
    ),
    (
        "timestamps_follow_the_audio",
        lambda: edited(DEFAULTS, _timestamp_by_10),
        r"expected the inbound timestamp to advance by 20 ms \(the audio of chunk 1\) from 0, got 10",
    ),
    ("timestamps_follow_the_audio", lambda: edited(DEFAULTS, _timestamp_goes_back), r"from 80, got 0"),
    (
        "payloads_are_20_ms_of_mulaw",
        lambda: edited(DEFAULTS, _payload_of(320)),
        r"expected 160 bytes of audio \(20 ms of mu-law\) in every payload, got 320 in the inbound track's chunk 8",
    ),
    (
        "media_rate_is_real_time",
        lambda: timed(DEFAULTS, _slow),
        r"expected a inbound chunk every 20 ms \(±10%\), got one every 25.0 ms over 50 chunks",
    ),
    (
        "media_rate_is_real_time",
        lambda: _stall_at_the_end(observation()),
        r"expected about 50 inbound chunks between the first and the stop request \(0.99 s\), got 28",
    ),
    (
        "media_arrives_on_schedule",
        lambda: timed(DEFAULTS, _burst),
        rf"expected every inbound chunk within {LOOPBACK.schedule_s * 1000:.0f} ms of a steady 20 ms schedule, "
        r"got chunk 1 of 50 490 ms late",
    ),
    ("media_arrives_on_schedule", lambda: timed(DEFAULTS, _drifting), r"ms late|ms early"),
    (
        "stop_follows_the_stop_request",
        lambda: edited(DEFAULTS, _no_stop),
        r"expected a 'stop' message within 1.0 s of the stop's answer, got none",
    ),
    ("stop_follows_the_stop_request", lambda: _stop_late(observation()), r"got it 1.50 s after"),
    (
        "closes_normally_after_stop",
        lambda: _close(None, 0)(observation()),
        r"expected the WebSocket closed with 1000 within 1.0 s of the stop, got it open",
    ),
    (
        "closes_normally_after_stop",
        lambda: _close(1011, 0.01)(observation()),
        r"expected close code 1000 \(normal closure\) after the stop, got 1011",
    ),
    (
        "closes_normally_after_stop",
        lambda: _close(1000, 2.0)(observation()),
        r"expected the close within 1.0 s of the stop's answer, got it 2.00 s after",
    ),
    (
        "closes_normally_after_stop",
        lambda: _close(1000, -1.0)(observation()),
        r"expected the WebSocket open until the stop, got it closed",
    ),
    (
        "stream_started_is_reported",
        lambda: _callbacks(lambda found: found[1:])(observation()),
        r"expected a stream-started callback at http://127.0.0.1:9999/callbacks/x, got POST stream-stopped",
    ),
    (
        "stream_started_is_reported",
        lambda: _callbacks(lambda found: (found[0], *found))(observation()),
        r"expected one stream-started callback \(each answered 200\), got 2",
    ),
    (
        "stream_stopped_is_reported",
        lambda: _callbacks(lambda found: found[:1])(observation()),
        r"expected a stream-stopped callback at .*, got POST stream-started",
    ),
    (
        "stream_stopped_is_reported",
        lambda: _callbacks(lambda found: (replace(found[0], at=found[1].at + 1), found[1]))(observation()),
        r"expected stream-started before stream-stopped, got it after",
    ),
    (
        "unreachable_url_is_reported",
        lambda: observation(UNREACHABLE, callbacks=()),
        r"expected a stream-error callback at .*, got none",
    ),
    (
        "unreachable_url_is_reported",
        lambda: _callbacks(_param(0, "StreamError", ""))(observation(UNREACHABLE)),
        r"expected StreamError saying why in the stream-error callback, got none",
    ),
    (
        "callbacks_use_the_method_asked",
        lambda: observation(DEFAULTS, callbacks=(callback(NAMED_GET, "stream-started", T0),)),
        r"expected POST callbacks \(StatusCallbackMethod not given, so POST\), got GET for stream-started",
    ),
    (
        "callbacks_use_the_method_asked",
        lambda: observation(NAMED_GET, callbacks=(callback(DEFAULTS, "stream-started", T0),)),
        r"expected GET callbacks \(StatusCallbackMethod GET\), got POST",
    ),
    (
        "callbacks_use_the_method_asked",
        lambda: _callbacks(lambda found: (replace(found[0], headers={"content-type": "application/json"}),))(
            observation()
        ),
        r"expected a application/x-www-form-urlencoded body on the stream-started callback, got 'application/json'",
    ),
    (
        "callback_parameters_are_right",
        lambda: _callbacks(_param(0, "StreamName", ""))(observation()),
        r"expected stream-started callback parameters \{'StreamName': 'MZ3+'\}, got \{'StreamName': ''\}",
    ),
    (
        "callback_parameters_are_right",
        lambda: _callbacks(_param(1, "CallSid", None))(observation()),
        r"expected stream-stopped callback parameters \{'CallSid': 'CA2+'\}, got \{'CallSid': None\}",
    ),
    (
        "callback_parameters_are_right",
        lambda: _callbacks(_param(0, "StreamEvent", "started"))(observation()),
        r"expected StreamEvent one of stream-started, stream-stopped, stream-error, got 'started'",
    ),
    (
        "callback_parameters_are_right",
        lambda: _callbacks(_param(0, "Timestamp", "2024-01-15 10:30:00"))(observation()),
        r"expected Timestamp of the stream-started callback in ISO 8601 in UTC .*, got '2024-01-15 10:30:00'",
    ),
    (
        "callback_parameters_are_right",
        lambda: _callbacks(_param(0, "Timestamp", "2024-01-15T10:30:00+02:00"))(observation()),
        r"ISO 8601 in UTC",
    ),
    (
        "callback_parameters_are_right",
        lambda: _callbacks(_param(0, "Timestamp", "2015-07-30T20:00:00Z"))(observation()),
        r"the time of the event .*, got '2015-07-30T20:00:00Z'",
    ),
    (
        "callbacks_are_signed",
        lambda: observation(callbacks=(callback(DEFAULTS, "stream-started", T0, sign=False),)),
        r"expected an X-Twilio-Signature header on the stream-started callback, got none",
    ),
    (
        "callbacks_are_signed",
        lambda: _callbacks(_param(0, "StreamName", "changed"))(observation()),
        r"to sign http://127.0.0.1:9999/callbacks/x and its form with the Auth Token, .* refuses",
    ),
    (
        "callbacks_are_signed",
        lambda: replace(observation(NAMED_GET), auth_token="another"),
        r"to sign http://127.0.0.1:9999/callbacks/x\?AccountSid=.* with the Auth Token",
    ),
]


@pytest.mark.parametrize(
    ("check", "mistake", "message"), MISTAKES, ids=[f"{c}-{i}" for i, (c, _, _) in enumerate(MISTAKES)]
)
def test_a_mistake_fails_its_check_with_its_message(check: str, mistake: Mistake, message: str) -> None:
    found = failures(mistake())

    assert check in found, found
    with pytest.raises(AssertionError, match=message):
        getattr(stream_checks, check)(mistake())


def test_every_check_has_a_mistake_it_catches() -> None:
    assert {check.__name__ for check in CHECKS} == {check for check, _, _ in MISTAKES}


def test_a_stream_that_was_not_created_is_judged_by_the_create_only() -> None:
    found = failures(observation(create=Answer(500, "oops", T0, T0), connection=None, callbacks=(), stop=None))

    assert list(found) == ["create_is_accepted"]


def test_a_stream_that_was_never_dialled_is_not_judged_message_by_message() -> None:
    found = failures(observation(connection=None))

    assert list(found) == ["stream_is_dialled"]


# --- Helpers of the checks and the reports ----------------------------------------------------------------


def test_the_upgrade_may_sign_either_url_with_or_without_a_trailing_slash() -> None:
    assert signed_url_candidates("ws://h:1/media/x?q=1", "wss://public.example/media/x?q=1") == [
        "ws://h:1/media/x?q=1",
        "ws://h:1/media/x/?q=1",
        "wss://public.example/media/x?q=1",
        "wss://public.example/media/x/?q=1",
    ]


def test_a_signature_of_the_url_with_a_trailing_slash_passes() -> None:
    signature = RequestValidator(AUTH_TOKEN).compute_signature(URL + "/", {})

    assert "upgrade_is_signed" not in failures(_upgrade_headers({"x-twilio-signature": signature})(observation()))


def test_abridged_keeps_the_first_and_last_few_messages() -> None:
    messages = received([{"event": "media", "n": n} for n in range(10)], [float(n) for n in range(10)])

    lines = abridged(messages, ends=2, width=40)

    assert lines == [
        '{"event": "media", "n": 0}',
        '{"event": "media", "n": 1}',
        "... 6 more ...",
        '{"event": "media", "n": 8}',
        '{"event": "media", "n": 9}',
    ]
    assert abridged(received([b"\x00" * 3], [0.0])) == ["<binary frame of 3 bytes>"]
    assert abridged(received(["x" * 100], [0.0]), width=10) == ["xxxxxxx..."]
