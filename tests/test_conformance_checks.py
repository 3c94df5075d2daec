"""Each Twilio-specific check of conformance/checks.py passes a conforming answer and fails a broken one."""

import base64
import secrets
from datetime import UTC, datetime, timedelta, timezone
from email.utils import format_datetime
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import given
from hypothesis import strategies as st
from schemathesis import CheckContext, GenerationMode, Response
from schemathesis.config import ChecksConfig
from schemathesis.generation.meta import (
    TestPhase,
)
from twilio_stream_conformance import checks
from twilio_stream_conformance.checks import Case
from twilio_stream_contract import CONTRACT_PATH

from tests.generated_cases import case_metadata

SCHEMA = schemathesis.openapi.from_path(CONTRACT_PATH)
CREATE = SCHEMA.find_operation_by_id("CreateStream")
UPDATE = SCHEMA.find_operation_by_id("UpdateStream")
ACCOUNT_SID = "AC0123456789abcdef0123456789abcdef"
AUTH_TOKEN = "check-test-token"
FORM = "application/x-www-form-urlencoded"
CORS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, POST, DELETE, OPTIONS",
    "Access-Control-Allow-Headers": "Accept, Authorization, Content-Type",
    "Access-Control-Allow-Credentials": "true",
    "Access-Control-Expose-Headers": "ETag",
}
CONTEXT = CheckContext(
    override=None, auth=None, headers=None, config=ChecksConfig(), transport_kwargs=None, response_checks=None
)


def new_call_sid() -> str:
    # A fresh call per test: the stateful checks remember streams per call for the whole process.
    return "CA" + secrets.token_hex(16)


def new_stream_sid() -> str:
    return "MZ" + secrets.token_hex(16)


def create_case(call_sid: str, name: str | None = None, track: str | None = None) -> Case:
    body: dict[str, Any] = {"Url": "wss://example.com/media", **({"Name": name} if name is not None else {})}
    if track is not None:
        body["Track"] = track
    return CREATE.Case(path_parameters={"AccountSid": ACCOUNT_SID, "CallSid": call_sid}, body=body, media_type=FORM)


def update_case(call_sid: str, sid: str) -> Case:
    path = {"AccountSid": ACCOUNT_SID, "CallSid": call_sid, "Sid": sid}
    return UPDATE.Case(path_parameters=path, body={"Status": "stopped"}, media_type=FORM)


def stream(call: str, sid: str, **overrides: Any) -> dict[str, Any]:
    return {
        "sid": sid,
        "account_sid": ACCOUNT_SID,
        "call_sid": call,
        "name": None,
        "status": "in-progress",
        "date_updated": "Thu, 30 Jul 2015 20:00:00 +0000",
        "uri": f"/2010-04-01/Accounts/{ACCOUNT_SID}/Calls/{call}/Streams/{sid}.json",
        **overrides,
    }


def in_phase(case: Case, phase: TestPhase, mode: GenerationMode = GenerationMode.POSITIVE) -> Case:
    """The same case, as generated in `phase` with `mode`."""
    generated: Case = case.operation.Case(
        path_parameters=case.path_parameters, body=case.body, media_type=FORM, _meta=case_metadata(phase, mode)
    )
    return generated


def answer(
    status: int,
    body: dict[str, Any] | bytes,
    headers: dict[str, str] | None = None,
    authorization: str | None = None,
    method: str = "POST",
) -> Response:
    content = body if isinstance(body, bytes) else None
    request_headers = {"Authorization": authorization} if authorization else {}
    request = httpx.Request(method, "http://server.test/path", headers=request_headers, content=b"Status=stopped")
    response = httpx.Response(
        status,
        json=None if content is not None else body,
        content=content,
        headers={**CORS, **(headers or {})},
        request=request,
    )
    response.elapsed = timedelta(milliseconds=1)  # what a transport sets once the answer is read
    return Response.from_httpx(response, verify=True)


def error(http_status: int, **overrides: Any) -> dict[str, Any]:
    return {
        "code": 20000 + http_status,
        "message": "Something",
        "more_info": f"https://www.twilio.com/docs/errors/{20000 + http_status}",
        "status": http_status,
        **overrides,
    }


def test_date_updated_is_rfc2822_gmt_accepts_a_gmt_date() -> None:
    call = new_call_sid()

    checks.date_updated_is_rfc2822_gmt(CONTEXT, answer(200, stream(call, new_stream_sid())), create_case(call))


