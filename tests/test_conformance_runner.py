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
    Target,
    effective_profile,
    is_loopback,
    local_server,
    schemathesis_command,
)


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
    # A schemathesis that makes no call: the run itself fails, which is not what is judged here.
    monkeypatch.setattr(runner, "schemathesis_command", lambda *args: [sys.executable, "-c", "pass"])

    verdict, _ = runner.judge("http://127.0.0.1:9", tmp_path)

    assert not verdict.conforms
    assert sorted(path.name for path in tmp_path.iterdir()) == ["conformance.md", "schemathesis.txt", "summary.txt"]
    assert "from the previous run" not in (tmp_path / "summary.txt").read_text()
