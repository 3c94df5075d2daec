"""Deliberately defective servers: the emulator with exactly one defect each, for the self-test.

Each defect is an ASGI middleware around the emulator's `create_app(...)` that rewrites one thing of
the request or the answer, the way a plausible server bug would. The self-test proves that
`make conformance` fails on every one of them, naming `check`, and passes on the emulator itself.

    python -m twilio_stream_conformance.defects NAME --port 8080 --db store.sqlite3   # serve one (credentials from env)
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import re
import secrets
from collections.abc import Awaitable, Callable, MutableMapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode

import twilio_stream_contract as contract
from twilio_stream_contract import callbacks
from twilio_stream_contract import media as media_contract
from twilio_stream_emulator import errors

from twilio_stream_conformance.media_relay import Forward, MediaRelay, Rewrites, StreamRewrites
from twilio_stream_conformance.wire import basic_user, json_object

if TYPE_CHECKING:
    from twilio_stream_emulator.settings import Settings

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
Headers = list[tuple[bytes, bytes]]


def _path_pattern(template: str) -> re.Pattern[str]:
    """The decoded paths of a contract template: `{AccountSid}`, `{CallSid}`, `{Sid}` as named groups."""
    # A Stream's Sid may be a name holding `/`; the SIDs never do.
    groups = {"AccountSid": "(?P<account>[^/]+)", "CallSid": "(?P<call>[^/]+)", "Sid": "(?P<sid>.+)"}
    pattern = re.escape(template)
    for parameter, group in groups.items():
        pattern = pattern.replace(re.escape("{" + parameter + "}"), group)
    return re.compile(pattern)


CREATE_PATH = _path_pattern(contract.CREATE_STREAM_PATH)
UPDATE_PATH = _path_pattern(contract.UPDATE_STREAM_PATH)


@dataclass
class Answer:
    """A buffered answer that a defect may rewrite before it is sent."""

    status: int
    headers: Headers
    body: bytes

    def header(self, name: str) -> bytes | None:
        return next((value for key, value in self.headers if key.lower() == name.lower().encode()), None)

    def without_header(self, name: str) -> None:
        self.headers = [(key, value) for key, value in self.headers if key.lower() != name.lower().encode()]

    def set_header(self, name: str, value: str) -> None:
        self.without_header(name)
        self.headers.append((name.lower().encode(), value.encode()))

    def json(self) -> dict[str, Any] | None:
        return json_object(self.body)

    def set_json(self, body: dict[str, Any]) -> None:
        self.body = json.dumps(body).encode()

    def set_error(self, error: errors.TwilioError, **fields: object) -> None:
        """The answer becomes this Twilio error of the emulator's catalogue."""
        self.status = error.status
        self.body = errors.render(error, **fields)


class Defect:
    """One bug. Subclasses override `request` and/or `answer`; `check` is the check that must catch it."""

    name = ""
    check: str | None = ""  # None: not a defect, the server must conform
    description = ""
    # Caught only by the stream effects (what a Stream does), not by the REST part.
    stream_effect = False

    def request(self, scope: Scope) -> None:
        """Rewrite the request (path, headers) before the emulator sees it."""

    def answer(self, scope: Scope, answer: Answer) -> None:
        """Rewrite the emulator's answer before the client sees it."""

    def body(self, scope: Scope, body: bytes) -> bytes:
        """Rewrite the request body before the emulator reads it."""
        return body

    def settings(self, settings: Settings) -> Settings:
        """Change how the emulator itself is configured."""
        return settings


def _is_create(scope: Scope) -> bool:
    return bool(CREATE_PATH.match(scope["path"]))


def _rewrite_fields(body: bytes, rewrite: Callable[[str, str], str]) -> bytes:
    """The form with each well-formed ``name=value`` pair passed through ``rewrite(name, value)``; every
    other byte as it was, so that a malformed body stays exactly as malformed (the suite sends those)."""
    pairs = []
    for pair in body.split(b"&"):
        try:
            parsed = parse_qsl(pair.decode(), keep_blank_values=True, errors="strict")
        except UnicodeDecodeError:
            parsed = []  # not UTF-8: the server refuses it, relay or not
        if len(parsed) == 1 and b"=" in pair:
            name, value = parsed[0]
            changed = rewrite(name, value)
            if changed != value:
                pair = urlencode([(name, changed)]).encode()
        pairs.append(pair)
    return b"&".join(pairs)