@pytest.mark.parametrize(
    "value",
    [
        "2015-07-30T20:00:00Z",  # ISO 8601
        "Thu, 30 Jul 2015 21:00:00 +0100",  # RFC 2822, not GMT
        "Fri, 30 Jul 2015 20:00:00 +0000",  # the weekday disagrees
        "Mon, 31 Feb 2015 20:00:00 +0000",  # no such day
    ],
)
def test_date_updated_is_rfc2822_gmt_rejects(value: str) -> None:
    call = new_call_sid()
    response = answer(200, stream(call, new_stream_sid(), date_updated=value))

    with pytest.raises(AssertionError, match="expected date_updated"):
        checks.date_updated_is_rfc2822_gmt(CONTEXT, response, create_case(call))


@given(
    moment=st.datetimes(min_value=datetime(1970, 1, 1), max_value=datetime(9999, 12, 31)),
    minutes=st.integers(-900, 900),
)
def test_date_updated_is_rfc2822_gmt_judges_any_moment_by_its_offset(moment: datetime, minutes: int) -> None:
    call = new_call_sid()
    zone = timezone(timedelta(minutes=minutes))
    written = format_datetime(moment.replace(microsecond=0, tzinfo=UTC).astimezone(zone))
    response = answer(200, stream(call, new_stream_sid(), date_updated=written))

    if minutes == 0:
        checks.date_updated_is_rfc2822_gmt(CONTEXT, response, create_case(call))
    else:
        with pytest.raises(AssertionError, match="expected date_updated in GMT"):
            checks.date_updated_is_rfc2822_gmt(CONTEXT, response, create_case(call))


def test_date_updated_is_rfc2822_gmt_rejects_null_on_a_created_stream() -> None:
    call = new_call_sid()
    response = answer(200, stream(call, new_stream_sid(), date_updated=None))

    with pytest.raises(AssertionError, match=r"expected date_updated in RFC 2822 .*, got None"):
        checks.date_updated_is_rfc2822_gmt(CONTEXT, response, create_case(call))


def test_account_sid_matches_path_accepts_the_path_account() -> None:
    call = new_call_sid()

    checks.account_sid_matches_path(CONTEXT, answer(200, stream(call, new_stream_sid())), create_case(call))


def test_account_sid_matches_path_rejects_another_account() -> None:
    call = new_call_sid()
    response = answer(200, stream(call, new_stream_sid(), account_sid="AC" + "0" * 32))

    with pytest.raises(AssertionError, match=f"expected account_sid '{ACCOUNT_SID}'"):
        checks.account_sid_matches_path(CONTEXT, response, create_case(call))


def test_call_sid_matches_path_accepts_the_path_call() -> None:
    call = new_call_sid()

    checks.call_sid_matches_path(CONTEXT, answer(200, stream(call, new_stream_sid())), create_case(call))


def test_call_sid_matches_path_rejects_another_call() -> None:
    call = new_call_sid()
    response = answer(200, stream(call, new_stream_sid(), call_sid=new_call_sid()))

    with pytest.raises(AssertionError, match=f"expected call_sid '{call}'"):
        checks.call_sid_matches_path(CONTEXT, response, create_case(call))


def test_uri_is_canonical_path_accepts_the_canonical_uri() -> None:
    call = new_call_sid()

    checks.uri_is_canonical_path(CONTEXT, answer(200, stream(call, new_stream_sid())), create_case(call))


def test_uri_is_canonical_path_rejects_a_uri_of_another_sid() -> None:
    call, sid, other = new_call_sid(), new_stream_sid(), new_stream_sid()
    response = answer(
        200, stream(call, sid, uri=f"/2010-04-01/Accounts/{ACCOUNT_SID}/Calls/{call}/Streams/{other}.json")
    )

    with pytest.raises(AssertionError, match=f"expected uri '.*{sid}.json', got '.*{other}.json'"):
        checks.uri_is_canonical_path(CONTEXT, response, create_case(call))


@pytest.mark.parametrize("sid", [None, "", "not-a-sid"])
def test_uri_is_canonical_path_rejects_a_stream_without_a_stream_sid(sid: str | None) -> None:
    call = new_call_sid()
    response = answer(200, {**stream(call, new_stream_sid()), "sid": sid})

    with pytest.raises(AssertionError, match=f"expected a Stream SID \\(MZ and 32 hex digits\\), got {sid!r}"):
        checks.uri_is_canonical_path(CONTEXT, response, create_case(call))


