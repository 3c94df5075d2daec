"""The probe tells a target that does not answer from one that answers anything at all."""

import httpx
import pytest
from twilio_stream_conformance.target import NoAnswer, probe


def failing(error: Exception) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        raise error

    return httpx.MockTransport(handler)


@pytest.mark.parametrize("status", [200, 204, 401, 404, 405, 500])
def test_any_answer_is_an_answer(status: int) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(status)

    assert probe("https://api.example.test/", transport=httpx.MockTransport(handler)) is None
    (request,) = seen
    assert request.method == "OPTIONS"
    assert "authorization" not in request.headers
    assert request.url.path.startswith("/2010-04-01/Accounts/AC")
    assert request.url.path.endswith("/Streams.json")


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (httpx.ConnectError("[Errno 111] Connection refused"), "connection refused"),
        (httpx.ConnectError("[Errno -2] Name or service not known"), "name or service not known"),
        (httpx.ConnectTimeout("timed out"), "no connection within 5 s"),
        (httpx.ReadTimeout("timed out"), "no answer within 5 s"),
        (
            httpx.RemoteProtocolError("Server disconnected"),
            "the connection ended without an answer: Server disconnected",
        ),
        (httpx.ConnectError(""), "connectError"),
    ],
)
def test_no_answer_says_why_in_a_few_words(error: Exception, reason: str) -> None:
    assert probe("https://api.example.test", transport=failing(error)) == reason


def test_no_answer_names_the_url_and_the_reason() -> None:
    assert (
        str(NoAnswer("http://127.0.0.1:9", "connection refused"))
        == "no answer from http://127.0.0.1:9 (connection refused)"
    )