def _is_update(scope: Scope) -> bool:
    return bool(UPDATE_PATH.match(scope["path"]))


def _stream(scope: Scope, answer: Answer) -> dict[str, Any] | None:
    """The Stream of a 200 answer of either operation."""
    if answer.status != 200 or not (_is_create(scope) or _is_update(scope)):
        return None
    return answer.json()


class IsoDate(Defect):
    name, check = "iso-8601-date", "date_updated_is_rfc2822_gmt"
    description = "date_updated in ISO 8601 (2015-07-30T20:00:00Z) instead of RFC 2822"

    def answer(self, scope: Scope, answer: Answer) -> None:
        from email.utils import parsedate_to_datetime

        stream = _stream(scope, answer)
        if stream and isinstance(stream.get("date_updated"), str):
            moment = parsedate_to_datetime(stream["date_updated"])
            answer.set_json({**stream, "date_updated": moment.strftime("%Y-%m-%dT%H:%M:%SZ")})


class LocalTimeDate(Defect):
    name, check = "local-time-date", "date_updated_is_rfc2822_gmt"
    description = "date_updated in RFC 2822 but at +0100 rather than GMT (the contract's pattern allows it)"

    def answer(self, scope: Scope, answer: Answer) -> None:
        from datetime import timedelta, timezone
        from email.utils import format_datetime, parsedate_to_datetime

        stream = _stream(scope, answer)
        if stream and isinstance(stream.get("date_updated"), str):
            moment = parsedate_to_datetime(stream["date_updated"]).astimezone(timezone(timedelta(hours=1)))
            answer.set_json({**stream, "date_updated": format_datetime(moment)})


class MissingCorsHeader(Defect):
    name, check = "missing-cors-header", "cors_headers_present"
    description = f"no {contract.CORS_HEADERS[-1][0]}"

    def answer(self, scope: Scope, answer: Answer) -> None:
        answer.without_header(contract.CORS_HEADERS[-1][0])


class CorsCredentialsNotBoolean(Defect):
    name, check = "cors-credentials-not-boolean", "cors_credentials_is_boolean"
    description = "Access-Control-Allow-Credentials: yes"

    def answer(self, scope: Scope, answer: Answer) -> None:
        answer.set_header(contract.ALLOW_CREDENTIALS_HEADER, "yes")


class ServerErrorOnInvalidBody(Defect):
    name, check = "server-error-on-invalid-body", "not_a_server_error"
    description = "500 instead of 400 for a malformed or invalid form body"

    def answer(self, scope: Scope, answer: Answer) -> None:
        if answer.status == 400:
            answer.status = 500
            answer.set_error(errors.INTERNAL_ERROR)


class WrongPasswordAccepted(Defect):
    name, check = "wrong-password-accepted", "wrong_auth_token_is_refused"
    description = "any Auth Token is accepted for a known Account SID"

    def request(self, scope: Scope) -> None:
        account_sid, auth_token = os.environ["TWILIO_ACCOUNT_SID"], os.environ["TWILIO_AUTH_TOKEN"]
        headers: Headers = list(scope["headers"])
        for index, (key, value) in enumerate(headers):
            if key.lower() == b"authorization" and basic_user(value) == account_sid:
                headers[index] = (key, b"Basic " + base64.b64encode(f"{account_sid}:{auth_token}".encode()))
        scope["headers"] = headers


class StopLeavesInProgress(Defect):
    name, check = "stop-leaves-in-progress", "stop_answers_stopped"
    description = "a stop answers status in-progress"

    def answer(self, scope: Scope, answer: Answer) -> None:
        stream = _stream(scope, answer)
        if stream and _is_update(scope):
            answer.set_json({**stream, "status": contract.IN_PROGRESS})


class CreateAnswersStopped(Defect):
    name, check = "create-answers-stopped", "create_answers_in_progress"
    description = "a create answers status stopped"

    def answer(self, scope: Scope, answer: Answer) -> None:
        stream = _stream(scope, answer)
        if stream and _is_create(scope):
            answer.set_json({**stream, "status": contract.STOPPED})