def test_stateful_create_is_accepted_accepts_a_200() -> None:
    call = new_call_sid()
    case = in_phase(create_case(call), TestPhase.STATEFUL)

    checks.stateful_create_is_accepted(CONTEXT, answer(200, stream(call, new_stream_sid())), case)


@pytest.mark.parametrize("status", [400, 404])
def test_stateful_create_is_accepted_rejects_a_refused_valid_create(status: int) -> None:
    case = in_phase(create_case(new_call_sid()), TestPhase.STATEFUL)

    with pytest.raises(AssertionError, match=f"expected 200 for a valid CreateStream .*, got {status}"):
        checks.stateful_create_is_accepted(CONTEXT, answer(status, error(status)), case)


@pytest.mark.parametrize(
    ("case", "why"),
    [
        (in_phase(create_case(new_call_sid()), TestPhase.EXAMPLES), "another phase: the call may be full"),
        (in_phase(create_case(new_call_sid()), TestPhase.STATEFUL, GenerationMode.NEGATIVE), "invalid data"),
        (in_phase(create_case("CA-not-a-call"), TestPhase.STATEFUL), "a malformed CallSid"),
        (in_phase(update_case(new_call_sid(), new_stream_sid()), TestPhase.STATEFUL), "a stop"),
    ],
    ids=["examples-phase", "negative", "malformed-call", "stop"],
)
def test_stateful_create_is_accepted_leaves_other_cases_alone(case: Case, why: str) -> None:
    checks.stateful_create_is_accepted(CONTEXT, answer(404, error(404)), case)


def test_create_answers_in_progress_accepts_in_progress() -> None:
    call = new_call_sid()

    checks.create_answers_in_progress(CONTEXT, answer(200, stream(call, new_stream_sid())), create_case(call))


def test_create_answers_in_progress_rejects_stopped() -> None:
    call = new_call_sid()
    response = answer(200, stream(call, new_stream_sid(), status="stopped"))

    with pytest.raises(AssertionError, match="expected status 'in-progress' after a create, got 'stopped'"):
        checks.create_answers_in_progress(CONTEXT, response, create_case(call))


def test_stop_answers_stopped_accepts_stopped() -> None:
    call, sid = new_call_sid(), new_stream_sid()

    checks.stop_answers_stopped(CONTEXT, answer(200, stream(call, sid, status="stopped")), update_case(call, sid))


def test_stop_answers_stopped_rejects_in_progress() -> None:
    call, sid = new_call_sid(), new_stream_sid()

    with pytest.raises(AssertionError, match="expected status 'stopped' after a stop, got 'in-progress'"):
        checks.stop_answers_stopped(CONTEXT, answer(200, stream(call, sid)), update_case(call, sid))


def _created(call: str, name: str | None = None, track: str | None = None) -> str:
    """Let the checks see a create of a stream on `call`; its SID."""
    sid = new_stream_sid()
    case = create_case(call, name, track)
    checks.stop_by_name_answers_the_created_stream(CONTEXT, answer(200, stream(call, sid, name=name)), case)
    return sid


def test_stop_by_name_answers_the_created_stream_accepts_the_named_stream() -> None:
    call = new_call_sid()
    _created(call, "other")
    sid = _created(call, "mine")
    response = answer(200, stream(call, sid, name="mine", status="stopped"))

    checks.stop_by_name_answers_the_created_stream(CONTEXT, response, update_case(call, "mine"))


def test_stop_by_name_answers_the_created_stream_rejects_another_stream() -> None:
    call = new_call_sid()
    other = _created(call, "other")
    sid = _created(call, "mine")
    response = answer(200, stream(call, other, name="other", status="stopped"))

    with pytest.raises(AssertionError, match=f"created with name 'mine'.*'sid': '{sid}'.*got.*'sid': '{other}'"):
        checks.stop_by_name_answers_the_created_stream(CONTEXT, response, update_case(call, "mine"))


@pytest.mark.parametrize(
    ("field", "value"),
    [("name", "not-mine"), ("uri", "/elsewhere.json"), ("account_sid", "AC" + "0" * 32), ("call_sid", "CA" + "0" * 32)],
)
@pytest.mark.parametrize("by", ["name", "sid"])
def test_a_stop_must_echo_every_field_the_create_answered(field: str, value: str, by: str) -> None:
    call = new_call_sid()
    sid = _created(call, "mine")
    response = answer(200, {**stream(call, sid, name="mine", status="stopped"), field: value})
    check = checks.stop_by_name_answers_the_created_stream if by == "name" else checks.stop_by_sid_answers_that_stream

    with pytest.raises(AssertionError, match=f"expected the Stream the create answered .*'{field}'"):
        check(CONTEXT, response, update_case(call, "mine" if by == "name" else sid))


