"""The conformance suite can fail: every defect of `make conformance-selftest`, at a small budget.

The emulator conforms; each defective server (the emulator with one deliberate bug) fails, and among
its failures is the check that names its defect. The REST defects are judged by the REST part alone
(three runs at a time); the emulator again and the defects only the stream effects can catch, with the
stream effects (two at a time: real-time media wants the cores). A fixed seed and a few examples per
operation keep this quick and repeatable; `make conformance-selftest` runs the same set with a
larger budget. The runs use a known Auth Token, so that the reports can be searched for it.
"""

import base64
import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from twilio_stream_conformance import runner
from twilio_stream_conformance.defects import DEFECTS
from twilio_stream_conformance.selftest import EMULATOR, Outcome, judge_all

# Each test here starts the suite against servers: minutes in all.
pytestmark = pytest.mark.slow

REST_SERVERS = [EMULATOR, *(name for name, defect in DEFECTS.items() if not defect.stream_effect)]
STREAM_SERVERS = [EMULATOR, *(name for name, defect in DEFECTS.items() if defect.stream_effect)]
ACCOUNT_SID = "AC" + secrets.token_hex(16)
AUTH_TOKEN = secrets.token_hex(16)


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path: Path = tmp_path_factory.mktemp("selftest")
    return path


@pytest.fixture(scope="module")
def outcomes(reports: Path) -> dict[str, Outcome]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(runner, "throwaway_credentials", lambda: (ACCOUNT_SID, AUTH_TOKEN))
        judged = judge_all(REST_SERVERS, reports, seed=42, max_examples=5, parallel=3, stream_effects=False)
    return {outcome.server: outcome for outcome in judged}


@pytest.fixture(scope="module")
def stream_outcomes(reports: Path) -> dict[str, Outcome]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(runner, "throwaway_credentials", lambda: (ACCOUNT_SID, AUTH_TOKEN))
        judged = judge_all(STREAM_SERVERS, reports / "stream-effects", seed=42, max_examples=5, parallel=2)
    return {outcome.server: outcome for outcome in judged}


@pytest.mark.parametrize("judged", ["outcomes", "stream_outcomes"])
def test_the_emulator_conforms(judged: str, request: pytest.FixtureRequest) -> None:
    outcome = request.getfixturevalue(judged)[EMULATOR]

    assert outcome.errors == ()
    assert outcome.failed_checks == frozenset()
    assert outcome.calls > 100


@pytest.mark.parametrize("defect", sorted(DEFECTS))
def test_a_defective_server_fails_the_check_naming_its_defect(defect: str, request: pytest.FixtureRequest) -> None:
    outcome = request.getfixturevalue("stream_outcomes" if DEFECTS[defect].stream_effect else "outcomes")[defect]

    assert outcome.errors == ()
    assert DEFECTS[defect].check in outcome.failed_checks


@pytest.mark.parametrize("server", [EMULATOR, "wrong-password-accepted", "stop-by-name-wrong-stream"])
def test_no_report_holds_the_auth_token(outcomes: dict[str, Outcome], reports: Path, server: str) -> None:
    """Neither the token nor the Authorization header that carries it, of a passing run or a failing one."""
    secrets_in_clear = [
        AUTH_TOKEN.encode(),
        base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()),
        base64.b64encode(AUTH_TOKEN.encode()).rstrip(b"="),
    ]
    files = [path for path in (reports / server).rglob("*") if path.is_file()]

    assert {path.name for path in files} >= {"events.ndjson", "junit.xml", "index.html", "server.log", "summary.txt"}
    assert outcomes[server].calls > 0
    assert [(path.name, secret) for path in files for secret in secrets_in_clear if secret in path.read_bytes()] == []


def test_there_are_at_least_twelve_defects_each_with_its_own_name_and_a_check() -> None:
    assert len(DEFECTS) >= 12
    assert all(name == defect.name and defect.check and defect.description for name, defect in DEFECTS.items())


def test_an_interrupted_selftest_exits_with_one_line_and_stops_its_servers(tmp_path: Path) -> None:
    selftest = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "twilio_stream_conformance.selftest",
            EMULATOR,
            "--no-stream-effects",
            "--reports",
            str(tmp_path),
        ],
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not (tmp_path / EMULATOR / "schemathesis.txt").exists():
            time.sleep(0.1)
        selftest.send_signal(signal.SIGTERM)
        output, _ = selftest.communicate(timeout=60)
    finally:
        if selftest.poll() is None:
            os.killpg(selftest.pid, signal.SIGKILL)

    assert selftest.returncode == 130
    assert output.decode().strip().splitlines() == ["interrupted; the servers started for the self-test are stopped"]
    assert subprocess.run(["pgrep", "-s", str(selftest.pid)], capture_output=True).stdout == b""