class TextPlain(Defect):
    name, check = "text-plain", "content_type_conformance"
    description = "Content-Type: text/plain on JSON answers"

    def answer(self, scope: Scope, answer: Answer) -> None:
        answer.set_header("content-type", "text/plain; charset=utf-8")


class UriOfAnotherSid(Defect):
    name, check = "uri-of-another-sid", "uri_is_canonical_path"
    description = "uri names a different Stream SID than sid"

    def answer(self, scope: Scope, answer: Answer) -> None:
        stream = _stream(scope, answer)
        if stream and isinstance(stream.get("uri"), str) and isinstance(stream.get("sid"), str):
            answer.set_json({**stream, "uri": stream["uri"].replace(stream["sid"], "MZ" + secrets.token_hex(16))})


class AccountSidNotPath(Defect):
    name, check = "account-sid-not-path", "account_sid_matches_path"
    description = "account_sid of another account"

    def answer(self, scope: Scope, answer: Answer) -> None:
        stream = _stream(scope, answer)
        if stream:
            answer.set_json({**stream, "account_sid": "AC" + "0" * 32})


class CallSidNotPath(Defect):
    name, check = "call-sid-not-path", "call_sid_matches_path"
    description = "call_sid of another call"

    def answer(self, scope: Scope, answer: Answer) -> None:
        stream = _stream(scope, answer)
        if stream:
            answer.set_json({**stream, "call_sid": "CA" + "0" * 32})


class UnknownStreamFound(Defect):
    name, check = "unknown-stream-found", "unknown_stream_is_not_found"
    description = "200 with a made-up Stream for a stop of an unknown Stream"

    def answer(self, scope: Scope, answer: Answer) -> None:
        match = UPDATE_PATH.match(scope["path"])
        if answer.status != 404 or match is None or not contract.STREAM_SID.fullmatch(match["sid"]):
            return
        account, call, sid = match["account"], match["call"], match["sid"]
        answer.status = 200
        answer.set_json(
            {
                "sid": sid,
                "account_sid": account,
                "call_sid": call,
                "name": None,
                "status": contract.STOPPED,
                "date_updated": "Thu, 30 Jul 2015 20:00:00 +0000",
                "uri": contract.stream_uri(account, call, sid),
            }
        )


class NoWwwAuthenticate(Defect):
    name, check = "no-www-authenticate", "unauthorized_carries_challenge"
    description = "401 without WWW-Authenticate"

    def answer(self, scope: Scope, answer: Answer) -> None:
        answer.without_header(contract.CHALLENGE_HEADER)


class ErrorWithoutCode(Defect):
    name, check = "error-without-code", "client_error_is_twilio_error"
    description = "Twilio error bodies without code"

    def answer(self, scope: Scope, answer: Answer) -> None:
        error = answer.json()
        if 400 <= answer.status < 500 and error is not None:
            error.pop("code", None)
            answer.set_json(error)


class ErrorStatusMismatch(Defect):
    name, check = "error-status-mismatch", "error_status_matches_http_status"
    description = "every Twilio error body says status 400, whatever the HTTP status"

    def answer(self, scope: Scope, answer: Answer) -> None:
        error = answer.json()
        if 400 <= answer.status < 500 and error is not None:
            answer.set_json({**error, "status": 400})


class NonTwilioErrorShape(Defect):
    name, check = "non-twilio-error-shape", "client_error_is_twilio_error"
    description = 'errors as {"error": {"message": ...}} rather than Twilio\'s code/message/more_info/status'

    def answer(self, scope: Scope, answer: Answer) -> None:
        error = answer.json()
        if 400 <= answer.status < 500 and error is not None:
            answer.set_json({"error": {"message": error.get("message", "")}})


