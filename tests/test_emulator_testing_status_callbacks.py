"""twilio_stream_emulator.testing.StatusCallbackRecorder records every callback, and checks signatures as
Twilio's validator does. Driven by httpx on loopback; the signatures are made by Twilio's own
RequestValidator, so a recorder that checked them wrong would fail here."""

import time
from urllib.parse import urlencode

import httpx
import pytest
from twilio.request_validator import RequestValidator  # type: ignore[import-untyped]
from twilio_stream_contract.callbacks import SIGNATURE_HEADER
from twilio_stream_emulator.testing import LocalServer, StatusCallbackRecorder

AUTH_TOKEN = "recorder-test-auth-token"
STREAM_SID = "MZ" + "a" * 32
PARAMS = {
    "AccountSid": "AC" + "b" * 32,
    "CallSid": "CA" + "c" * 32,
    "StreamSid": STREAM_SID,
    "StreamName": "agent ☎ Zoë",
    "StreamEvent": "stream-started",
    "Timestamp": "2024-01-15T10:30:00Z",
}


def signed(url: str, params: dict[str, str]) -> dict[str, str]:
    return {SIGNATURE_HEADER: RequestValidator(AUTH_TOKEN).compute_signature(url, params)}


def test_a_post_callback_is_recorded_with_its_form_and_a_valid_signature() -> None:
    with StatusCallbackRecorder() as recorder:
        url = recorder.url_for("/callbacks/a?tenant=1")
        before = time.monotonic()
        answer = httpx.post(url, data=PARAMS, headers=signed(url, PARAMS))
        callback = recorder.wait_for(stream_sid=STREAM_SID, timeout=5)

    assert answer.status_code == 200
    assert (callback.method, callback.path, callback.query, callback.url) == ("POST", "/callbacks/a", "tenant=1", url)
    assert callback.params == PARAMS
    assert callback.is_form
    assert callback.signed_params() == {name: [value] for name, value in PARAMS.items()}
    assert (callback.event, callback.stream_sid) == ("stream-started", STREAM_SID)
    assert callback.headers["content-type"] == "application/x-www-form-urlencoded"
    assert before <= callback.at <= time.monotonic()
    assert callback.signature_is_valid(AUTH_TOKEN)


def test_a_get_callback_signs_its_url_with_the_query_and_no_params() -> None:
    with StatusCallbackRecorder() as recorder:
        url = str(httpx.URL(recorder.url, params=PARAMS))
        httpx.get(url, headers=signed(url, {}))
        callback = recorder.wait_for(event="stream-started", timeout=5)

    assert callback.method == "GET"
    assert callback.params == PARAMS
    assert callback.url == url
    assert callback.signed_params() == {}
    assert callback.signature_is_valid(AUTH_TOKEN)


@pytest.mark.parametrize(
    ("token", "change"),
    [
        ("another-token", {}),
        (AUTH_TOKEN, {"StreamEvent": "stream-stopped"}),
        (AUTH_TOKEN, {"Extra": "added after signing"}),
    ],
    ids=["wrong token", "changed parameter", "added parameter"],
)
def test_a_signature_that_does_not_match_is_invalid(token: str, change: dict[str, str]) -> None:
    with StatusCallbackRecorder() as recorder:
        httpx.post(recorder.url, data={**PARAMS, **change}, headers=signed(recorder.url, PARAMS))
        callback = recorder.wait_for(timeout=5)

    assert not callback.signature_is_valid(token)


def test_a_callback_without_a_signature_is_invalid() -> None:
    with StatusCallbackRecorder() as recorder:
        httpx.post(recorder.url, data=PARAMS)
        callback = recorder.wait_for(timeout=5)

    assert callback.signature is None
    assert not callback.signature_is_valid(AUTH_TOKEN)


class Repeated(dict[str, list[str]]):
    """Repeated form values as RequestValidator reads them (Flask's MultiDict has `getall`)."""

    def getall(self, name: str) -> list[str]:
        return self[name]


@pytest.mark.parametrize(("signed_values", "valid"), [(["1", "2"], True), (["1"], False)], ids=["both", "first only"])
def test_repeated_form_fields_are_all_kept_and_signed(signed_values: list[str], valid: bool) -> None:
    pairs = [("a", "1"), ("b", "x"), ("a", "2")]
    with StatusCallbackRecorder() as recorder:
        signature = RequestValidator(AUTH_TOKEN).compute_signature(recorder.url, Repeated(a=signed_values, b=["x"]))
        headers = {"content-type": "application/x-www-form-urlencoded; charset=utf-8", SIGNATURE_HEADER: signature}
        httpx.post(recorder.url, content=urlencode(pairs), headers=headers)
        callback = recorder.wait_for(timeout=5)

    assert callback.param_pairs == tuple(pairs)
    assert callback.params == {"a": "1", "b": "x"}
    assert callback.signed_params() == {"a": ["1", "2"], "b": ["x"]}
    assert callback.signature_is_valid(AUTH_TOKEN) is valid


