"""`make conformance` starts and stops what it needs, whatever happens, and treats live targets gently."""

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import pytest
from twilio_stream_conformance import runner
from twilio_stream_conformance.runner import (
    Budget,
    ServerCommand,
    effective_profile,
    local_server,
    schemathesis_command,
)
from twilio_stream_conformance.stream_effects import EffectsOptions, EffectsVerdict, ScenarioResult
from twilio_stream_conformance.summary import RunSummary
from twilio_stream_conformance.target import Target, is_loopback

from tests.fake_twilio import FakeTwilio, Flaws


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://127.0.0.1:8080", True),
        ("http://127.3.4.5", True),
        ("http://localhost:1234/", True),
        ("http://[::1]:8080", True),
        ("https://api.twilio.com", False),
        ("http://10.0.0.1:8080", False),
    ],
)
def test_is_loopback(url: str, expected: bool) -> None:
    assert is_loopback(url) is expected


def test_live_profile_applies_to_a_remote_target() -> None:
    assert effective_profile("https://api.twilio.com", "live") == "live"


def test_live_profile_is_not_applied_to_a_loopback_target() -> None:
    assert effective_profile("http://127.0.0.1:8080", "live") == ""


def test_live_profile_rate_limits_and_bounds_the_run(tmp_path: Path) -> None:
    target = Target("https://api.example.test", "AC" + "0" * 32, "token")

    command = schemathesis_command(target, tmp_path, Budget(seed=7), "live")

    assert "--rate-limit=2/s" in command
    assert "--max-examples=5" in command
    assert "--seed=7" in command


def test_an_explicit_budget_overrides_the_profiles(tmp_path: Path) -> None:
    target = Target("https://api.example.test", "AC" + "0" * 32, "token")

    command = schemathesis_command(target, tmp_path, Budget(max_examples=2), "live")

    assert command.index("--max-examples=2") > command.index("--max-examples=5")  # the last one wins


def _refuses_connections(url: str) -> bool:
    host, port = url.removeprefix("http://").split(":")
    try:
        with socket.create_connection((host, int(port)), timeout=1):
            return False
    except OSError:
        return True


@pytest.mark.slow  # starts the emulator's process
def test_local_server_is_stopped_and_leaves_nothing_when_the_run_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scratch, reports = tmp_path / "scratch", tmp_path / "reports"
    scratch.mkdir()
    reports.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))

    seen: list[str] = []

    def run_that_breaks() -> None:
        with local_server(ServerCommand(), reports) as target:
            seen.append(target.url)
            assert not _refuses_connections(target.url)
            raise RuntimeError("the run broke")

    with pytest.raises(RuntimeError, match="the run broke"):
        run_that_breaks()

    url = seen[0]
    assert _refuses_connections(url)
    assert list(scratch.iterdir()) == []  # no store, no log left behind
    assert (reports / "server.log").exists()