class StopByNameStopsWrongStream(Defect):
    name, check = "stop-by-name-wrong-stream", "stop_by_name_answers_the_created_stream"
    description = "a stop by name stops the call's first stream, whatever its name"

    def __init__(self) -> None:
        self._first_sid_of_call: dict[tuple[str, str], str] = {}

    def request(self, scope: Scope) -> None:
        match = UPDATE_PATH.match(scope["path"])
        if match is None or contract.STREAM_SID.fullmatch(match["sid"]):
            return
        first = self._first_sid_of_call.get((match["account"], match["call"]))
        if first is not None:
            path = contract.stream_uri(match["account"], match["call"], first)
            scope["path"], scope["raw_path"] = path, path.encode()

    def answer(self, scope: Scope, answer: Answer) -> None:
        match = CREATE_PATH.match(scope["path"])
        stream = _stream(scope, answer)
        if match and stream and isinstance(stream.get("sid"), str):
            self._first_sid_of_call.setdefault((match["account"], match["call"]), stream["sid"])


class CreateAlways404(Defect):
    name, check = "create-always-404", "stateful_create_is_accepted"
    description = "every valid create refused with a well-formed Twilio 404"

    def answer(self, scope: Scope, answer: Answer) -> None:
        if _is_create(scope) and answer.status == 200:
            answer.set_error(errors.NOT_FOUND, path=scope["path"])


class CreateAlways400(Defect):
    name, check = "create-always-400", "stateful_create_is_accepted"
    description = "every valid create refused with a well-formed Twilio 400 (as if the name were in use)"

    def answer(self, scope: Scope, answer: Answer) -> None:
        if _is_create(scope) and answer.status == 200:
            answer.set_error(errors.CALL_NOT_IN_PROGRESS, call_sid="")


class Create404NoPreflight(CreateAlways404):
    name, check = "create-404-no-preflight", "stateful_create_is_accepted"
    description = "every valid create refused with a Twilio 404, and OPTIONS answered 405 like any other method"

    def answer(self, scope: Scope, answer: Answer) -> None:
        super().answer(scope, answer)
        if scope["method"] == "OPTIONS":
            answer.set_error(errors.METHOD_NOT_ALLOWED)
            answer.set_header("allow", "POST")


class SidNull(Defect):
    name, check = "sid-null", "uri_is_canonical_path"
    description = "sid: null on every Stream (the contract's schema allows it)"

    def answer(self, scope: Scope, answer: Answer) -> None:
        stream = _stream(scope, answer)
        if stream:
            answer.set_json({**stream, "sid": None})


class DateUpdatedNull(Defect):
    name, check = "date-updated-null", "date_updated_is_rfc2822_gmt"
    description = "date_updated: null on every Stream (the contract's schema allows it)"

    def answer(self, scope: Scope, answer: Answer) -> None:
        stream = _stream(scope, answer)
        if stream:
            answer.set_json({**stream, "date_updated": None})


class StopBySidWrong(Defect):
    name, check = "stop-by-sid-wrong", "stop_by_sid_answers_that_stream"
    description = "a stop answers with another Stream SID, its uri matching that SID"

    def answer(self, scope: Scope, answer: Answer) -> None:
        stream = _stream(scope, answer)
        if stream and _is_update(scope) and isinstance(stream.get("sid"), str) and isinstance(stream.get("uri"), str):
            other = "MZ" + secrets.token_hex(16)
            answer.set_json({**stream, "sid": other, "uri": stream["uri"].replace(stream["sid"], other)})


class StopAnswersAnotherName(Defect):
    name, check = "stop-answers-another-name", "stop_by_sid_answers_that_stream"
    description = "a stop answers the right Stream SID under another name"

    def answer(self, scope: Scope, answer: Answer) -> None:
        stream = _stream(scope, answer)
        if stream and _is_update(scope):
            answer.set_json({**stream, "name": f"not-{stream.get('name')}"})


class TracksCountedAsStreams(Defect):
    name, check = "tracks-over-the-limit", "track_limit_is_enforced"
    description = "the limit of a call counts Streams, not tracks: a both_tracks Stream takes one place, not two"
    stream_effect = True

    def body(self, scope: Scope, body: bytes) -> bytes:
        if not _is_create(scope):
            return body
        # The server records a Stream of two tracks as if it took one.
        one = contract.track_of_width(1)
        return _rewrite_fields(
            body, lambda name, value: one if name == "Track" and len(contract.TRACKS_OF.get(value, ())) > 1 else value
        )


class UnknownFieldsRefused(Defect):
    name, check = "unknown-fields-refused", "positive_data_acceptance"
    description = "a form field the contract does not list is refused with a 400 (Twilio ignores it)"

    def settings(self, settings: Settings) -> Settings:
        return replace(settings, strict_forms=True)


