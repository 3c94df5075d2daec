"""Twilio-specific checks: what a server must do beyond what openapi.yaml can say to schemathesis.

The built-in checks already judge statuses, content types, headers and bodies against the contract.
These add the invariants of Twilio's Stream resource that a schema cannot express: a date in GMT, ids
that echo the path, a canonical `uri`, a valid create that succeeds where nothing can refuse it, the
status a create and a stop answer with, which stream a stop
by name or by SID reaches, Twilio's error shape on every 4xx (documented or not), the CORS headers on
every answer, the authentication challenge on a 401, and a wrong Auth Token refused.

Each check is one invariant. It returns None when the response is not its business (another status,
another operation) and raises AssertionError("expected X, got Y") when the invariant does not hold.
Loaded by schemathesis through `twilio_stream_conformance.hooks`; the unit tests call them directly.
"""

from __future__ import annotations

import base64
import re
import secrets
import threading
from datetime import UTC
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any

import httpx
import schemathesis
import twilio_stream_contract as contract
from schemathesis import Case as GenericCase
from schemathesis import CheckContext, GenerationMode, Response
from schemathesis.generation.meta import TestPhase

from twilio_stream_conformance.wire import basic_user, json_object

# Cases of any operation: the checks read only their path parameters, body and operationId.
Case = GenericCase[Any]

CREATE_STREAM, UPDATE_STREAM = contract.CREATE_STREAM, contract.UPDATE_STREAM

# The names of the CORS headers the contract requires on every answer.
CORS_HEADERS = tuple(name.lower() for name, _ in contract.CORS_HEADERS)
# The seed types Access-Control-Allow-Credentials as a boolean.
BOOLEAN_HEADER_VALUES = ("true", "false")
# RFC 2822 as the contract's pattern writes it (`Thu, 30 Jul 2015 20:00:00 +0000`).
RFC_2822 = re.compile(contract.document()["components"]["schemas"]["Stream"]["properties"]["date_updated"]["pattern"])


def operation_id(case: Case) -> str | None:
    """The operationId of the case's operation, e.g. "CreateStream"."""
    value = case.operation.definition.raw.get("operationId")
    return value if isinstance(value, str) else None


def header(response: Response, name: str) -> str | None:
    values = response.headers.get(name.lower())
    return values[0] if values else None


def path_parameter(case: Case, name: str) -> str | None:
    value = (case.path_parameters or {}).get(name)
    return value if isinstance(value, str) else None


def stream_body(response: Response, case: Case) -> dict[str, Any] | None:
    """The Stream of a 200 answer of either operation, else None."""
    if response.status_code != 200 or operation_id(case) not in (CREATE_STREAM, UPDATE_STREAM):
        return None
    return json_object(response.content)


# --- The Stream resource ---------------------------------------------------------------------------


