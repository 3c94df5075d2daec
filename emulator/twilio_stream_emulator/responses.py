"""The handlers: authenticate, read the form, ask the store, render JSON; and the exception handlers.

Order of the checks, the same for every operation: credentials (401) first, so that nothing about an
account leaks to a caller who cannot prove it; then the path (404: an AccountSid other than the
authenticated one is "not found", never "forbidden", so other accounts stay invisible; a malformed
CallSid cannot name a call); then the body (413, 400); then the store.
"""

from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

import twilio_stream_contract as contract
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response

from twilio_stream_emulator import errors
from twilio_stream_emulator.errors import ApiError
from twilio_stream_emulator.forms import check_content_type, parse_form, percent_decode, raw_path
from twilio_stream_emulator.media import messages
from twilio_stream_emulator.media.session import StreamPlan
from twilio_stream_emulator.state import State
from twilio_stream_emulator.store import CallNotInProgress, DuplicateSid, NameInUse, NewStream, Stream, TooManyTracks
from twilio_stream_emulator.uri import is_absolute_uri

_SID_ATTEMPTS = 3
# Every route answers OPTIONS (the browsers' CORS preflight, no credentials needed) and POST (every
# operation's method); a 405 names them.
METHODS = ("OPTIONS", "POST")
ALLOW = ", ".join(METHODS)


def rfc2822_now() -> str:
    """Now in UTC as Twilio writes dates: ``Thu, 30 Jul 2015 20:00:00 +0000``."""
    return format_datetime(datetime.now(UTC).replace(microsecond=0), usegmt=False)


def stream_json(stream: Stream) -> dict[str, Any]:
    """The Stream as the contract shows it: its seven fields, in the contract's order."""
    fields = {
        "sid": stream.sid,
        "account_sid": stream.account_sid,
        "call_sid": stream.call_sid,
        "name": stream.name,
        "status": stream.status,
        "date_updated": stream.date_updated,
        "uri": contract.stream_uri(stream.account_sid, stream.call_sid, stream.sid),
    }
    return {field: fields[field] for field in contract.STREAM_FIELDS}


def error_response(exc: ApiError) -> Response:
    """The one place an ApiError becomes an answer (errors.render writes the body)."""
    return Response(
        errors.render(exc.error, **exc.fields),
        status_code=exc.status,
        headers=dict(exc.headers),
        media_type="application/json",
    )


async def api_error(request: Request, exc: Exception) -> Response:
    """Starlette's exception handler for ApiError."""
    assert isinstance(exc, ApiError)
    return error_response(exc)


async def http_error(request: Request, exc: Exception) -> Response:
    """Starlette's own 404 (no route) and 405 (a route, another method), in Twilio's words.

    Twilio's 404 names the path, as the client sent it; a 405 names the methods a route answers.
    """
    assert isinstance(exc, HTTPException)
    if exc.status_code == 405:
        return error_response(ApiError(errors.METHOD_NOT_ALLOWED, headers={"Allow": ALLOW}))
    return error_response(not_found(request))


def not_found(request: Request) -> ApiError:
    return ApiError(errors.NOT_FOUND, path=raw_path(request.scope).decode("latin-1"))


def with_preflight(endpoint: Any) -> Any:
    """The endpoint, with OPTIONS answered as the browsers' CORS preflight (no credentials needed)."""

    async def endpoint_or_preflight(request: Request) -> Response:
        if request.method == "OPTIONS":
            return Response(status_code=204, headers={"Allow": ALLOW})
        response: Response = await endpoint(request)
        return response

    return endpoint_or_preflight


def _authorize(request: Request) -> tuple[str, str]:
    """The (AccountSid, CallSid) of the path, once the credentials prove that account."""
    state: State = request.scope["state"]
    # Two Authorization headers are ambiguous, so neither proves anything.
    authorizations = request.headers.getlist("authorization")
    authorization = authorizations[0].encode("latin-1") if len(authorizations) == 1 else None
    account_sid = state["settings"].accounts.authenticate(authorization)
    if account_sid is None:
        raise ApiError(errors.AUTHENTICATE, headers={contract.CHALLENGE_HEADER: contract.WWW_AUTHENTICATE})
    try:
        path_account_sid = percent_decode(request.path_params["AccountSid"])
        call_sid = percent_decode(request.path_params["CallSid"])
    except ValueError:
        raise not_found(request) from None
    # SIDs are not secrets (the token is, and it was compared in constant time): == is fine here.
    if path_account_sid != account_sid or not contract.CALL_SID.fullmatch(call_sid):
        raise not_found(request)
    return account_sid, call_sid


async def _read_body(request: Request, limit: int) -> bytes:
    """The whole request body, or 413 as soon as it is known to exceed ``limit`` bytes."""
    declared = request.headers.get("content-length")
    try:
        if declared is not None and int(declared) > limit:
            raise ApiError(errors.BODY_TOO_LARGE, limit=limit)
    except ValueError:
        raise ApiError(errors.MALFORMED_REQUEST) from None
    body = bytearray()
    try:
        async for chunk in request.stream():
            body += chunk
            if len(body) > limit:
                raise ApiError(errors.BODY_TOO_LARGE, limit=limit)
    except ClientDisconnect:
        # The client went away before sending its whole body; nobody is left to answer.
        raise ApiError(errors.MALFORMED_REQUEST) from None
    return bytes(body)