class ExtraResponseFields(Defect):
    """Not a defect: a conforming server (SignalWire's Stream carries these two) that must pass."""

    name, check = "extra-response-fields", None
    description = "every Stream carries api_version and error_code besides the contract's seven fields"

    def answer(self, scope: Scope, answer: Answer) -> None:
        stream = _stream(scope, answer)
        if stream:
            answer.set_json({**stream, "api_version": contract.API_VERSION, "error_code": None})


# --- What a Stream does: the emulator behind a relay that breaks one thing (see media_relay.py) --------


class MediaDefect(Defect):
    """A defect of the Media Stream or of the status callbacks: each create's `Url` and `StatusCallback`
    go through a relay whose ``rewrites`` break one thing."""

    relay: MediaRelay | None = None
    stream_effect = True

    def rewrites(self) -> Rewrites:
        return Rewrites()

    def body(self, scope: Scope, body: bytes) -> bytes:
        if not _is_create(scope) or self.relay is None:
            return body
        return _rewrite_fields(body, self.relay.rewrite_field)


def _message(text: str) -> dict[str, Any]:
    return json.loads(text)  # type: ignore[no-any-return]


class _EditStart(StreamRewrites):
    """Change the `start` message, pass the rest."""

    def __init__(self, edit: Callable[[dict[str, Any]], None]) -> None:
        self._edit = edit

    async def message(self, text: str, forward: Forward) -> None:
        message = _message(text)
        if message.get("event") == media_contract.START:
            self._edit(message)
            text = json.dumps(message)
        await forward(text)


class _Rewrites(Rewrites):
    def __init__(self, stream: Callable[[], StreamRewrites]) -> None:
        self._stream = stream

    def stream(self) -> StreamRewrites:
        return self._stream()


class StartWithAnotherStreamSid(MediaDefect):
    name, check = "start-with-another-stream-sid", "start_echoes_the_create"
    description = "`start` names another streamSid than the Stream's sid"

    def rewrites(self) -> Rewrites:
        def edit(message: dict[str, Any]) -> None:
            message["start"]["streamSid"] = contract.new_sid(contract.STREAM_SID)

        return _Rewrites(lambda: _EditStart(edit))


class CustomParametersDropped(MediaDefect):
    name, check = "custom-parameters-dropped", "start_echoes_the_create"
    description = "`start.customParameters` is empty, whatever pairs the create gave"

    def rewrites(self) -> Rewrites:
        return _Rewrites(lambda: _EditStart(lambda message: message["start"].update(customParameters={})))


class WrongMediaFormat(MediaDefect):
    name, check = "wrong-media-format", "messages_match_their_schemas"
    description = '`start.mediaFormat.sampleRate` is the string "8000", not the number'

    def rewrites(self) -> Rewrites:
        def edit(message: dict[str, Any]) -> None:
            media_format = message["start"]["mediaFormat"]
            media_format["sampleRate"] = str(media_format["sampleRate"])

        return _Rewrites(lambda: _EditStart(edit))


class _Renumbered(StreamRewrites):
    """Insert media frames of its own, every later message renumbered so that the counters stay right:
    only what was inserted is wrong."""

    def __init__(self) -> None:
        self._extra = 0
        self._chunks: dict[str, int] = {}
        self._tracks: list[str] = []

    def inserted(self, media: dict[str, Any]) -> list[dict[str, Any]]:
        """The frames to send after this one (copies of it, changed)."""
        return []

    async def message(self, text: str, forward: Forward) -> None:
        message = _message(text)
        if message.get("event") == media_contract.START:
            self._tracks = list(message["start"]["tracks"])
        if "sequenceNumber" in message:
            message["sequenceNumber"] = str(int(message["sequenceNumber"]) + self._extra)
        if message.get("event") != media_contract.MEDIA:
            await forward(json.dumps(message))
            return
        for frame in [message["media"], *self.inserted(message["media"])]:
            track = frame["track"]
            self._chunks[track] = self._chunks.get(track, 0) + 1
            chunk = self._chunks[track]
            renumbered = {
                **message,
                "sequenceNumber": str(int(message["sequenceNumber"]) + (frame is not message["media"])),
            }
            renumbered["media"] = {
                **frame,
                "chunk": str(chunk),
                "timestamp": str((chunk - 1) * media_contract.CHUNK_MS),
            }
            if frame is not message["media"]:
                self._extra += 1
            await forward(json.dumps(renumbered))