def test_a_post_that_is_no_form_has_its_query_for_parameters() -> None:
    with StatusCallbackRecorder() as recorder:
        httpx.post(recorder.url_for("/cb?StreamEvent=stream-error"), json={"StreamSid": STREAM_SID})
        callback = recorder.wait_for(timeout=5)

    assert not callback.is_form
    assert callback.params == {"StreamEvent": "stream-error"}
    assert callback.body == b'{"StreamSid":"MZaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}'


def test_wait_for_filters_and_times_out_listing_what_came() -> None:
    with StatusCallbackRecorder() as recorder:
        httpx.post(recorder.url_for("/one"), data={**PARAMS, "StreamEvent": "stream-started"})
        httpx.post(recorder.url_for("/two"), data={**PARAMS, "StreamEvent": "stream-stopped"})

        assert recorder.wait_for(event="stream-stopped", timeout=5).path == "/two"
        assert recorder.wait_for(stream_sid=STREAM_SID, path="/one", timeout=5).event == "stream-started"
        with pytest.raises(TimeoutError, match=r"'StreamEvent': 'stream-error'.*got 2 .*'stream-stopped'"):
            recorder.wait_for(event="stream-error", timeout=0.1)
        assert [c.path for c in recorder.callbacks()] == ["/one", "/two"]


def test_a_recorder_can_answer_another_status() -> None:
    with StatusCallbackRecorder(status=500) as recorder:
        answer = httpx.post(recorder.url, data=PARAMS)

        assert answer.status_code == 500
        assert recorder.wait_for(timeout=5).params == PARAMS


def test_a_hanging_recorder_answers_no_sender_in_time_and_still_stops_promptly() -> None:
    recorder = StatusCallbackRecorder(hang=True)
    with recorder:
        with pytest.raises(httpx.ReadTimeout):
            httpx.post(recorder.url, data=PARAMS, timeout=0.3)
        assert recorder.wait_for(timeout=5).params == PARAMS
        began = time.monotonic()
    stopped_in = time.monotonic() - began

    assert stopped_in < 5


def test_a_hanging_recorder_answers_after_hang_seconds() -> None:
    with StatusCallbackRecorder(hang=True, hang_seconds=0.3, status=202) as recorder:
        began = time.monotonic()
        answer = httpx.post(recorder.url, data=PARAMS, timeout=5)

    assert answer.status_code == 202
    assert time.monotonic() - began >= 0.3


def test_a_body_over_64_kib_is_refused_with_413() -> None:
    with StatusCallbackRecorder() as recorder:
        answer = httpx.post(recorder.url, content=b"a=" + b"x" * 70_000)

        assert answer.status_code == 413
        assert recorder.callbacks() == []


def test_callbacks_beyond_max_callbacks_are_answered_503() -> None:
    with StatusCallbackRecorder(max_callbacks=1) as recorder:
        statuses = [httpx.post(recorder.url, data=PARAMS).status_code for _ in range(2)]

        assert statuses == [200, 503]
        assert len(recorder.callbacks()) == 1


def test_a_public_url_is_the_url_callbacks_are_signed_for() -> None:
    # Through a tunnel the sender signs the public URL; the request reaches the recorder on loopback.
    public = "https://abc.tunnel.example"
    with LocalServer(public_url=public) as server, StatusCallbackRecorder(server=server) as recorder:
        url = recorder.url_for("/callbacks/x")
        httpx.post(f"http://127.0.0.1:{server.port}/callbacks/x", data=PARAMS, headers=signed(url, PARAMS))
        callback = recorder.wait_for(timeout=5)

    assert url == f"{public}/callbacks/x"
    assert callback.url == url
    assert callback.signature_is_valid(AUTH_TOKEN)


def test_a_server_without_a_recorder_answers_http_404() -> None:
    with LocalServer() as server:
        assert httpx.get(server.url_for("/callbacks")).status_code == 404


def test_a_public_url_must_be_http_or_https() -> None:
    with pytest.raises(ValueError, match="expected an http or https public URL"):
        LocalServer(public_url="wss://abc.tunnel.example")