async def _form(request: Request, body_schema: contract.FormBody) -> dict[str, str]:
    """The form fields the contract knows, checked: required present, enums, ``format: uri``."""
    settings = request.scope["state"]["settings"]
    body = await _read_body(request, settings.max_body_bytes)
    fields: dict[str, str] = {}
    if body:
        check_content_type(request.headers.get("content-type"))
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


def custom_parameters(fields: Mapping[str, str]) -> dict[str, str]:
    """The ``ParameterN.Name``/``ParameterN.Value`` fields of a create, as they were sent."""
    return {key: value for key, value in fields.items() if key.startswith("Parameter")}


def _plan(stream: Stream, new: NewStream, request: Request) -> StreamPlan:
    """What the new Stream's media is to do; signed with its account's Auth Token."""
    return StreamPlan(
        stream_sid=stream.sid,
        account_sid=stream.account_sid,
        call_sid=stream.call_sid,
        name=stream.name,
        url=new.url,
        track=new.track,
        custom_parameters=messages.custom_parameters(new.parameters),
        status_callback=new.status_callback,
        status_callback_method=new.status_callback_method,
        auth_token=request.scope["state"]["settings"].accounts.tokens[stream.account_sid],
    )


async def create_stream(request: Request) -> Response:
    """CreateStream: a new in-progress Stream on the call."""
    account_sid, call_sid = _authorize(request)
    fields = await _form(request, contract.CREATE_BODY)
    store = request.scope["state"]["store"]
    # An empty Name is no name: it could not be used to stop the Stream (the Sid path segment is never empty).
    name = fields.get("Name") or None
    track = fields.get("Track", contract.DEFAULT_TRACK)
    for _ in range(_SID_ATTEMPTS):
        new = NewStream(
            sid=contract.new_sid(contract.STREAM_SID),
            account_sid=account_sid,
            call_sid=call_sid,
            name=name,
            url=fields["Url"],
            track=track,
            status_callback=fields.get("StatusCallback"),
            status_callback_method=fields.get("StatusCallbackMethod", contract.DEFAULT_STATUS_CALLBACK_METHOD),
            parameters=custom_parameters(fields),
        )
        try:
            stream = store.create(new, rfc2822_now())
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
                track=track,
                needed=full.needed,
            ) from None
        except CallNotInProgress:
            raise ApiError(errors.CALL_NOT_IN_PROGRESS, call_sid=call_sid) from None
        request.scope["state"]["media"].start(_plan(stream, new, request))
        return JSONResponse(stream_json(stream))
    raise ApiError(errors.INTERNAL_ERROR)


async def update_stream(request: Request) -> Response:
    """UpdateStream: stop the Stream named by SID or by name; a stopped one answers unchanged."""
    account_sid, call_sid = _authorize(request)
    try:
        sid_or_name = percent_decode(request.path_params["Sid"])
    except ValueError:
        raise not_found(request) from None
    await _form(request, contract.UPDATE_BODY)  # Status=stopped is the only valid body
    stream = request.scope["state"]["store"].stop(account_sid, call_sid, sid_or_name, rfc2822_now)
    if stream is None:
        raise not_found(request)
    request.scope["state"]["media"].stop([stream.sid])
    return JSONResponse(stream_json(stream))


async def update_call(request: Request) -> Response:
    """The hang-up of a call (Twilio's Call resource, not part of the Stream contract): ``Status=completed``
    ends the call and stops its in-progress Streams; later creates on it answer 21220.

    ``canceled`` hangs up only a queued or ringing call on Twilio, and every call here is in progress,
    so it changes nothing; a request without ``Status`` (a redirect, on Twilio) changes nothing either.
    The answer is a Call with the fields the emulator knows; Twilio's SDK reads the others as None.
    """
    account_sid, call_sid = _authorize(request)
    fields = await _form(request, contract.CALL_UPDATE_BODY)
    store = request.scope["state"]["store"]
    if fields.get("Status") == contract.CALL_COMPLETED:
        ended = store.end_call(account_sid, call_sid, rfc2822_now)
        request.scope["state"]["media"].stop(stream.sid for stream in ended.stopped)
        date_updated: str | None = ended.date_updated
    else:
        date_updated = store.call_ended(account_sid, call_sid)
    call = {
        "sid": call_sid,
        "account_sid": account_sid,
        "status": contract.CALL_IN_PROGRESS if date_updated is None else contract.CALL_COMPLETED,
        "date_updated": date_updated,
        "api_version": contract.API_VERSION,
        "uri": contract.call_path(account_sid, call_sid),
        "subresource_uris": {"streams": contract.streams_path(account_sid, call_sid)},
    }
    return JSONResponse(call)