class _Doubled(_Renumbered):
    def inserted(self, media: dict[str, Any]) -> list[dict[str, Any]]:
        return [dict(media)]


class FramesTooFast(MediaDefect):
    name, check = "frames-too-fast", "media_rate_is_real_time"
    description = "two frames of each track every 20 ms (the counters counting right)"

    def rewrites(self) -> Rewrites:
        return _Rewrites(_Doubled)


class _OtherTrackToo(_Renumbered):
    def inserted(self, media: dict[str, Any]) -> list[dict[str, Any]]:
        others = [track for track in media_contract.TRACKS if track not in self._tracks]
        return [{**media, "track": track} for track in others]


class MediaOnAnUnaskedTrack(MediaDefect):
    name, check = "media-on-an-unasked-track", "media_flows_on_the_expected_tracks"
    description = "a one-track Stream carries media on the other track too"

    def rewrites(self) -> Rewrites:
        return _Rewrites(_OtherTrackToo)


class _Slowed(StreamRewrites):
    async def message(self, text: str, forward: Forward) -> None:
        if _message(text).get("event") == media_contract.MEDIA:
            await asyncio.sleep(2 * media_contract.CHUNK_MS / 1000)  # each frame twice its time: half the rate
        await forward(text)


class FramesTooSlow(MediaDefect):
    name, check = "frames-too-slow", "media_rate_is_real_time"
    description = "a frame every 40 ms"

    def rewrites(self) -> Rewrites:
        return _Rewrites(_Slowed)


class _StopHeld(StreamRewrites):
    def __init__(self, delay_s: float | None) -> None:
        self._delay_s = delay_s

    async def message(self, text: str, forward: Forward) -> None:
        if _message(text).get("event") == media_contract.STOP:
            if self._delay_s is None:
                return
            await asyncio.sleep(self._delay_s)
        await forward(text)


class StopMissing(MediaDefect):
    name, check = "stop-missing", "stop_follows_the_stop_request"
    description = "no `stop` message: the socket just closes"

    def rewrites(self) -> Rewrites:
        return _Rewrites(lambda: _StopHeld(None))


class StopLate(MediaDefect):
    name, check = "stop-late", "stop_follows_the_stop_request"
    description = "`stop` comes 3 s after the stop's 200"

    def rewrites(self) -> Rewrites:
        return _Rewrites(lambda: _StopHeld(3.0))


class _CallbackRewrites(Rewrites):
    def __init__(self, drop: str | None = None, token: str | None = None, unsigned: bool = False) -> None:
        self._drop, self._token, self._unsigned = drop, token, unsigned

    def callback(self, params: dict[str, str]) -> dict[str, str] | None:
        return None if params.get(callbacks.STREAM_EVENT) == self._drop else params

    def signature(self, auth_token: str, url: str, params: dict[str, str]) -> str | None:
        if self._unsigned:
            return None
        return super().signature(self._token or auth_token, url, params)


class CallbacksUnsigned(MediaDefect):
    name, check = "callbacks-unsigned", "callbacks_are_signed"
    description = "status callbacks without X-Twilio-Signature"

    def rewrites(self) -> Rewrites:
        return _CallbackRewrites(unsigned=True)


class CallbacksWronglySigned(MediaDefect):
    name, check = "callbacks-wrongly-signed", "callbacks_are_signed"
    description = "status callbacks signed with another Auth Token"

    def rewrites(self) -> Rewrites:
        return _CallbackRewrites(token=secrets.token_hex(16))


class StreamStoppedMissing(MediaDefect):
    name, check = "stream-stopped-missing", "stream_stopped_is_reported"
    description = "no stream-stopped callback"

    def rewrites(self) -> Rewrites:
        return _CallbackRewrites(drop=callbacks.STREAM_STOPPED)


