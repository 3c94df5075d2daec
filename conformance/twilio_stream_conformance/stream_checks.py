"""The checks of a Stream's effects: what a server must do *because of* a create and a stop.

Schemathesis judges requests and answers; these judge what one Stream did outside them, as recorded by
the test kit (twilio_stream_emulator.testing): the WebSocket the server opened to `Url` and every
message on it, and the status callbacks it sent to `StatusCallback`. Each check is one invariant of
Twilio's Media Streams, named, like checks.py's: it returns None when the observation is not its
business (no Stream was created, another scenario) and raises AssertionError("expected X, got Y").

The facts come from the contract package (media-stream.asyncapi.yaml through twilio_stream_contract.media,
the callbacks' names through twilio_stream_contract.callbacks); signatures are judged by Twilio's own
`RequestValidator`, since these checks judge other people's servers. What is inferred rather than
documented (20 ms chunks; the bounds of `Bounds`) is said where it is used; docs/conformance.md explains
the bounds.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from itertools import pairwise
from statistics import median
from typing import Any

import jsonschema_rs
import twilio_stream_contract as contract
from twilio.request_validator import RequestValidator  # type: ignore[import-untyped]
from twilio_stream_contract import callbacks
from twilio_stream_contract import media as messages
from twilio_stream_emulator.testing import ReceivedMessage, ReceivedStream, RecordedCallback

from twilio_stream_conformance.stream_scenarios import POST, Scenario

CHUNK_S = messages.CHUNK_MS / 1000
# A rate is judged over at least this many chunks of a track (a fifth of a second).
MIN_CHUNKS_FOR_A_RATE = 10
NORMAL_CLOSURE = 1000
# ISO 8601 date and time in UTC, as Twilio and Telnyx write `Timestamp` (`2024-01-15T10:30:00Z`; a
# fraction of a second or a `+00:00` offset is ISO 8601 too).
ISO_8601_UTC = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]00:?00)")


@dataclass(frozen=True)
class Bounds:
    """How long the judge waits, and how exact real time must be (docs/conformance.md says why).

    ``dial_s``: from the create's answer to the upgrade; ``window_s``: how long media is let flow;
    ``rate_tolerance`` and ``rate_slack_chunks``: how far a track's count may be from one chunk per 20 ms
    over its window; ``schedule_s``: how far any chunk may arrive off a steady 20 ms schedule;
    ``stop_s``: from the stop's answer to the `stop` message and the close; ``callback_s``: from the
    stop's answer to the last callback; ``error_s``: from the create's answer to `stream-error`;
    ``clock_skew_s``: how far a callback's `Timestamp` may be from this machine's clock.
    """

    dial_s: float
    window_s: float
    rate_tolerance: float
    rate_slack_chunks: int
    schedule_s: float
    stop_s: float
    callback_s: float
    error_s: float
    clock_skew_s: float


# A server on this machine: loopback is fast and steady, but the machine may be busy (CI, judging two
# servers at once): 200 ms of schedule lets a scheduler's stall pass, never a burst; a slow drift is
# media_rate_is_real_time's to catch (10% over the window), this check's only beyond about 40%.
# The emulator's own goal for a stop is 100 ms.
LOOPBACK = Bounds(
    dial_s=5.0,
    window_s=1.0,
    rate_tolerance=0.10,
    rate_slack_chunks=2,
    schedule_s=0.200,
    stop_s=1.0,
    callback_s=5.0,
    error_s=10.0,
    clock_skew_s=900.0,
)
# A server reached over the Internet and a tunnel: a longer window, so that the jitter at either end of
# it weighs less, and room for a TCP retransmission (200 ms at least) in the schedule.
REMOTE = Bounds(
    dial_s=15.0,
    window_s=3.0,
    rate_tolerance=0.10,
    rate_slack_chunks=5,
    schedule_s=0.400,
    stop_s=3.0,
    callback_s=20.0,
    error_s=30.0,
    clock_skew_s=900.0,
)


@dataclass(frozen=True)
class Answer:
    """The answer to a request the judge sent: its status (None: no answer, ``error`` says why), its JSON
    body (None when not JSON), when it was sent and when it came (``time.monotonic()``)."""

    status: int | None
    body: Any
    sent_at: float
    at: float
    error: str = ""


@dataclass(frozen=True)
class Connection:
    """A WebSocket connection as the receiver recorded it, frozen once the scenario is over."""

    messages: tuple[ReceivedMessage, ...]
    headers: Mapping[str, str]
    url_as_seen: str
    opened_at: float
    close_code: int | None = None
    close_reason: str = ""
    closed_at: float | None = None

    @classmethod
    def of(cls, stream: ReceivedStream) -> Connection:
        return cls(
            messages=tuple(stream.messages),
            headers=dict(stream.headers),
            url_as_seen=stream.url_as_seen,
            opened_at=stream.opened_at,
            close_code=stream.close_code,
            close_reason=stream.close_reason,
            closed_at=stream.closed_at,
        )


@dataclass(frozen=True)
class Observation:
    """Everything one scenario did and saw: what was asked (the create's form, the URLs), what the
    server answered, the connection that arrived at the scenario's media path, and the callbacks that
    arrived at its callback path. ``wall_clock_offset`` turns a monotonic time into a Unix time."""

    scenario: Scenario
    account_sid: str
    call_sid: str
    url: str
    callback_url: str
    create: Answer | None
    stop: Answer | None
    connection: Connection | None
    callbacks: tuple[RecordedCallback, ...]
    bounds: Bounds
    wall_clock_offset: float
    auth_token: str = field(repr=False)

    @property
    def sid(self) -> str | None:
        """The Stream's SID, when the create answered 200 with one."""
        if self.create is None or self.create.status != 200 or not isinstance(self.create.body, dict):
            return None
        sid = self.create.body.get("sid")
        return sid if isinstance(sid, str) and contract.STREAM_SID.fullmatch(sid) else None

    @property
    def stream_name(self) -> str | None:
        return self.scenario.stream_name


Check = Callable[[Observation], None]
CHECKS: list[Check] = []


def check(function: Check) -> Check:
    """Register a check (in the order of this module, the order reports list them)."""
    CHECKS.append(function)
    return function


# --- Helpers -------------------------------------------------------------------------------------------


def _streamed(observed: Observation) -> tuple[str, Connection] | None:
    """(SID, connection) of a scenario whose Stream was created and dialled; None otherwise."""
    sid = observed.sid
    if not observed.scenario.reachable or sid is None or observed.connection is None:
        return None
    return sid, observed.connection


def _stopped(observed: Observation) -> Answer | None:
    """The stop's answer when it was 200."""
    return observed.stop if observed.stop is not None and observed.stop.status == 200 else None


def _objects(connection: Connection) -> Iterator[tuple[int, dict[str, Any]]]:
    """(position from 1, message) of every message that is a JSON object."""
    for position, message in enumerate(connection.messages, start=1):
        if isinstance(message.json, dict):
            yield position, message.json


def _media_by_track(connection: Connection) -> dict[str, list[tuple[ReceivedMessage, dict[str, Any]]]]:
    tracks: dict[str, list[tuple[ReceivedMessage, dict[str, Any]]]] = {}
    for message in connection.messages:
        body = message.json.get(messages.MEDIA) if isinstance(message.json, dict) else None
        if message.event == messages.MEDIA and isinstance(body, dict) and isinstance(body.get("track"), str):
            tracks.setdefault(body["track"], []).append((message, body))
    return tracks


def _audio_bytes(body: Mapping[str, Any]) -> int | None:
    try:
        return len(base64.b64decode(body.get("payload", ""), validate=True))
    except (binascii.Error, TypeError, ValueError):
        return None


def _digits(value: object) -> int | None:
    return int(value) if isinstance(value, str) and value.isascii() and value.isdigit() else None


def _short(value: object, limit: int = 120) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


@cache
def _validator(event: str) -> jsonschema_rs.Validator:
    # AsyncAPI 3.0's default schema format is a superset of JSON Schema draft-07.
    return jsonschema_rs.Draft7Validator(dict(messages.MESSAGE_SCHEMAS[event]))


# --- The create and the stop ---------------------------------------------------------------------------


@check
def create_is_accepted(observed: Observation) -> None:
    """The create answers 200 with a Stream SID: every other check judges that Stream."""
    create = observed.create
    if create is None:
        return
    if create.status is None:
        raise AssertionError(f"expected 200 with a Stream for the create, got no answer ({create.error})")
    if create.status != 200:
        raise AssertionError(f"expected 200 with a Stream for the create, got {create.status}: {_short(create.body)}")
    if observed.sid is None:
        sid = create.body.get("sid") if isinstance(create.body, dict) else None
        raise AssertionError(f"expected a Stream SID (MZ and 32 hex digits) in the create's answer, got {sid!r}")


@check
def stop_is_accepted(observed: Observation) -> None:
    """The stop (by SID or by name) answers 200."""
    stop = observed.stop
    if stop is None or observed.sid is None or not observed.scenario.reachable or stop.status == 200:
        return
    how = "name" if observed.scenario.stop_by_name else "SID"
    got = f"no answer ({stop.error})" if stop.status is None else f"{stop.status}: {_short(stop.body)}"
    raise AssertionError(f"expected 200 for the stop by {how}, got {got}")


# --- The WebSocket -------------------------------------------------------------------------------------


@check
def stream_is_dialled(observed: Observation) -> None:
    """A created Stream opens a WebSocket to its `Url`."""
    if not observed.scenario.reachable or observed.sid is None or observed.connection is not None:
        return
    raise AssertionError(
        f"expected a WebSocket connection to {observed.url} within {observed.bounds.dial_s:.0f} s of the "
        f"create's answer, got none"
    )


def signed_url_candidates(url_as_seen: str, url: str) -> list[str]:
    """The URLs a WebSocket upgrade's signature may cover: the URL as the receiver saw it and the `Url`
    the Stream was given, each as it is and with a trailing `/` (Twilio's Security page: "if a WSS
    handshake fails to verify, try adding a trailing /")."""
    candidates: list[str] = []
    for candidate in (url_as_seen, url):
        path, mark, query = candidate.partition("?")
        for variant in (candidate, f"{path.rstrip('/')}/{mark}{query}"):
            if variant not in candidates:
                candidates.append(variant)
    return candidates


@check
def upgrade_is_signed(observed: Observation) -> None:
    """The upgrade carries `X-Twilio-Signature`, Twilio's signature of its URL with no params, made with
    the account's Auth Token (judged by Twilio's RequestValidator)."""
    streamed = _streamed(observed)
    if streamed is None:
        return
    _, connection = streamed
    signature = connection.headers.get(messages.SIGNATURE_HEADER)
    if not signature:
        raise AssertionError(f"expected an {messages.SIGNATURE_HEADER} header on the WebSocket upgrade, got none")
    validator = RequestValidator(observed.auth_token)
    candidates = signed_url_candidates(connection.url_as_seen, observed.url)
    if not any(validator.validate(candidate, {}, signature) for candidate in candidates):
        raise AssertionError(
            f"expected {messages.SIGNATURE_HEADER} to sign {connection.url_as_seen} (or {observed.url}, with or "
            f"without a trailing /) with the Auth Token, got {signature!r}, which Twilio's RequestValidator refuses"
        )


@check
def messages_are_json_text(observed: Observation) -> None:
    """Every frame is a JSON text frame holding an object."""
    streamed = _streamed(observed)
    if streamed is None:
        return
    for position, message in enumerate(streamed[1].messages, start=1):
        if message.data is not None:
            raise AssertionError(
                f"expected JSON text frames only, got a binary frame of {len(message.data)} bytes (message {position})"
            )
        if not isinstance(message.json, dict):
            raise AssertionError(f"expected JSON objects only, got {_short(message.text, 80)} (message {position})")


@check
def messages_arrive_in_order(observed: Observation) -> None:
    """`connected`, then `start`, then only `media`, then `stop`, and nothing after `stop`."""
    streamed = _streamed(observed)
    if streamed is None:
        return
    events = [message.event for message in streamed[1].messages]
    expected = f"{messages.CONNECTED}, {messages.START}, {messages.MEDIA}..., {messages.STOP}"
    if not events:
        raise AssertionError(f"expected {expected}, got no message")
    for position, (event, first) in enumerate(zip(events, (messages.CONNECTED, messages.START), strict=False), 1):
        if event != first:
            raise AssertionError(f"expected {first!r} as message {position} ({expected}), got {event!r}")
    for position, event in enumerate(events[2:], start=3):
        if event == messages.STOP:
            if position != len(events):
                raise AssertionError(
                    f"expected nothing after {messages.STOP!r}, got {len(events) - position} more message(s), "
                    f"the first {events[position]!r}"
                )
        elif event != messages.MEDIA:
            raise AssertionError(
                f"expected only {messages.MEDIA!r} between {messages.START!r} and {messages.STOP!r}, "
                f"got {event!r} (message {position})"
            )


@check
def messages_match_their_schemas(observed: Observation) -> None:
    """Each message is valid against its payload schema in media-stream.asyncapi.yaml."""
    streamed = _streamed(observed)
    if streamed is None:
        return
    for position, body in _objects(streamed[1]):
        event = body.get("event")
        if event not in messages.MESSAGE_SCHEMAS:
            raise AssertionError(
                f"expected an event of {', '.join(messages.EVENTS)}, got {_short(event)} (message {position})"
            )
        error = next(iter(_validator(event).iter_errors(body)), None)
        if error is not None:
            where = "/".join(str(part) for part in error.instance_path) or "the message"
            raise AssertionError(
                f"expected message {position} ({event}) to match its schema in media-stream.asyncapi.yaml, "
                f"got {where}: {error.message}"
            )


@check
def start_echoes_the_create(observed: Observation) -> None:
    """`start` names the Stream the create answered, its account and call, the tracks its `Track` asks
    for (TRACKS_OF) and the custom parameters it was given."""
    streamed = _streamed(observed)
    if streamed is None:
        return
    sid, connection = streamed
    start = next((body for _, body in _objects(connection) if body.get("event") == messages.START), None)
    if start is None:
        return  # messages_arrive_in_order says so
    found = start.get(messages.START)
    details: dict[str, Any] = found if isinstance(found, dict) else {}
    parameters = dict(observed.scenario.parameters)
    tracks = details.get("tracks")
    expected: dict[str, Any] = {
        "streamSid": sid,
        "start.streamSid": sid,
        "start.accountSid": observed.account_sid,
        "start.callSid": observed.call_sid,
        "start.tracks": sorted(observed.scenario.expected_tracks),
        "start.customParameters": parameters,
    }
    got: dict[str, Any] = {
        "streamSid": start.get("streamSid"),
        "start.streamSid": details.get("streamSid"),
        "start.accountSid": details.get("accountSid"),
        "start.callSid": details.get("callSid"),
        "start.tracks": sorted(tracks)
        if isinstance(tracks, list) and all(isinstance(t, str) for t in tracks)
        else tracks,
        # With no parameters, Twilio's shape is not documented: an absent key and {} both say "none".
        "start.customParameters": details.get("customParameters", {} if not parameters else None),
    }
    differing = [name for name in expected if expected[name] != got[name]]
    if differing:
        raise AssertionError(
            f"expected start to echo the create: { ({name: expected[name] for name in differing}) }, "
            f"got { ({name: got[name] for name in differing}) }"
        )


@check
def stream_sid_is_the_same_throughout(observed: Observation) -> None:
    """Every `media` and `stop` names the Stream; `stop` names its account and call."""
    streamed = _streamed(observed)
    if streamed is None:
        return
    sid, connection = streamed
    for position, body in _objects(connection):
        event = body.get("event")
        if event in (messages.MEDIA, messages.STOP) and body.get("streamSid") != sid:
            raise AssertionError(
                f"expected streamSid {sid} on every message, got {body.get('streamSid')!r} "
                f"on message {position} ({event})"
            )
        details = body.get(messages.STOP)
        if event == messages.STOP and isinstance(details, dict):
            got = (details.get("accountSid"), details.get("callSid"))
            if got != (observed.account_sid, observed.call_sid):
                raise AssertionError(
                    f"expected stop to name account {observed.account_sid} and call {observed.call_sid}, got {got}"
                )


@check
def sequence_numbers_count_up(observed: Observation) -> None:
    """`sequenceNumber` is "1" on `start` and one more on every later message, `stop` included."""
    streamed = _streamed(observed)
    if streamed is None:
        return
    numbered = [(position, body) for position, body in _objects(streamed[1]) if body.get("event") != messages.CONNECTED]
    for expected, (position, body) in enumerate(numbered, start=messages.FIRST_SEQUENCE_NUMBER):
        if body.get("sequenceNumber") != str(expected):
            raise AssertionError(
                f"expected sequenceNumber {str(expected)!r} on message {position} ({body.get('event')}), "
                f"got {body.get('sequenceNumber')!r}"
            )


@check
def media_flows_on_the_expected_tracks(observed: Observation) -> None:
    """`media` arrives on every track the create asked for, and on no other."""
    streamed = _streamed(observed)
    if streamed is None:
        return
    seen = set(_media_by_track(streamed[1]))
    expected = set(observed.scenario.expected_tracks)
    if seen != expected:
        track = observed.scenario.track or f"{contract.DEFAULT_TRACK} (the default)"
        raise AssertionError(
            f"expected media on {sorted(expected)} (Track {track}), got media on {sorted(seen) or 'no track'}"
        )


@check
def chunks_count_per_track(observed: Observation) -> None:
    """`media.chunk` counts each track's chunks: "1", "2", "3"..."""
    streamed = _streamed(observed)
    if streamed is None:
        return
    for track, chunks in _media_by_track(streamed[1]).items():
        for expected, (_, body) in enumerate(chunks, start=messages.FIRST_CHUNK):
            if body.get("chunk") != str(expected):
                raise AssertionError(
                    f"expected chunk {str(expected)!r} as the {track} track's chunk number {expected}, "
                    f"got {body.get('chunk')!r}"
                )


@check
def timestamps_follow_the_audio(observed: Observation) -> None:
    """`media.timestamp` (milliseconds from the start of the Stream) never goes back, and advances by
    exactly the audio of the chunk before it (160 bytes: 20 ms), so that no audio time is lost or made up.
    The 20 ms are observed, not documented; the rule that presentation time advances with the audio
    holds for any chunk size."""
    streamed = _streamed(observed)
    if streamed is None:
        return
    for track, chunks in _media_by_track(streamed[1]).items():
        for (_, before), (_, after) in pairwise(chunks):
            earlier, later, size = (
                _digits(before.get("timestamp")),
                _digits(after.get("timestamp")),
                _audio_bytes(before),
            )
            if earlier is None or later is None or size is None:
                continue  # messages_match_their_schemas judges these
            duration = size / messages.BYTES_PER_MS
            if later != earlier + duration:
                raise AssertionError(
                    f"expected the {track} timestamp to advance by {duration:g} ms (the audio of chunk "
                    f"{before.get('chunk')}) from {earlier}, got {later}"
                )


@check
def payloads_are_20_ms_of_mulaw(observed: Observation) -> None:
    """Each `media.payload` is 160 bytes of 8 kHz mono mu-law, base64: 20 ms, what Twilio is observed to
    send (its documentation gives no size)."""
    streamed = _streamed(observed)
    if streamed is None:
        return
    for track, chunks in _media_by_track(streamed[1]).items():
        for _, body in chunks:
            size = _audio_bytes(body)
            if size is not None and size != messages.CHUNK_BYTES:
                raise AssertionError(
                    f"expected {messages.CHUNK_BYTES} bytes of audio ({messages.CHUNK_MS} ms of mu-law) in every "
                    f"payload, got {size} in the {track} track's chunk {body.get('chunk')}"
                )


def _slope(times: Sequence[float]) -> float:
    """Seconds per chunk: the least-squares slope of arrival time over chunk index. Unlike first-to-last
    arithmetic, it barely moves when the first or the last few chunks are early or late."""
    mean_index, mean_time = (len(times) - 1) / 2, sum(times) / len(times)
    spread = sum((index - mean_index) ** 2 for index in range(len(times)))
    return sum((index - mean_index) * (at - mean_time) for index, at in enumerate(times)) / spread


@check
def media_rate_is_real_time(observed: Observation) -> None:
    """Each track delivers one chunk per 20 ms: its chunks arrive at 20 ms apart on average (the slope
    over the window, within `Bounds.rate_tolerance`), and none is missing between the first and the stop
    request (the count, within the same tolerance and `Bounds.rate_slack_chunks`)."""
    streamed = _streamed(observed)
    if streamed is None:
        return
    bounds = observed.bounds
    stopped = _stopped(observed)
    for track, chunks in _media_by_track(streamed[1]).items():
        times = [message.at for message, _ in chunks]
        if len(times) >= MIN_CHUNKS_FOR_A_RATE:
            pace = _slope(times)
            if abs(pace - CHUNK_S) > bounds.rate_tolerance * CHUNK_S:
                raise AssertionError(
                    f"expected a {track} chunk every {messages.CHUNK_MS} ms (±{bounds.rate_tolerance:.0%}), "
                    f"got one every {pace * 1000:.1f} ms over {len(times)} chunks"
                )
        if stopped is not None and stopped.sent_at > times[0]:
            due = (stopped.sent_at - times[0]) / CHUNK_S
            if len(times) < due * (1 - bounds.rate_tolerance) - bounds.rate_slack_chunks:
                raise AssertionError(
                    f"expected about {due:.0f} {track} chunks between the first and the stop request "
                    f"({stopped.sent_at - times[0]:.2f} s), got {len(times)}"
                )


@check
def media_arrives_on_schedule(observed: Observation) -> None:
    """Each track's chunks arrive on a steady 20 ms schedule: none further than `Bounds.schedule_s` from
    its place, measured from where the track's chunks typically are (the median). A sender that bursts,
    stalls or drifts far (a slow drift is media_rate_is_real_time's) fails; one that paces by a schedule
    passes, a hiccup it catches up from included."""
    streamed = _streamed(observed)
    if streamed is None:
        return
    bound = observed.bounds.schedule_s
    for track, chunks in _media_by_track(streamed[1]).items():
        offsets = [message.at - index * CHUNK_S for index, (message, _) in enumerate(chunks)]
        typical = median(offsets)
        worst = max(range(len(offsets)), key=lambda index: abs(offsets[index] - typical))
        off = offsets[worst] - typical
        if abs(off) > bound:
            raise AssertionError(
                f"expected every {track} chunk within {bound * 1000:.0f} ms of a steady {messages.CHUNK_MS} ms "
                f"schedule, got chunk {worst + 1} of {len(chunks)} {abs(off) * 1000:.0f} ms "
                f"{'late' if off > 0 else 'early'}"
            )


@check
def stop_follows_the_stop_request(observed: Observation) -> None:
    """After the stop's 200, a `stop` message arrives within `Bounds.stop_s`."""
    streamed, stopped = _streamed(observed), _stopped(observed)
    if streamed is None or stopped is None:
        return
    stop = next((m for m in streamed[1].messages if m.event == messages.STOP), None)
    bound = observed.bounds.stop_s
    if stop is None:
        raise AssertionError(
            f"expected a {messages.STOP!r} message within {bound:.1f} s of the stop's answer, got none"
        )
    if stop.at - stopped.at > bound:
        raise AssertionError(
            f"expected the {messages.STOP!r} message within {bound:.1f} s of the stop's answer, "
            f"got it {stop.at - stopped.at:.2f} s after"
        )


@check
def closes_normally_after_stop(observed: Observation) -> None:
    """The server keeps the WebSocket open until the stop, then closes it with 1000 (normal closure)
    within `Bounds.stop_s` of the stop's answer."""
    streamed, stopped = _streamed(observed), _stopped(observed)
    if streamed is None or stopped is None:
        return
    connection, bound = streamed[1], observed.bounds.stop_s
    if connection.closed_at is None:
        raise AssertionError(f"expected the WebSocket closed with 1000 within {bound:.1f} s of the stop, got it open")
    if connection.closed_at < stopped.sent_at:
        raise AssertionError(
            f"expected the WebSocket open until the stop, got it closed {stopped.sent_at - connection.closed_at:.2f} s "
            f"before it (code {connection.close_code}, {connection.close_reason!r})"
        )
    if connection.close_code != NORMAL_CLOSURE:
        raise AssertionError(
            f"expected close code 1000 (normal closure) after the stop, got {connection.close_code} "
            f"{connection.close_reason!r}"
        )
    if connection.closed_at - stopped.at > bound:
        raise AssertionError(
            f"expected the close within {bound:.1f} s of the stop's answer, "
            f"got it {connection.closed_at - stopped.at:.2f} s after"
        )


# --- Status callbacks ----------------------------------------------------------------------------------


def _received(observed: Observation) -> str:
    got = [f"{callback.method} {callback.event}" for callback in observed.callbacks]
    return ", ".join(got) or "none"


def _reported(observed: Observation, event: str) -> RecordedCallback:
    found = [callback for callback in observed.callbacks if callback.event == event]
    if not found:
        raise AssertionError(f"expected a {event} callback at {observed.callback_url}, got {_received(observed)}")
    if len(found) > 1:
        raise AssertionError(f"expected one {event} callback (each answered 200), got {len(found)}")
    return found[0]


@check
def stream_started_is_reported(observed: Observation) -> None:
    """A `stream-started` callback arrives, once."""
    if observed.scenario.reachable and observed.sid is not None:
        _reported(observed, callbacks.STREAM_STARTED)


@check
def stream_stopped_is_reported(observed: Observation) -> None:
    """After the stop, a `stream-stopped` callback arrives, once, after `stream-started`."""
    if not observed.scenario.reachable or observed.sid is None or _stopped(observed) is None:
        return
    stopped = _reported(observed, callbacks.STREAM_STOPPED)
    started = next((c for c in observed.callbacks if c.event == callbacks.STREAM_STARTED), None)
    if started is not None and started.at > stopped.at:
        raise AssertionError(f"expected {callbacks.STREAM_STARTED} before {callbacks.STREAM_STOPPED}, got it after")


@check
def unreachable_url_is_reported(observed: Observation) -> None:
    """A Stream whose `Url` nobody answers is reported with a `stream-error` callback that says why
    (`StreamError`; Twilio's error page 31920 points users to it)."""
    if observed.scenario.reachable or observed.sid is None:
        return
    error = _reported(observed, callbacks.STREAM_ERROR)
    if not error.params.get(callbacks.STREAM_ERROR_TEXT, "").strip():
        raise AssertionError(
            f"expected {callbacks.STREAM_ERROR_TEXT} saying why in the {callbacks.STREAM_ERROR} callback, got none"
        )


@check
def callbacks_use_the_method_asked(observed: Observation) -> None:
    """Every callback uses `StatusCallbackMethod` (POST by default): a POST carries a form body, a GET
    its parameters in the query."""
    method = observed.scenario.method
    for callback in observed.callbacks:
        if callback.method != method:
            asked = observed.scenario.callback_method or f"not given, so {method}"
            raise AssertionError(
                f"expected {method} callbacks (StatusCallbackMethod {asked}), "
                f"got {callback.method} for {callback.event}"
            )
        if method == POST and not callback.is_form:
            raise AssertionError(
                f"expected a {callbacks.FORM_CONTENT_TYPE} body on the {callback.event} callback, "
                f"got {callback.headers.get('content-type')!r}"
            )


def _timestamp_problem(value: str | None, arrived_at: float, bounds: Bounds) -> str | None:
    if value is None or not ISO_8601_UTC.fullmatch(value):
        return f"ISO 8601 in UTC (2024-01-15T10:30:00Z), got {value!r}"
    moment = datetime.fromisoformat(value)
    skew = abs(moment.timestamp() - arrived_at)
    if skew > bounds.clock_skew_s:
        seen = datetime.fromtimestamp(arrived_at, UTC).isoformat(timespec="seconds")
        return f"the time of the event ({seen} here, give or take {bounds.clock_skew_s:.0f} s), got {value!r}"
    return None


@check
def callback_parameters_are_right(observed: Observation) -> None:
    """Every callback names the account, the call, the Stream and its name (the SID when it has none),
    one of the three events, and the time of the event in ISO 8601, UTC."""
    sid = observed.sid
    if sid is None:
        return
    expected = {
        callbacks.ACCOUNT_SID: observed.account_sid,
        callbacks.CALL_SID: observed.call_sid,
        callbacks.STREAM_SID: sid,
        callbacks.STREAM_NAME: observed.stream_name or sid,
    }
    for callback in observed.callbacks:
        params = callback.params
        differing = {name: value for name, value in expected.items() if params.get(name) != value}
        if differing:
            got = {name: params.get(name) for name in differing}
            raise AssertionError(f"expected {callback.event} callback parameters {differing}, got {got}")
        if callback.event not in callbacks.STREAM_EVENTS:
            raise AssertionError(
                f"expected {callbacks.STREAM_EVENT} one of {', '.join(callbacks.STREAM_EVENTS)}, got {callback.event!r}"
            )
        problem = _timestamp_problem(
            params.get(callbacks.TIMESTAMP), callback.at + observed.wall_clock_offset, observed.bounds
        )
        if problem is not None:
            raise AssertionError(f"expected {callbacks.TIMESTAMP} of the {callback.event} callback in {problem}")


class _Repeated(dict[str, list[str]]):
    """Form values as Twilio's RequestValidator reads repeated ones (Flask's MultiDict has `getall`)."""

    def getall(self, name: str) -> list[str]:
        return self[name]


@check
def callbacks_are_signed(observed: Observation) -> None:
    """Every callback carries `X-Twilio-Signature`: Twilio's signature of the URL it was sent to (with
    the query, for a GET) and its form (for a POST), made with the Auth Token; judged by Twilio's own
    RequestValidator."""
    validator = RequestValidator(observed.auth_token)
    for callback in observed.callbacks:
        signature = callback.signature
        if not signature:
            raise AssertionError(f"expected an X-Twilio-Signature header on the {callback.event} callback, got none")
        if not validator.validate(callback.url, _Repeated(callback.signed_params()), signature):
            signed = f"{callback.url} and its form" if callback.is_form else callback.url
            raise AssertionError(
                f"expected X-Twilio-Signature of the {callback.event} callback to sign {signed} with the Auth "
                f"Token, got {signature!r}, which Twilio's RequestValidator refuses"
            )


def run_checks(observed: Observation) -> list[tuple[str, str | None]]:
    """(check name, failure message or None) for every check, in order."""
    results: list[tuple[str, str | None]] = []
    for function in CHECKS:
        try:
            function(observed)
        except AssertionError as failure:
            results.append((function.__name__, str(failure)))
        else:
            results.append((function.__name__, None))
    return results


def abridged(received: Sequence[ReceivedMessage], ends: int = 3, width: int = 160) -> list[str]:
    """The first and last few messages, each cut to ``width`` characters, for a failure report."""

    def line(message: ReceivedMessage) -> str:
        text = message.text if message.text is not None else f"<binary frame of {len(message.data or b'')} bytes>"
        return text if len(text) <= width else text[: width - 3] + "..."

    if len(received) <= 2 * ends:
        return [line(message) for message in received]
    return [
        *(line(message) for message in received[:ends]),
        f"... {len(received) - 2 * ends} more ...",
        *(line(message) for message in received[-ends:]),
    ]
