"""`make conformance`: judge a server by openapi.yaml with schemathesis, then judge the effects of its
Streams (the Media Stream it dials, the status callbacks it sends), and say where it does not conform.

Without a target it starts the emulator on a free loopback port with throw-away credentials and a
temporary store, and stops it afterwards, whatever happens (failure, Ctrl-C, SIGTERM): no process and
no file outlive the run but the reports. With a target it judges that server with the credentials in
TWILIO_ACCOUNT_SID / TWILIO_AUTH_TOKEN, once a first request shows that it answers at all.

Exit status: 0 when calls were made, every check passed on every one of them, and the stream effects
conform (or were disabled with --no-stream-effects); 1 when something does not conform; 3 when the
target did not answer (nothing was judged); 4 when the REST part conforms but the stream effects could
not be judged (a remote target without --public-url): never counted as passed; 130 when interrupted.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from types import FrameType
from typing import Any

import twilio_stream_contract as contract
from twilio_stream_contract import CONTRACT_PATH
from twilio_stream_emulator import server

from twilio_stream_conformance import stream_report
from twilio_stream_conformance.progress import TICK_S, EventTail, RunProgress
from twilio_stream_conformance.stream_effects import (
    LOCAL_PORT_ENV,
    PUBLIC_URL_ENV,
    EffectsOptions,
    EffectsVerdict,
    judge_stream_effects,
)
from twilio_stream_conformance.summary import RunSummary, read_events, render_markdown, render_terminal
from twilio_stream_conformance.target import NoAnswer, Target, is_loopback, probe

CONTRACT = CONTRACT_PATH
# Reports go to ./reports of the directory the suite is run from (the repository root under make).
DEFAULT_REPORTS = Path("reports")
CONFIG = Path(__file__).resolve().parent / "schemathesis.toml"
# The pinned schemathesis of this interpreter's environment.
SCHEMATHESIS = [sys.executable, "-m", "schemathesis.cli"]

# PROFILE=live: a production API (Twilio itself, a Twilio-compatible provider) is someone's real
# service. A few requests per second, few examples per operation, one worker, and an early stop once
# the verdict is clear. Loopback targets ignore it: they are ours to hammer.
PROFILES: dict[str, list[str]] = {
    "": [],
    "live": [
        "--rate-limit=2/s",
        "--max-examples=5",
        "--workers=1",
        "--max-failures=10",
        "--request-timeout=15",
    ],
}


@dataclass(frozen=True)
class Budget:
    """How much to run: a seed to reproduce a run, examples per operation, and a time budget in seconds
    (with one, fuzzing and stateful testing repeat until it is spent: more calls, less reproducible)."""

    seed: int | None = None
    max_examples: int | None = None
    max_time: int | None = None

    def options(self) -> list[str]:
        values = {"--seed": self.seed, "--max-examples": self.max_examples, "--max-time": self.max_time}
        return [f"{option}={value}" for option, value in values.items() if value is not None]


EXIT_CONFORMS, EXIT_DOES_NOT_CONFORM, EXIT_NO_ANSWER, EXIT_NOT_JUDGED, EXIT_INTERRUPTED = 0, 1, 3, 4, 130
NOT_JUDGED_YET = EffectsVerdict(judged=False, reason="the run ended before them")
# Judged, on loopback (a remote target needs a public URL: EffectsOptions.from_environment).
DEFAULT_EFFECTS = EffectsOptions()


@dataclass(frozen=True)
class Verdict:
    """The REST part (schemathesis' summary and exit code) and the stream effects part of a run."""

    summary: RunSummary
    exit_code: int
    seed: int | None
    seconds: float
    effects: EffectsVerdict = NOT_JUDGED_YET

    @property
    def rest_conforms(self) -> bool:
        return self.exit_code == 0 and self.summary.conforms

    @property
    def exit_status(self) -> int:
        if not self.rest_conforms or (self.effects.judged and not self.effects.conforms):
            return EXIT_DOES_NOT_CONFORM
        if not self.effects.judged and not self.effects.disabled:
            return EXIT_NOT_JUDGED
        return EXIT_CONFORMS

    @property
    def conforms(self) -> bool:
        return self.exit_status == EXIT_CONFORMS

    def line(self) -> str:
        """The verdict of the whole run, in one line: both parts and the exit status."""
        rest = "conforms" if self.rest_conforms else "does not conform"
        if not self.effects.judged:
            effects = f"not judged: {self.effects.reason}"
        elif self.effects.conforms:
            effects = "conform"
        else:
            effects = f"do not conform ({len(self.effects.failures)} failures)"
        status = self.exit_status
        head = {EXIT_CONFORMS: "CONFORMS", EXIT_NOT_JUDGED: "NOT JUDGED IN FULL"}.get(status, "DOES NOT CONFORM")
        return f"VERDICT: {head} (exit status {status}): openapi.yaml {rest}; stream effects {effects}"


def throwaway_credentials() -> tuple[str, str]:
    """A fresh Account SID and Auth Token, valid for one run of a server we start ourselves."""
    return contract.new_sid(contract.ACCOUNT_SID), secrets.token_hex(16)


def effective_profile(target_url: str, profile: str) -> str:
    """The profile a run uses: none for a loopback target, otherwise the one asked for."""
    return "" if is_loopback(target_url) else profile


class StartedProcesses:
    """Every server and schemathesis process the runs of this process started, so that an interrupted
    self-test (runs in threads, which a signal does not reach) can stop them all, and start no more.
    Each leads a session of its own, so that stopping it stops what it forked."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running: set[subprocess.Popen[bytes]] = set()
        self._stopping = False

    def start(self, argv: list[str], **options: Any) -> subprocess.Popen[bytes]:
        with self._lock:
            if self._stopping:
                raise KeyboardInterrupt
            process = subprocess.Popen(argv, **{**options, "start_new_session": True})  # noqa: S603 (our own tools)
            self._running.add(process)
            return process

    def stop(self, process: subprocess.Popen[bytes]) -> None:
        server.stop_process(process)
        with self._lock:
            self._running.discard(process)

    def stop_all(self) -> None:
        with self._lock:
            self._stopping = True
            running = list(self._running)
        for process in running:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in running:
            self.stop(process)


STARTED = StartedProcesses()


@contextmanager
def local_server(command_for: ServerCommand, reports: Path) -> Iterator[Target]:
    """Start a server on a free loopback port with throw-away credentials and store; stop it on exit."""
    account_sid, auth_token = throwaway_credentials()
    with tempfile.TemporaryDirectory(prefix="conformance-") as scratch:
        port = server.free_port()
        log = Path(scratch) / "server.log"
        # Only the throw-away account: none of the caller's emulator settings (accounts file, store).
        env = {name: value for name, value in os.environ.items() if not name.startswith(("EMULATOR_", "TWILIO_"))}
        env |= {"TWILIO_ACCOUNT_SID": account_sid, "TWILIO_AUTH_TOKEN": auth_token}
        argv = command_for(port, Path(scratch) / "store.sqlite3")
        try:
            with server.run_server(argv, port=port, log_path=log, env=env, popen=STARTED.start, stop=STARTED.stop):
                yield Target(f"http://{server.HOST}:{port}", account_sid, auth_token)
        finally:
            shutil.copyfile(log, reports / "server.log")


def schemathesis_command(target: Target, reports: Path, budget: Budget, profile: str) -> list[str]:
    command = [
        *SCHEMATHESIS,
        "--no-color",
        "--config-file",
        str(CONFIG),
        "run",
        str(CONTRACT),
        "--url",
        target.url,
        f"--report-junit-path={reports / 'junit.xml'}",
        f"--report-ndjson-path={reports / 'events.ndjson'}",
        f"--report-html-path={reports / 'html'}",
        f"--report-json-path={reports / 'run.json'}",
    ]
    # Given after the profile, an explicit budget wins over the profile's.
    return command + PROFILES[profile] + budget.options()


def _seed_of_run(reports: Path) -> int | None:
    try:
        seed = json.loads((reports / "run.json").read_text(encoding="utf-8")).get("seed")
    except (OSError, ValueError):
        return None
    return seed if isinstance(seed, int) else None


# What one run writes into its reports directory; a run starts by removing the previous run's, so that
# a TARGET run does not leave the last local run's server.log next to its own reports.
RUN_FILES = (
    "junit.xml",
    "events.ndjson",
    "run.json",
    "conformance.md",
    "summary.txt",
    "schemathesis.txt",
    "server.log",
)


def clear_previous_run(reports: Path) -> None:
    for stale in RUN_FILES:
        (reports / stale).unlink(missing_ok=True)
    shutil.rmtree(reports / "html", ignore_errors=True)


def _wait(process: subprocess.Popen[bytes], events: Path, progress: RunProgress) -> int:
    """Wait for schemathesis to end; in a terminal, show its progress meanwhile (bounded by its life)."""
    if not progress.enabled:
        return process.wait()
    progress.schemathesis_started()
    tail = EventTail(events)
    while True:
        try:
            return process.wait(timeout=TICK_S)
        except subprocess.TimeoutExpired:
            progress.schemathesis_events(tail.read())


def run_schemathesis(
    target: Target, reports: Path, budget: Budget, profile: str, progress: RunProgress | None = None
) -> Verdict:
    env = {
        **os.environ,
        "TWILIO_ACCOUNT_SID": target.account_sid,
        "TWILIO_AUTH_TOKEN": target.auth_token,
    }
    started = time.monotonic()
    with (reports / "schemathesis.txt").open("wb") as output:
        process = STARTED.start(
            schemathesis_command(target, reports, budget, profile),
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        try:
            exit_code = _wait(process, reports / "events.ndjson", progress or RunProgress(enabled=False))
        finally:
            STARTED.stop(process)
    seconds = time.monotonic() - started
    summary = read_events(reports / "events.ndjson")
    if exit_code != 0 and summary.conforms:
        summary.errors[f"schemathesis exited with {exit_code}; see {reports / 'schemathesis.txt'}"] += 1
    seed = budget.seed if budget.seed is not None else _seed_of_run(reports)
    return Verdict(summary, exit_code, seed, seconds)


def write_reports(verdict: Verdict, reports: Path, target_name: str) -> str:
    """The terminal summary (returned, and in summary.txt), conformance.md and junit.xml: the REST part
    as schemathesis judged it, then the stream effects, then the verdict of the run."""
    rest = render_terminal(verdict.summary, target=target_name, seed=verdict.seed, seconds=verdict.seconds)
    text = "\n".join([rest, stream_report.render_terminal(verdict.effects), verdict.line()])
    markdown = render_markdown(verdict.summary, target=target_name, seed=verdict.seed, seconds=verdict.seconds)
    markdown += "\n" + stream_report.render_markdown(verdict.effects) + f"\n## Verdict\n\n{verdict.line()}\n"
    (reports / "conformance.md").write_text(markdown, encoding="utf-8")
    (reports / "summary.txt").write_text(text + "\n", encoding="utf-8")
    stream_report.add_to_junit(reports / "junit.xml", verdict.effects)
    return text


class ServerCommand:
    """How to start a local server: `(port, store) -> argv`. The emulator, or a defective one."""

    def __call__(self, port: int, store: Path) -> list[str]:
        return server.command("--host", server.HOST, "--port", str(port), "--db", str(store))


def judge_target(
    target: Target,
    reports: Path,
    budget: Budget,
    profile: str,
    effects: EffectsOptions,
    progress: RunProgress,
) -> Verdict:
    """Both parts against a server that is running: probe it, run schemathesis, judge the stream effects.
    Raises NoAnswer when the probe gets no answer."""
    reason = probe(target.url)
    if reason is not None:
        raise NoAnswer(target.url, reason)
    verdict = run_schemathesis(target, reports, budget, profile, progress)
    stream_effects = judge_stream_effects(target, effects, progress=progress.stream_effects)
    return replace(verdict, effects=stream_effects)


def judge(
    target_url: str | None,
    reports: Path,
    budget: Budget = Budget(),
    *,
    profile: str = "",
    server: ServerCommand | None = None,
    effects: EffectsOptions = DEFAULT_EFFECTS,
    progress: RunProgress | None = None,
) -> tuple[Verdict, str]:
    """Run the suite against target_url, or against a local server started for the run."""
    reports.mkdir(parents=True, exist_ok=True)
    clear_previous_run(reports)
    progress = progress or RunProgress(enabled=False)
    if target_url:
        account_sid, auth_token = os.environ.get("TWILIO_ACCOUNT_SID"), os.environ.get("TWILIO_AUTH_TOKEN")
        if not account_sid or not auth_token:
            raise SystemExit("TARGET needs TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN in the environment")
        if profile and is_loopback(target_url):
            print(f"PROFILE={profile} is for remote APIs; {target_url} is loopback, running the full suite")
        profile = effective_profile(target_url, profile)
        target = Target(target_url.rstrip("/"), account_sid, auth_token)
        verdict = judge_target(target, reports, budget, profile, effects, progress)
        return verdict, write_reports(verdict, reports, target.url)
    with local_server(server or ServerCommand(), reports) as local:
        verdict = judge_target(local, reports, budget, "", effects, progress)
    name = "the emulator" if server is None else str(server)
    return verdict, write_reports(verdict, reports, f"{name} at {local.url}")


def _terminate_on_sigterm() -> None:
    # SIGTERM (CI cancelling a job) unwinds like Ctrl-C, so every `finally` stops what it started.
    def handler(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, handler)


def _call_sid(value: str) -> str:
    """``--call-sid``: a well-formed CallSid, or a usage error naming the pattern."""
    if not contract.CALL_SID.fullmatch(value):
        pattern = contract.CALL_SID.pattern
        raise argparse.ArgumentTypeError(f"{value!r} is no CallSid (the contract's pattern: {pattern})")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="twilio-stream-conformance",
        description=__doc__.splitlines()[0],
        epilog="A target needs TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN in the environment: its credentials.",
    )
    parser.add_argument("target", nargs="?", default="", help="base URL of the server to judge (default: the emulator)")
    parser.add_argument("--profile", default="", choices=sorted(PROFILES), help="'live' keeps a production API safe")
    parser.add_argument("--seed", type=int, help="reproduce a run")
    parser.add_argument("--max-examples", type=int, help="examples per operation (fuzzing), scenarios (stateful)")
    parser.add_argument("--max-time", type=int, help="seconds; fuzzing and stateful testing repeat until spent")
    parser.add_argument("--reports", default=str(DEFAULT_REPORTS), help="where the reports go (default: %(default)s)")
    parser.add_argument(
        "--public-url",
        help=f"the public base URL (a tunnel) that forwards to this machine's --local-port, through which a remote "
        f"target reaches the suite's WebSocket receiver and callback recorder (or {PUBLIC_URL_ENV})",
    )
    parser.add_argument(
        "--local-port",
        type=int,
        help=f"the local port the receiver and recorder listen on (or {LOCAL_PORT_ENV}; default: "
        "8765 with a public URL, a free port without)",
    )
    parser.add_argument(
        "--call-sid",
        type=_call_sid,
        help="a call in progress on the target, for the stream effects: Twilio streams only on a live call "
        "(default: a new, well-formed CallSid per Stream, which an emulator takes as live)",
    )
    parser.add_argument(
        "--no-stream-effects",
        action="store_true",
        help="judge the REST answers only; the stream effects are reported as not judged",
    )
    args = parser.parse_args(argv)
    _terminate_on_sigterm()
    reports = Path(args.reports)
    effects = EffectsOptions.from_environment(
        enabled=not args.no_stream_effects,
        public_url=args.public_url,
        local_port=args.local_port,
        call_sid=args.call_sid,
    )
    try:
        with RunProgress(enabled=sys.stdout.isatty()) as progress:
            verdict, text = judge(
                args.target or None,
                reports,
                Budget(args.seed, args.max_examples, args.max_time),
                profile=args.profile,
                effects=effects,
                progress=progress,
            )
    except KeyboardInterrupt:
        print("interrupted; the server started for the run is stopped")
        return EXIT_INTERRUPTED
    except NoAnswer as no_answer:
        print(f"{no_answer}: nothing was judged")
        return EXIT_NO_ANSWER
    print(text)
    print(f"  Reports: {reports / 'conformance.md'}, {reports / 'junit.xml'}, {reports / 'html' / 'index.html'}")
    return verdict.exit_status