def _processes_with(marker: str) -> list[int]:
    """Processes whose environment carries the marker: the runner and everything it started."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if marker.encode() in (entry / "environ").read_bytes():
                found.append(int(entry.name))
        except OSError:
            continue
    return found


@pytest.mark.slow
@pytest.mark.parametrize(
    ("signal_number", "whole_group"),
    [(signal.SIGINT, True), (signal.SIGTERM, False)],
    ids=["ctrl-c", "sigterm-to-the-runner"],
)
def test_an_interrupted_run_leaves_no_process_behind(
    tmp_path: Path, signal_number: signal.Signals, whole_group: bool
) -> None:
    marker = f"CONFORMANCE_TEST_RUN={uuid.uuid4()}"
    name, _, value = marker.partition("=")
    runner = subprocess.Popen(
        [sys.executable, "-m", "twilio_stream_conformance", "--reports", str(tmp_path)],
        env={**os.environ, name: value},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        # Running: the runner, the emulator and schemathesis (whose output file exists by then).
        while time.monotonic() < deadline and not (
            (tmp_path / "schemathesis.txt").exists() and len(_processes_with(marker)) >= 3
        ):
            time.sleep(0.1)
        assert len(_processes_with(marker)) >= 3
        time.sleep(1.0)  # schemathesis is sending requests by now
        if whole_group:
            os.killpg(runner.pid, signal_number)
        else:
            runner.send_signal(signal_number)
        output, _ = runner.communicate(timeout=60)
    finally:
        if runner.poll() is None:
            os.killpg(runner.pid, signal.SIGKILL)

    assert runner.returncode != 0
    assert b"interrupted" in output
    assert _processes_with(marker) == []


def test_a_run_starts_by_removing_the_previous_runs_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A TARGET run does not leave the last local run's server.log (or anything else) among its reports."""
    for stale in ("server.log", "junit.xml", "events.ndjson", "summary.txt"):
        (tmp_path / stale).write_text("from the previous run")
    (tmp_path / "html").mkdir()
    (tmp_path / "html" / "index.html").write_text("from the previous run")
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", "AC" + "0" * 32)
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "token")
    # A target that answers the probe, and a schemathesis that makes no call: the run itself fails,
    # which is not what is judged here.
    monkeypatch.setattr(runner, "probe", lambda url: None)
    monkeypatch.setattr(runner, "schemathesis_command", lambda *args: [sys.executable, "-c", "pass"])

    verdict, _ = runner.judge("http://127.0.0.1:9", tmp_path, effects=EffectsOptions(enabled=False))

    assert not verdict.conforms
    assert sorted(path.name for path in tmp_path.iterdir()) == [
        "conformance.md",
        "junit.xml",  # the stream effects' suite (here: not judged), schemathesis having written none
        "schemathesis.txt",
        "summary.txt",
    ]
    assert "from the previous run" not in (tmp_path / "summary.txt").read_text()


# --- A target that does not answer, and the verdict of both parts ---------------------------------------


def _nobody_listens() -> int:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port: int = taken.getsockname()[1]
    return port


def test_an_unreachable_target_is_told_apart_from_one_that_does_not_conform(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", "AC" + "0" * 32)
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "token")
    url = f"http://127.0.0.1:{_nobody_listens()}"

    status = runner.main([url, "--reports", str(tmp_path)])

    assert status == runner.EXIT_NO_ANSWER == 3
    assert capsys.readouterr().out.strip() == f"no answer from {url} (connection refused): nothing was judged"
    assert not (tmp_path / "schemathesis.txt").exists()


def _conforming_rest(target: Target, reports: Path, *args: object) -> runner.Verdict:
    (reports / "junit.xml").write_text(
        '<testsuites tests="3" failures="0"><testsuite name="schemathesis"/></testsuites>'
    )
    return runner.Verdict(RunSummary(calls=3), exit_code=0, seed=1, seconds=0.1)


@pytest.fixture
def rest_conforms(monkeypatch: pytest.MonkeyPatch) -> None:
    """The REST part conforms without a server: the target answers the probe, schemathesis is not run."""
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", "AC" + "0" * 32)
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "token")
    monkeypatch.delenv("CONFORMANCE_PUBLIC_URL", raising=False)
    monkeypatch.setattr(runner, "probe", lambda url: None)
    monkeypatch.setattr(runner, "run_schemathesis", _conforming_rest)