@schemathesis.check
def date_updated_is_rfc2822_gmt(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    """`date_updated` is a real RFC 2822 date in GMT (`+0000`), its weekday agreeing with its date.

    The contract lets it be null, but a Stream that was just created or stopped has been updated: a
    null there is a server that never writes the date.
    """
    stream = stream_body(response, case)
    if stream is None:
        return None
    value = stream.get("date_updated")
    if not isinstance(value, str) or not RFC_2822.fullmatch(value):
        raise AssertionError(f"expected date_updated in RFC 2822 ('Thu, 30 Jul 2015 20:00:00 +0000'), got {value!r}")
    try:
        moment = parsedate_to_datetime(value)
    except ValueError as exc:
        raise AssertionError(f"expected date_updated to be a real date, got {value!r} ({exc})") from exc
    # The same moment written in GMT, as Twilio writes it: any other offset, or a weekday that is not
    # the date's, differs.
    in_gmt = format_datetime(moment.astimezone(UTC))
    if value != in_gmt:
        raise AssertionError(f"expected date_updated in GMT, {in_gmt!r}, got {value!r}")
    return None


def _field_matches_path(response: Response, case: Case, field: str, parameter: str) -> None:
    stream = stream_body(response, case)
    expected = path_parameter(case, parameter)
    if stream is None or expected is None or stream.get(field) == expected:
        return
    raise AssertionError(f"expected {field} {expected!r} (the path), got {stream.get(field)!r}")


@schemathesis.check
def account_sid_matches_path(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    """The Stream's `account_sid` is the AccountSid of the request path."""
    _field_matches_path(response, case, "account_sid", "AccountSid")
    return None


@schemathesis.check
def call_sid_matches_path(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    """The Stream's `call_sid` is the CallSid of the request path."""
    _field_matches_path(response, case, "call_sid", "CallSid")
    return None


@schemathesis.check
def uri_is_canonical_path(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    """`uri` is the canonical path of the returned `sid` on the account and call of the request.

    The contract lets `sid` be null, but the Stream a create or a stop answers with exists: it has a SID.
    """
    stream = stream_body(response, case)
    account_sid, call_sid = path_parameter(case, "AccountSid"), path_parameter(case, "CallSid")
    if stream is None or account_sid is None or call_sid is None:
        return None
    if not isinstance(stream.get("sid"), str) or not contract.STREAM_SID.fullmatch(stream["sid"]):
        raise AssertionError(f"expected a Stream SID (MZ and 32 hex digits), got {stream.get('sid')!r}")
    expected = contract.stream_uri(account_sid, call_sid, stream["sid"])
    if stream.get("uri") != expected:
        raise AssertionError(f"expected uri {expected!r}, got {stream.get('uri')!r}")
    return None


@schemathesis.check
def stateful_create_is_accepted(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    """In the stateful phase a valid CreateStream is answered 200.

    There, every create goes to a fresh call (conformance.hooks), so neither "name in use" nor "too many
    Streams on the call" can refuse it, and a well-formed CallSid is a call: nothing but a server that
    does not create Streams answers otherwise. Without this, a server refusing every create (a Twilio
    404, a 400) would pass: the built-in checks accept those statuses for valid data, and the checks
    above judge only 200s.
    """
    if operation_id(case) != CREATE_STREAM or case.meta is None or response.status_code == 200:
        return None
    if case.meta.phase.name != TestPhase.STATEFUL or case.meta.generation.mode != GenerationMode.POSITIVE:
        return None
    call_sid = path_parameter(case, "CallSid")
    if call_sid is None or not contract.CALL_SID.fullmatch(call_sid):
        return None
    raise AssertionError(
        f"expected 200 for a valid CreateStream on a call of its own (stateful phase), got {response.status_code}"
    )


@schemathesis.check
def create_answers_in_progress(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    """A started Stream answers `status: in-progress`."""
    stream = stream_body(response, case)
    if stream is None or operation_id(case) != CREATE_STREAM or stream.get("status") == contract.IN_PROGRESS:
        return None
    raise AssertionError(f"expected status {contract.IN_PROGRESS!r} after a create, got {stream.get('status')!r}")


@schemathesis.check
def stop_answers_stopped(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    """A stopped Stream answers `status: stopped`."""
    stream = stream_body(response, case)
    if stream is None or operation_id(case) != UPDATE_STREAM or stream.get("status") == contract.STOPPED:
        return None
    raise AssertionError(f"expected status {contract.STOPPED!r} after a stop, got {stream.get('status')!r}")


class Probes:
    """Requests the suite sends itself, each kind at most once per run: a check that needs an answer the
    run's own cases cannot give (a wrong Auth Token, a call filled to its track limit) sends one.
    `transport` lets tests answer them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._probed: set[tuple[str, str]] = set()
        self.transport: httpx.BaseTransport | None = None

    def first_time(self, kind: str, operation: str) -> bool:
        with self._lock:
            if (kind, operation) in self._probed:
                return False
            self._probed.add((kind, operation))
            return True

    def send(self, request: httpx.Request) -> httpx.Response:
        with httpx.Client(transport=self.transport, timeout=15.0) as client:
            return client.send(request)


PROBES = Probes()


def request_headers(request: Any) -> dict[str, str]:
    """The headers schemathesis sent (its values may be bytes)."""
    return {
        name: value.decode("latin-1") if isinstance(value, bytes) else value for name, value in request.headers.items()
    }


# --- Which stream a stop reaches (needs what the run created) -----------------------------------------

# What a stop must echo of the Stream the create answered: everything but what the stop changes.
ECHOED_FIELDS = tuple(field for field in contract.STREAM_FIELDS if field not in ("status", "date_updated"))


class KnownStreams:
    """What this run has seen of the streams, per (account, call): every SID a 200 answered with, the
    Stream each create answered, and the SID that each name was last created with.

    Filled from the 200 answers of both operations: a stop by name may reveal a stream created before
    the run, and that stream exists. Every check records what it sees, in whatever order schemathesis
    runs them, so a SID counts as known to a case only when another case revealed it. Schemathesis may
    replay a response while shrinking, so recording is idempotent; its workers are threads, hence the lock.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._revealed_by: dict[tuple[str, str, str], set[str]] = {}
        self._created: dict[tuple[str, str, str], dict[str, Any]] = {}
        self._sid_by_name: dict[tuple[str, str, str], str] = {}

    def observe(self, response: Response, case: Case) -> None:
        stream = stream_body(response, case)
        account_sid, call_sid = path_parameter(case, "AccountSid"), path_parameter(case, "CallSid")
        if stream is None or account_sid is None or call_sid is None or not isinstance(stream.get("sid"), str):
            return
        sid: str = stream["sid"]
        name = case.body.get("Name") if isinstance(case.body, dict) else None
        with self._lock:
            self._revealed_by.setdefault((account_sid, call_sid, sid), set()).add(case.id)
            if operation_id(case) == CREATE_STREAM:
                self._created.setdefault((account_sid, call_sid, sid), stream)
                if isinstance(name, str) and name:
                    # A name may be reused once its stream is stopped; the newest stream holds it.
                    self._sid_by_name[(account_sid, call_sid, name)] = sid

    def known_before(self, case: Case, account_sid: str, call_sid: str, sid: str) -> bool:
        """Whether a case other than this one revealed the stream."""
        with self._lock:
            return bool(self._revealed_by.get((account_sid, call_sid, sid), set()) - {case.id})

    def sid_named(self, account_sid: str, call_sid: str, name: str) -> str | None:
        with self._lock:
            return self._sid_by_name.get((account_sid, call_sid, name))

    def created(self, account_sid: str, call_sid: str, sid: str) -> dict[str, Any] | None:
        """The Stream the create of `sid` answered, if this run made it."""
        with self._lock:
            return self._created.get((account_sid, call_sid, sid))


KNOWN_STREAMS = KnownStreams()


def _addressed_stream(case: Case) -> tuple[str, str, str] | None:
    """(AccountSid, CallSid, Sid) of an UpdateStream case, else None."""
    if operation_id(case) != UPDATE_STREAM:
        return None
    account_sid, call_sid, sid = (path_parameter(case, name) for name in ("AccountSid", "CallSid", "Sid"))
    if account_sid is None or call_sid is None or sid is None:
        return None
    return account_sid, call_sid, sid


def _assert_echoes(stream: dict[str, Any], created: dict[str, Any], how: str) -> None:
    differing = [field for field in ECHOED_FIELDS if stream.get(field) != created.get(field)]
    if differing:
        expected = {field: created.get(field) for field in differing}
        got = {field: stream.get(field) for field in differing}
        raise AssertionError(f"expected the Stream the create answered ({how}): {expected}, got {got}")


@schemathesis.check
def stop_by_name_answers_the_created_stream(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    """Stopping by name answers the very Stream that was created with that name: the same sid,
    account_sid, call_sid, name and uri."""
    KNOWN_STREAMS.observe(response, case)
    addressed = _addressed_stream(case)
    stream = stream_body(response, case)
    if addressed is None or stream is None:
        return None
    sid = KNOWN_STREAMS.sid_named(*addressed)
    created = None if sid is None else KNOWN_STREAMS.created(addressed[0], addressed[1], sid)
    if created is not None:
        _assert_echoes(stream, created, f"created with name {addressed[2]!r}")
    return None


@schemathesis.check
def stop_by_sid_answers_that_stream(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    """Stopping a stream by its SID answers with that same stream: its SID, and when this run created
    it, the same account_sid, call_sid, name and uri as the create answered."""
    KNOWN_STREAMS.observe(response, case)
    addressed = _addressed_stream(case)
    stream = stream_body(response, case)
    if addressed is None or stream is None or not KNOWN_STREAMS.known_before(case, *addressed):
        return None
    if stream.get("sid") != addressed[2]:
        raise AssertionError(f"expected sid {addressed[2]!r} (the path), got {stream.get('sid')!r}")
    created = KNOWN_STREAMS.created(*addressed)
    if created is not None:
        _assert_echoes(stream, created, f"created as {addressed[2]}")
    return None


@schemathesis.check
def unknown_stream_is_not_found(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    """A stop of a Stream SID that no answer of this run has shown on that call does not succeed.

    Only SID-shaped values are judged: a server under test may hold streams from before the run, but
    not one whose random SID this run happened to draw. Names are left alone for that reason.
    """
    KNOWN_STREAMS.observe(response, case)
    addressed = _addressed_stream(case)
    if addressed is None or response.status_code != 200 or not contract.STREAM_SID.fullmatch(addressed[2]):
        return None
    if KNOWN_STREAMS.known_before(case, *addressed):
        return None
    raise AssertionError(f"expected 404 for stream {addressed[2]!r}, never seen on that call, got 200")


# --- Errors, headers, authentication -------------------------------------------------------------


@schemathesis.check
def client_error_is_twilio_error(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    """Every 4xx body is a Twilio error: integer `code` and `status`, string `message` and `more_info`."""
    if not 400 <= response.status_code < 500:
        return None
    error = json_object(response.content)
    if error is None:
        raise AssertionError(f"expected a Twilio error JSON object, got {response.content[:200]!r}")
    expected_types = {"code": int, "message": str, "more_info": str, "status": int}
    for key, kind in expected_types.items():
        value = error.get(key)
        if not isinstance(value, kind) or isinstance(value, bool):
            raise AssertionError(f"expected {kind.__name__} {key!r} in the Twilio error, got {value!r}")
    return None


@schemathesis.check
def error_status_matches_http_status(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    """A 4xx Twilio error's `status` equals the HTTP status of the answer."""
    if not 400 <= response.status_code < 500:
        return None
    error = json_object(response.content)
    if error is None or "status" not in error or error["status"] == response.status_code:
        return None
    raise AssertionError(f"expected error status {response.status_code} (the HTTP status), got {error['status']!r}")


@schemathesis.check
def cors_headers_present(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    """The five CORS headers of the seed are on every answer, errors included."""
    missing = [name for name in CORS_HEADERS if header(response, name) is None]
    if missing:
        raise AssertionError(f"expected the CORS headers {', '.join(missing)}, got none")
    return None


@schemathesis.check
def cors_credentials_is_boolean(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    """Access-Control-Allow-Credentials is a boolean, `true` or `false`, as the seed types it."""
    value = header(response, contract.ALLOW_CREDENTIALS_HEADER)
    if value is None or value in BOOLEAN_HEADER_VALUES:
        return None
    raise AssertionError(f"expected {contract.ALLOW_CREDENTIALS_HEADER} 'true' or 'false', got {value!r}")


@schemathesis.check
def unauthorized_carries_challenge(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    """A 401 carries `WWW-Authenticate: Basic realm=...`, the challenge of HTTP basic authentication."""
    if response.status_code != 401:
        return None
    value = header(response, contract.CHALLENGE_HEADER)
    if value is None or not value.startswith("Basic realm="):
        raise AssertionError(
            f"expected {contract.CHALLENGE_HEADER} {contract.WWW_AUTHENTICATE!r} on a 401, got {value!r}"
        )
    return None


@schemathesis.check
def wrong_auth_token_is_refused(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    """A request that succeeded is refused with 401 when the Auth Token is wrong (the Account SID right).

    Only a request of the operation's own method is probed: the coverage phase also sends other methods
    (an OPTIONS preflight answers 204 without credentials, as browsers need), and a probe spent on one
    of those would judge the wrong thing.
    """
    request = response.request
    if not 200 <= response.status_code < 300 or request is None or request.url is None:
        return None
    if (request.method or "").upper() != case.operation.method.upper():
        return None
    headers = request_headers(request)
    authorization = next((value for name, value in headers.items() if name.lower() == "authorization"), "")
    user = basic_user(authorization)
    if user is None or not PROBES.first_time("wrong-auth-token", case.operation.label):
        return None
    headers = {name: value for name, value in headers.items() if name.lower() != "authorization"}
    headers["Authorization"] = "Basic " + base64.b64encode(f"{user}:{secrets.token_hex(16)}".encode()).decode()
    body = request.body.encode() if isinstance(request.body, str) else request.body
    content = body if isinstance(body, bytes) else None
    probe = PROBES.send(httpx.Request(request.method or "POST", request.url, headers=headers, content=content))
    if probe.status_code != 401:
        raise AssertionError(f"expected 401 for Account SID {user!r} with a wrong Auth Token, got {probe.status_code}")
    return None