def test_stop_by_sid_answers_that_stream_accepts_the_same_stream() -> None:
    call = new_call_sid()
    sid = _created(call)

    checks.stop_by_sid_answers_that_stream(
        CONTEXT, answer(200, stream(call, sid, status="stopped")), update_case(call, sid)
    )


def test_stop_by_sid_answers_that_stream_rejects_another_stream() -> None:
    call = new_call_sid()
    sid, other = _created(call), _created(call)

    with pytest.raises(AssertionError, match=f"expected sid '{sid}' \\(the path\\), got '{other}'"):
        checks.stop_by_sid_answers_that_stream(
            CONTEXT, answer(200, stream(call, other, status="stopped")), update_case(call, sid)
        )


def test_unknown_stream_is_not_found_accepts_a_stop_of_a_created_stream() -> None:
    call = new_call_sid()
    sid = _created(call)

    checks.unknown_stream_is_not_found(
        CONTEXT, answer(200, stream(call, sid, status="stopped")), update_case(call, sid)
    )


def test_unknown_stream_is_not_found_accepts_a_404_for_an_unknown_stream() -> None:
    call, sid = new_call_sid(), new_stream_sid()

    checks.unknown_stream_is_not_found(CONTEXT, answer(404, error(404)), update_case(call, sid))


def test_unknown_stream_is_not_found_rejects_a_200_for_an_unknown_stream() -> None:
    call, sid = new_call_sid(), new_stream_sid()

    with pytest.raises(AssertionError, match=f"expected 404 for stream '{sid}', never seen on that call, got 200"):
        checks.unknown_stream_is_not_found(
            CONTEXT, answer(200, stream(call, sid, status="stopped")), update_case(call, sid)
        )


def test_unknown_stream_is_not_found_rejects_a_stream_of_another_call() -> None:
    sid = _created(new_call_sid())
    call = new_call_sid()

    with pytest.raises(AssertionError, match="never seen on that call"):
        checks.unknown_stream_is_not_found(
            CONTEXT, answer(200, stream(call, sid, status="stopped")), update_case(call, sid)
        )


def test_client_error_is_twilio_error_accepts_a_twilio_error() -> None:
    checks.client_error_is_twilio_error(CONTEXT, answer(404, error(404)), update_case(new_call_sid(), "x"))


@pytest.mark.parametrize(
    ("body", "match"),
    [
        ({"error": {"message": "Not found"}}, "expected int 'code'"),
        (error(404, code="20404"), "expected int 'code'"),
        (error(404, status=True), "expected int 'status'"),
        (b"Not Found", "expected a Twilio error JSON object"),
    ],
)
def test_client_error_is_twilio_error_rejects(body: dict[str, Any] | bytes, match: str) -> None:
    with pytest.raises(AssertionError, match=match):
        checks.client_error_is_twilio_error(CONTEXT, answer(404, body), update_case(new_call_sid(), "x"))


def test_error_status_matches_http_status_accepts_the_same_status() -> None:
    checks.error_status_matches_http_status(CONTEXT, answer(404, error(404)), update_case(new_call_sid(), "x"))


def test_error_status_matches_http_status_rejects_another_status() -> None:
    with pytest.raises(AssertionError, match="expected error status 404 \\(the HTTP status\\), got 400"):
        checks.error_status_matches_http_status(
            CONTEXT, answer(404, error(404, status=400)), update_case(new_call_sid(), "x")
        )


def test_cors_headers_present_accepts_all_five() -> None:
    checks.cors_headers_present(CONTEXT, answer(404, error(404)), update_case(new_call_sid(), "x"))


def test_cors_headers_present_rejects_a_missing_one() -> None:
    response = answer(404, error(404))
    del response.headers["access-control-expose-headers"]

    with pytest.raises(AssertionError, match="expected the CORS headers access-control-expose-headers"):
        checks.cors_headers_present(CONTEXT, response, update_case(new_call_sid(), "x"))


def test_cors_credentials_is_boolean_accepts_true() -> None:
    checks.cors_credentials_is_boolean(CONTEXT, answer(404, error(404)), update_case(new_call_sid(), "x"))


def test_cors_credentials_is_boolean_rejects_yes() -> None:
    response = answer(404, error(404), headers={"Access-Control-Allow-Credentials": "yes"})

    with pytest.raises(AssertionError, match="expected Access-Control-Allow-Credentials 'true' or 'false', got 'yes'"):
        checks.cors_credentials_is_boolean(CONTEXT, response, update_case(new_call_sid(), "x"))