@pytest.mark.usefixtures("rest_conforms")
def test_a_remote_target_without_a_public_url_is_not_judged_in_full(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status = runner.main(["https://api.example.test", "--reports", str(tmp_path)])
    out = capsys.readouterr().out

    assert status == runner.EXIT_NOT_JUDGED == 4
    assert "STREAM EFFECTS NOT JUDGED: https://api.example.test is not on this machine" in out
    assert "VERDICT: NOT JUDGED IN FULL (exit status 4): openapi.yaml conforms; stream effects not judged" in out
    assert "**Not judged**" in (tmp_path / "conformance.md").read_text()
    assert '<skipped message="not judged: https://api.example.test' in (tmp_path / "junit.xml").read_text()


@pytest.mark.usefixtures("rest_conforms")
def test_stream_effects_disabled_on_request_leave_the_rest_verdict(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status = runner.main(["https://api.example.test", "--no-stream-effects", "--reports", str(tmp_path)])

    assert status == runner.EXIT_CONFORMS == 0
    assert (
        "VERDICT: CONFORMS (exit status 0): openapi.yaml conforms; "
        "stream effects not judged: disabled (--no-stream-effects)" in capsys.readouterr().out
    )


def test_a_call_sid_that_is_no_callsid_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        runner.main(["--call-sid", "CA-not-a-call"])

    assert exited.value.code == 2
    assert "'CA-not-a-call' is no CallSid" in capsys.readouterr().err


def test_the_call_sid_reaches_the_stream_effects(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    given: list[EffectsOptions] = []

    def judge(*args: object, effects: EffectsOptions, **kwargs: object) -> tuple[runner.Verdict, str]:
        given.append(effects)
        raise KeyboardInterrupt  # nothing more to run

    monkeypatch.setattr(runner, "judge", judge)
    call_sid = "CA" + "2" * 32
    runner.main(["https://api.example.test", "--call-sid", call_sid, "--reports", str(tmp_path)])

    assert [options.call_sid for options in given] == [call_sid]


@pytest.mark.slow
@pytest.mark.usefixtures("rest_conforms")
def test_stream_effects_are_judged_after_the_rest_and_reported_everywhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with FakeTwilio(Flaws(close_code=1011)) as fake:
        monkeypatch.setenv("TWILIO_ACCOUNT_SID", fake.target.account_sid)
        monkeypatch.setenv("TWILIO_AUTH_TOKEN", fake.target.auth_token)
        status = runner.main([fake.target.url, "--reports", str(tmp_path)])
    out = capsys.readouterr().out

    assert status == runner.EXIT_DOES_NOT_CONFORM
    assert "STREAM EFFECTS DO NOT CONFORM: 6 Streams" in out  # five scenarios' and the track limit's
    assert "closes_normally_after_stop: expected close code 1000 (normal closure) after the stop, got 1011" in out
    assert 'reproduce:\n      curl -X POST -u "$TWILIO_ACCOUNT_SID:$TWILIO_AUTH_TOKEN"' in out
    assert out.index("STREAM EFFECTS") < out.index("VERDICT: DOES NOT CONFORM (exit status 1)")
    assert "## Stream effects" in (tmp_path / "conformance.md").read_text()
    junit = (tmp_path / "junit.xml").read_text()
    assert '<testsuites tests="9" failures="4"' in junit  # schemathesis' 3, 5 Streams and the track limit
    assert 'testcase name="stream effects: defaults"' in junit
    assert fake.target.auth_token not in out + junit + (tmp_path / "conformance.md").read_text()


@pytest.mark.parametrize(
    ("rest_exit", "effects", "status"),
    [
        (0, EffectsVerdict(judged=True, scenarios=(ScenarioResult("s", (("c", None),), (), (), 0),)), 0),
        (0, EffectsVerdict(judged=True, scenarios=(ScenarioResult("s", (("c", "expected"),), (), (), 0),)), 1),
        (1, EffectsVerdict(judged=True, scenarios=(ScenarioResult("s", (("c", None),), (), (), 0),)), 1),
        (0, EffectsVerdict(judged=False, reason="disabled", disabled=True), 0),
        (1, EffectsVerdict(judged=False, reason="disabled", disabled=True), 1),
        (0, EffectsVerdict(judged=False, reason="no public URL"), 4),
        (1, EffectsVerdict(judged=False, reason="no public URL"), 1),
    ],
)
def test_the_exit_status_needs_both_parts(rest_exit: int, effects: EffectsVerdict, status: int) -> None:
    verdict = runner.Verdict(RunSummary(calls=1), exit_code=rest_exit, seed=None, seconds=0.0, effects=effects)

    assert verdict.exit_status == status
    assert verdict.conforms is (status == 0)
