"""The Python examples of README.md's "Using the client" section run exactly as written.

They run in order, in one namespace (as a reader pastes them into one session), with the credentials in
the environment. The test swaps httpx's clients for ones whose transport is an in-process fake of
Twilio, so the README shows real user code and no test scaffolding. Each `# -> text` comment is the
line the example prints; the test compares them with what the examples really print.
"""

import base64
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import httpx
import pytest
import twilio_stream_contract as contract

README = Path(__file__).resolve().parent.parent / "README.md"
RESPONSES: Mapping[str, Any] = contract.document()["components"]["responses"]

ACCOUNT_SID = "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
AUTH_TOKEN = "0123456789abcdef0123456789abcdef"
API_KEY, API_SECRET = "SK" + "b" * 32, "api-key-secret"
AUTHORIZATIONS = {
    "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
    for user, password in ((ACCOUNT_SID, AUTH_TOKEN), (API_KEY, API_SECRET))
}
KNOWN_STREAMS = {"MZaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "my-stream"}


def _example(response: str, name: str) -> dict[str, Any]:
    example: dict[str, Any] = RESPONSES[response]["content"]["application/json"]["examples"][name]["value"]
    return example


def _section(markdown: str, title: str) -> str:
    start = markdown.index(f"\n## {title}\n")
    end = markdown.find("\n## ", start + 1)
    return markdown[start : end if end != -1 else None]


def _python_blocks() -> list[str]:
    return re.findall(r"^```python\n(.*?)^```$", _section(README.read_text("utf-8"), "Using the client"), re.M | re.S)


def _printed_lines(block: str) -> list[str]:
    return re.findall(r"# -> (.*)$", block, re.M)


class FakeTwilio:
    """Answers like Twilio from the contract's examples: known streams stop, unknown ones are 404."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.requests.append(request)
        if request.headers.get("Authorization") not in AUTHORIZATIONS:
            return self._json(401, _example("Unauthorized", "authenticate"))
        path = request.url.path
        if path.endswith("/Streams.json"):
            return self._json(200, _example("StreamCreated", "created"))
        sid_or_name = unquote(request.url.raw_path.decode("ascii").rsplit("/", 1)[-1].removesuffix(".json"))
        if sid_or_name in KNOWN_STREAMS:
            return self._json(200, _example("StreamStopped", "stopped"))
        return self._json(
            404, _example("NotFound", "not_found") | {"message": f"The requested resource {path} was not found"}
        )

    @staticmethod
    def _json(status: int, body: dict[str, Any]) -> httpx.Response:
        return httpx.Response(status, content=json.dumps(body).encode(), headers=dict(contract.CORS_HEADERS))


@pytest.fixture
def fake_twilio(monkeypatch: pytest.MonkeyPatch) -> FakeTwilio:
    fake = FakeTwilio()
    transport = httpx.MockTransport(fake)

    class Client(httpx.Client):
        def __init__(self, **kwargs: Any) -> None:
            super().__init__(transport=transport, **kwargs)

    class AsyncClient(httpx.AsyncClient):
        def __init__(self, **kwargs: Any) -> None:
            super().__init__(transport=transport, **kwargs)

    monkeypatch.setattr(httpx, "Client", Client)
    monkeypatch.setattr(httpx, "AsyncClient", AsyncClient)
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", ACCOUNT_SID)
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", AUTH_TOKEN)
    monkeypatch.setenv("TWILIO_API_KEY", API_KEY)
    monkeypatch.setenv("TWILIO_API_SECRET", API_SECRET)
    return fake


def test_readme_examples_run_and_print_what_they_say(
    fake_twilio: FakeTwilio, capsys: pytest.CaptureFixture[str]
) -> None:
    namespace: dict[str, Any] = {"__name__": "readme"}
    expected: list[str] = []

    for number, block in enumerate(_python_blocks(), start=1):
        exec(compile(block, f"README.md, python block {number}", "exec"), namespace)  # noqa: S102
        expected += _printed_lines(block)

    assert capsys.readouterr().out.splitlines() == expected


def test_readme_examples_reach_twilio_and_the_other_server(fake_twilio: FakeTwilio) -> None:
    namespace: dict[str, Any] = {"__name__": "readme"}

    for block in _python_blocks():
        exec(block, namespace)  # noqa: S102

    hosts = {request.url.host for request in fake_twilio.requests}
    assert hosts == {"api.twilio.com", "127.0.0.1"}
    stopped_by = [
        unquote(r.url.path.rsplit("/", 1)[-1]) for r in fake_twilio.requests if r.content == b"Status=stopped"
    ]
    assert {"MZaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.json", "my-stream.json", "no-such-stream.json"} <= set(stopped_by)
    assert all(request.method == "POST" for request in fake_twilio.requests)


@pytest.mark.slow  # runs mypy
def test_readme_examples_type_check_under_mypy_strict() -> None:
    # The examples are what users copy: they must narrow `Stream | TwilioError | None` as typed code must.
    from mypy import api

    code = "\n".join(_python_blocks())
    # No config file: the repository's names its own files to check, which mypy refuses beside -c.
    stdout, stderr, status = api.run(["--config-file", "", "--strict", "--no-incremental", "-c", code])

    assert status == 0, stdout + stderr