DEFECTS: dict[str, type[Defect]] = {
    defect.name: defect
    for defect in (
        IsoDate,
        LocalTimeDate,
        MissingCorsHeader,
        CorsCredentialsNotBoolean,
        ServerErrorOnInvalidBody,
        WrongPasswordAccepted,
        StopLeavesInProgress,
        CreateAnswersStopped,
        TextPlain,
        UriOfAnotherSid,
        AccountSidNotPath,
        CallSidNotPath,
        UnknownStreamFound,
        NoWwwAuthenticate,
        ErrorWithoutCode,
        ErrorStatusMismatch,
        NonTwilioErrorShape,
        StopByNameStopsWrongStream,
        CreateAlways404,
        CreateAlways400,
        Create404NoPreflight,
        SidNull,
        DateUpdatedNull,
        StopBySidWrong,
        StopAnswersAnotherName,
        UnknownFieldsRefused,
        TracksCountedAsStreams,
        StartWithAnotherStreamSid,
        CustomParametersDropped,
        WrongMediaFormat,
        FramesTooFast,
        FramesTooSlow,
        MediaOnAnUnaskedTrack,
        StopMissing,
        StopLate,
        CallbacksUnsigned,
        CallbacksWronglySigned,
        StreamStoppedMissing,
    )
}
# Variants of the emulator that are no defect: servers that differ from it the way a conforming server
# may (the self-test proves the suite lets them pass).
CONFORMING: dict[str, type[Defect]] = {variant.name: variant for variant in (ExtraResponseFields,)}
SERVERS = {**DEFECTS, **CONFORMING}


class DefectMiddleware:
    """Applies one defect to every HTTP exchange; the answer is buffered so it can be rewritten whole."""

    def __init__(self, app: ASGIApp, defect: Defect) -> None:
        self.app = app
        self.defect = defect

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        scope = dict(scope)
        self.defect.request(scope)
        receive = await self._rewritten_body(scope, receive)
        start: Message = {}
        chunks: list[bytes] = []

        async def rewrite(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
                return
            if message["type"] != "http.response.body":
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            answer = Answer(start["status"], list(start.get("headers", [])), b"".join(chunks))
            self.defect.answer(scope, answer)
            answer.set_header("content-length", str(len(answer.body)))
            await send({"type": "http.response.start", "status": answer.status, "headers": answer.headers})
            await send({"type": "http.response.body", "body": answer.body})

        await self.app(scope, receive, rewrite)

    async def _rewritten_body(self, scope: Scope, receive: Receive) -> Receive:
        """The request body, read whole and rewritten by the defect, as the app's `receive`."""
        if type(self.defect).body is Defect.body:
            return receive
        chunks: list[bytes] = []
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return receive
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        body = self.defect.body(scope, b"".join(chunks))
        scope["headers"] = [
            (name, str(len(body)).encode() if name.lower() == b"content-length" else value)
            for name, value in scope["headers"]
        ]
        delivered = False

        async def rewritten() -> Message:
            nonlocal delivered
            if delivered:
                return await receive()
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}

        return rewritten


def defective_app(defect_name: str, db: str) -> ASGIApp:
    """The emulator (credentials from the environment, store `db`) with one defect."""
    from twilio_stream_emulator.app import create_app
    from twilio_stream_emulator.settings import DB_ENV, Settings

    defect = SERVERS[defect_name]()
    settings = defect.settings(Settings.from_environment({**os.environ, DB_ENV: db}))
    if isinstance(defect, MediaDefect):
        # Serves for the process's whole life: the defective server stops with it.
        defect.relay = MediaRelay(defect.rewrites(), os.environ["TWILIO_AUTH_TOKEN"]).__enter__()
    return DefectMiddleware(create_app(settings), defect)


def main(argv: Sequence[str] | None = None) -> None:
    from twilio_stream_emulator.server import serve

    parser = argparse.ArgumentParser(
        prog="python -m twilio_stream_conformance.defects", description="Serve a defective emulator."
    )
    parser.add_argument("defect", choices=sorted(SERVERS))
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--db", default=":memory:")
    args = parser.parse_args(argv)
    # Served as the emulator serves itself, so that the defect is the only difference.
    serve(defective_app(args.defect, args.db), host=args.host, port=args.port)


if __name__ == "__main__":
    main()
