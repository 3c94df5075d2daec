"""The handlers of the two operations: authenticate, read the form, ask the store, render JSON.

Order of the checks, the same for both operations: credentials (401) first, so that nothing about an
account leaks to a caller who cannot prove it; then the path (404: an AccountSid other than the
authenticated one is "not found", never "forbidden", so other accounts stay invisible; a malformed
CallSid cannot name a call); then the body (413, 400); then the store.
"""

import json
import secrets
from datetime import UTC, datetime
from email.utils import format_datetime

import twilio_stream_contract as contract
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Scope

from twilio_stream_emulator import errors
from twilio_stream_emulator.cors import WWW_AUTHENTICATE
from twilio_stream_emulator.errors import ApiError
from twilio_stream_emulator.forms import check_content_type, parse_form, percent_decode, raw_path, read_body
from twilio_stream_emulator.state import State
from twilio_stream_emulator.store import CallNotInProgress, DuplicateSid, NameInUse, NewStream, Stream, TooManyTracks
from twilio_stream_emulator.uri import is_absolute_uri

# What Twilio does when these are absent, as the contract states it.
DEFAULT_TRACK = contract.CREATE_BODY.defaults["Track"]
DEFAULT_STATUS_CALLBACK_METHOD = contract.CREATE_BODY.defaults["StatusCallbackMethod"]
_SID_ATTEMPTS = 3


def rfc2822_now() -> str:
    """Now in UTC as Twilio writes dates: ``Thu, 30 Jul 2015 20:00:00 +0000``."""
    return format_datetime(datetime.now(UTC).replace(microsecond=0), usegmt=False)


def call_uri(account_sid: str, call_sid: str) -> str:
    return contract.CALL_PATH.format(AccountSid=account_sid, CallSid=call_sid)


def stream_uri(stream: Stream) -> str:
    return contract.stream_uri(stream.account_sid, stream.call_sid, stream.sid)


def render_stream(stream: Stream) -> bytes:
    """The seven keys of the contract's Stream schema, in its order, as ``json.dumps`` of the dict writes them.

    Each value goes through ``json.dumps`` on its own (a plain string is its fast path): the same
    bytes as dumping the whole dict, at a third of the cost, on the path of every answer.
    """
    dumps = json.dumps
    return (
        f'{{"sid": {dumps(stream.sid)}, "account_sid": {dumps(stream.account_sid)}, '
        f'"call_sid": {dumps(stream.call_sid)}, "name": {dumps(stream.name)}, "status": {dumps(stream.status)}, '
        f'"date_updated": {dumps(stream.date_updated)}, "uri": {dumps(stream_uri(stream))}}}'
    ).encode("ascii")


def _json(body: bytes) -> Response:
    return Response(body, media_type="application/json")


def error_response(exc: ApiError) -> Response:
    """The one place an ApiError becomes an answer (errors.render writes the body)."""
    return Response(
        errors.render(exc.error, **exc.fields),
        status_code=exc.status,
        headers=dict(exc.headers),
        media_type="application/json",
    )


def not_found(scope: Scope) -> ApiError:
    """Twilio's 404 names the path, as the client sent it."""
    return ApiError(errors.NOT_FOUND, path=raw_path(scope).decode("latin-1"))


class _Headers:
    """The three request headers the handlers read, found in one pass (ASGI header names are lowercase)."""

    __slots__ = ("authorization", "content_length", "content_type")

    def __init__(self, request: Request) -> None:
        self.authorization = self.content_type = self.content_length = None
        for name, value in request.scope["headers"]:
            if name == b"authorization":
                # Two Authorization headers are ambiguous, so neither proves anything: b"" authenticates no one.
                self.authorization = value if self.authorization is None else b""
            elif name == b"content-type":
                self.content_type = value
            elif name == b"content-length":
                self.content_length = value


def _authorize(request: Request, state: State, headers: _Headers) -> tuple[str, str]:
    """The (AccountSid, CallSid) of the path, once the credentials prove that account."""
    account_sid = state["settings"].accounts.authenticate(headers.authorization)
    if account_sid is None:
        raise ApiError(errors.AUTHENTICATE, headers={"WWW-Authenticate": WWW_AUTHENTICATE})
    params = request.path_params
    try:
        path_account_sid = percent_decode(params["AccountSid"])
        call_sid = percent_decode(params["CallSid"])
    except ValueError:
        raise not_found(request.scope) from None
    # SIDs are not secrets (the token is, and it was compared in constant time): == is fine here.
    if path_account_sid != account_sid or not contract.CALL_SID.fullmatch(call_sid):
        raise not_found(request.scope)
    return account_sid, call_sid