def test_unauthorized_carries_challenge_accepts_basic_realm() -> None:
    response = answer(401, error(401), headers={"WWW-Authenticate": 'Basic realm="Twilio API"'})

    checks.unauthorized_carries_challenge(CONTEXT, response, update_case(new_call_sid(), "x"))


def test_unauthorized_carries_challenge_rejects_a_401_without_it() -> None:
    with pytest.raises(AssertionError, match=r"expected WWW-Authenticate .* on a 401, got None"):
        checks.unauthorized_carries_challenge(CONTEXT, answer(401, error(401)), update_case(new_call_sid(), "x"))


@pytest.fixture(autouse=True)
def probes_answer_404(monkeypatch: pytest.MonkeyPatch) -> None:
    """No probe leaves the process: each is answered 404 (a verdict-less answer) unless a test says otherwise."""
    probes = checks.Probes()
    probes.transport = httpx.MockTransport(lambda request: httpx.Response(404))
    monkeypatch.setattr(checks, "PROBES", probes)


@pytest.fixture
def auth_probe_answers(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The probe of wrong_auth_token_is_refused answers with the statuses the test puts in the list."""
    statuses: list[int] = []
    probes = checks.Probes()
    probes.transport = httpx.MockTransport(lambda request: httpx.Response(statuses.pop(0)))
    monkeypatch.setattr(checks, "PROBES", probes)
    return statuses


def _authorized_answer() -> Response:
    credentials = base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()
    call = new_call_sid()
    return answer(200, stream(call, new_stream_sid()), authorization=f"Basic {credentials}")


def test_wrong_auth_token_is_refused_accepts_a_401(auth_probe_answers: list[int]) -> None:
    auth_probe_answers.append(401)

    checks.wrong_auth_token_is_refused(CONTEXT, _authorized_answer(), create_case(new_call_sid()))

    assert auth_probe_answers == []  # the probe was sent


def test_wrong_auth_token_is_refused_rejects_a_200(auth_probe_answers: list[int]) -> None:
    auth_probe_answers.append(200)

    with pytest.raises(AssertionError, match=f"expected 401 for Account SID '{ACCOUNT_SID}' with a wrong Auth Token"):
        checks.wrong_auth_token_is_refused(CONTEXT, _authorized_answer(), create_case(new_call_sid()))


def test_wrong_auth_token_is_refused_does_not_spend_its_probe_on_another_method(
    auth_probe_answers: list[int],
) -> None:
    """The coverage phase's OPTIONS preflight answers 204 without credentials; it is no request to probe."""
    credentials = base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()
    preflight = answer(204, b"", authorization=f"Basic {credentials}", method="OPTIONS")
    auth_probe_answers.append(204)  # what the preflight would answer to a probe

    checks.wrong_auth_token_is_refused(CONTEXT, preflight, create_case(new_call_sid()))
    assert auth_probe_answers == [204]  # not probed
    auth_probe_answers[:] = [401]
    checks.wrong_auth_token_is_refused(CONTEXT, _authorized_answer(), create_case(new_call_sid()))

    assert auth_probe_answers == []  # the operation's own request still got its probe


def test_wrong_auth_token_is_refused_probes_each_operation_once(auth_probe_answers: list[int]) -> None:
    auth_probe_answers.append(401)

    checks.wrong_auth_token_is_refused(CONTEXT, _authorized_answer(), create_case(new_call_sid()))
    checks.wrong_auth_token_is_refused(CONTEXT, _authorized_answer(), create_case(new_call_sid()))  # no second probe


def test_checks_are_registered_with_schemathesis() -> None:
    from schemathesis.checks import CHECKS

    registered = set(CHECKS.get_all_names())

    assert {
        "date_updated_is_rfc2822_gmt",
        "account_sid_matches_path",
        "call_sid_matches_path",
        "uri_is_canonical_path",
        "create_answers_in_progress",
        "stop_answers_stopped",
        "stop_by_name_answers_the_created_stream",
        "stop_by_sid_answers_that_stream",
        "unknown_stream_is_not_found",
        "client_error_is_twilio_error",
        "error_status_matches_http_status",
        "cors_headers_present",
        "cors_credentials_is_boolean",
        "unauthorized_carries_challenge",
        "wrong_auth_token_is_refused",
        "stateful_create_is_accepted",
    } <= registered
