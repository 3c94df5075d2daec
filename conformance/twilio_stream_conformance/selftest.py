"""`make conformance-selftest`: the suite proves it can fail.

Runs `make conformance`'s judgement against the emulator and the variants of it that conform (each must
pass) and against every defective server of conformance/defects.py (each must fail, and among its
failures must be the check that names its defect). Two runs at a time: each is a server and a
schemathesis process, and the machine is small.

`--no-stream-effects` judges the REST part only, and leaves out the defects that only the stream effects
can catch (those of the Media Stream, the status callbacks and the track limit).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from twilio_stream_conformance.defects import CONFORMING, DEFECTS, SERVERS
from twilio_stream_conformance.runner import (
    DEFAULT_REPORTS,
    STARTED,
    Budget,
    ServerCommand,
    _terminate_on_sigterm,
    judge,
)
from twilio_stream_conformance.stream_effects import EffectsOptions

EMULATOR = "emulator"


class DefectiveServer(ServerCommand):
    def __init__(self, defect: str) -> None:
        self.defect = defect

    def __call__(self, port: int, store: Path) -> list[str]:
        return [
            sys.executable,
            "-m",
            "twilio_stream_conformance.defects",
            self.defect,
            "--port",
            str(port),
            "--db",
            str(store),
        ]

    def __str__(self) -> str:
        return f"the emulator with defect {self.defect}"


@dataclass(frozen=True)
class Outcome:
    server: str
    expected_check: str | None  # None: the server must conform
    failed_checks: frozenset[str]
    calls: int
    errors: tuple[str, ...]

    @property
    def as_expected(self) -> bool:
        if self.errors or self.calls == 0:
            return False
        if self.expected_check is None:
            return not self.failed_checks
        return self.expected_check in self.failed_checks


def judge_one(
    server: str, reports: Path, *, seed: int | None, max_examples: int | None, stream_effects: bool = True
) -> Outcome:
    command = None if server == EMULATOR else DefectiveServer(server)
    effects = EffectsOptions(enabled=stream_effects)
    verdict, _ = judge(None, reports / server, Budget(seed, max_examples), server=command, effects=effects)
    expected = None if server == EMULATOR else SERVERS[server].check
    summary = verdict.summary
    failed = frozenset(summary.failed_checks | verdict.effects.failed_checks)
    return Outcome(server, expected, failed, summary.calls, tuple(sorted(summary.errors)))


def judge_all(
    servers: Sequence[str],
    reports: Path,
    *,
    seed: int | None,
    max_examples: int | None,
    parallel: int = 2,
    stream_effects: bool = True,
) -> list[Outcome]:
    pool = ThreadPoolExecutor(max_workers=parallel)

    def one(server: str) -> Outcome:
        return judge_one(server, reports, seed=seed, max_examples=max_examples, stream_effects=stream_effects)

    try:
        return list(pool.map(one, servers))
    except KeyboardInterrupt:
        # The runs are threads, which the signal does not reach: stop their processes, start no more.
        pool.shutdown(wait=False, cancel_futures=True)
        STARTED.stop_all()
        raise
    finally:
        pool.shutdown(wait=True)


def render(outcomes: Sequence[Outcome]) -> str:
    lines = ["| server | must fail | result | failed checks | calls |", "|---|---|---|---|---:|"]
    for outcome in outcomes:
        result = "ok" if outcome.as_expected else "WRONG"
        expected = outcome.expected_check or "(must conform)"
        failed = ", ".join(sorted(outcome.failed_checks)) or "-"
        if outcome.errors:
            failed += " / errors: " + "; ".join(outcome.errors)
        lines.append(f"| {outcome.server} | `{expected}` | {result} | {failed} | {outcome.calls} |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m twilio_stream_conformance.selftest", description=__doc__.splitlines()[0]
    )
    parser.add_argument("servers", nargs="*", help=f"'{EMULATOR}' and/or defect names (default: all)")
    parser.add_argument("--seed", type=int, default=None)
    # Enough for every defect to show (they do within a few dozen examples); a full run budget each
    # would only make the self-test slower.
    parser.add_argument("--max-examples", type=int, default=50)
    parser.add_argument("--parallel", type=int, default=2, help="runs at a time (each a server and schemathesis)")
    parser.add_argument("--reports", default=str(DEFAULT_REPORTS / "selftest"))
    parser.add_argument("--no-stream-effects", action="store_true", help="judge the REST part only")
    args = parser.parse_args(argv)
    _terminate_on_sigterm()
    servers = args.servers or [
        EMULATOR,
        *CONFORMING,
        *(name for name, defect in DEFECTS.items() if not (args.no_stream_effects and defect.stream_effect)),
    ]
    reports = Path(args.reports)
    try:
        outcomes = judge_all(
            servers,
            reports,
            seed=args.seed,
            max_examples=args.max_examples,
            parallel=args.parallel,
            stream_effects=not args.no_stream_effects,
        )
    except KeyboardInterrupt:
        print("interrupted; the servers started for the self-test are stopped")
        return 130
    table = render(outcomes)
    reports.mkdir(parents=True, exist_ok=True)
    (reports / "selftest.md").write_text("# Conformance self-test\n\n" + table + "\n", encoding="utf-8")
    print(table)
    wrong = [outcome.server for outcome in outcomes if not outcome.as_expected]
    print(
        f"{len(outcomes) - len(wrong)} of {len(outcomes)} as expected"
        + (f"; wrong: {', '.join(wrong)}" if wrong else "")
    )
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