async def _form(request: Request, state: State, headers: _Headers, body_schema: contract.FormBody) -> dict[str, str]:
    """The form fields, checked against the contract: known, not repeated, required present, enums."""
    try:
        length = int(headers.content_length) if headers.content_length is not None else None
    except ValueError:
        raise ApiError(errors.MALFORMED_REQUEST) from None
    settings = state["settings"]
    body = await read_body(request.receive, length, settings.max_body_bytes)
    if not body:
        fields: dict[str, str] = {}
    else:
        check_content_type(None if headers.content_type is None else headers.content_type.decode("latin-1"))
        fields = parse_form(body, body_schema.fields, strict=settings.strict_forms)
    for parameter in body_schema.required:
        if parameter not in fields:
            raise ApiError(errors.MISSING_PARAMETER, parameter=parameter)
    for parameter, allowed in body_schema.enums.items():
        value = fields.get(parameter)
        if value is not None and value not in allowed:
            raise ApiError(errors.INVALID_PARAMETER, parameter=parameter, reason=f"must be one of {', '.join(allowed)}")
    for parameter in body_schema.uri_fields:
        value = fields.get(parameter)
        if value is not None and not is_absolute_uri(value):
            raise ApiError(errors.INVALID_PARAMETER, parameter=parameter, reason="must be an absolute URI")
    return fields


async def create_stream(request: Request) -> Response:
    """CreateStream: a new in-progress Stream on the call (every well-formed CallSid is a live call)."""
    state: State = request.scope["state"]
    headers = _Headers(request)
    account_sid, call_sid = _authorize(request, state, headers)
    fields = await _form(request, state, headers, contract.CREATE_BODY)
    store = state["store"]
    # An empty Name is no name: it could not be used to stop the Stream (the Sid path segment is never empty).
    name = fields.get("Name") or None
    for _ in range(_SID_ATTEMPTS):
        new = NewStream(
            sid="MZ" + secrets.token_hex(16),
            account_sid=account_sid,
            call_sid=call_sid,
            name=name,
            url=fields["Url"],
            track=fields.get("Track", DEFAULT_TRACK),
            status_callback=fields.get("StatusCallback"),
            status_callback_method=fields.get("StatusCallbackMethod", DEFAULT_STATUS_CALLBACK_METHOD),
            parameters={key: value for key, value in fields.items() if key.startswith("Parameter")},
        )
        try:
            return _json(render_stream(store.create(new, rfc2822_now())))
        except DuplicateSid:
            continue
        except NameInUse:
            raise ApiError(errors.NAME_IN_USE, name=name, call_sid=call_sid) from None
        except TooManyTracks as full:
            raise ApiError(
                errors.TOO_MANY_TRACKS,
                call_sid=call_sid,
                in_use=full.in_use,
                limit=contract.MAX_TRACKS_PER_CALL,
                track=new.track,
                needed=full.needed,
            ) from None
        except CallNotInProgress:
            raise ApiError(errors.CALL_NOT_IN_PROGRESS, call_sid=call_sid) from None
    raise ApiError(errors.INTERNAL_ERROR)


async def update_stream(request: Request) -> Response:
    """UpdateStream: stop the Stream named by SID or by name; a stopped one answers unchanged."""
    state: State = request.scope["state"]
    headers = _Headers(request)
    account_sid, call_sid = _authorize(request, state, headers)
    try:
        sid_or_name = percent_decode(request.path_params["Sid"])
    except ValueError:
        raise not_found(request.scope) from None
    await _form(request, state, headers, contract.UPDATE_BODY)  # Status=stopped is the only valid body
    stream = state["store"].stop(account_sid, call_sid, sid_or_name, rfc2822_now)
    if stream is None:
        raise not_found(request.scope)
    return _json(render_stream(stream))


async def update_call(request: Request) -> Response:
    """The hang-up of a call (Twilio's Call resource, not part of the Stream contract): ``Status=completed``
    ends the call and stops its in-progress Streams; later creates on it answer 21220.

    ``canceled`` hangs up only a queued or ringing call on Twilio, and every call here is in progress,
    so it changes nothing; a request without ``Status`` (a redirect, on Twilio) changes nothing either.
    The answer is a Call with the fields the emulator knows; Twilio's SDK reads the others as None.
    """
    state: State = request.scope["state"]
    headers = _Headers(request)
    account_sid, call_sid = _authorize(request, state, headers)
    fields = await _form(request, state, headers, contract.CALL_UPDATE_BODY)
    store = state["store"]
    if fields.get("Status") == contract.CALL_COMPLETED:
        date_updated: str | None = store.end_call(account_sid, call_sid, rfc2822_now).date_updated
    else:
        date_updated = store.call_ended(account_sid, call_sid)
    call = {
        "sid": call_sid,
        "account_sid": account_sid,
        "status": contract.CALL_IN_PROGRESS if date_updated is None else contract.CALL_COMPLETED,
        "date_updated": date_updated,
        "api_version": contract.API_VERSION,
        "uri": call_uri(account_sid, call_sid),
        "subresource_uris": {"streams": contract.CREATE_STREAM_PATH.format(AccountSid=account_sid, CallSid=call_sid)},
    }
    return _json(json.dumps(call).encode("utf-8"))
