"""4. and 5. Wall time of whole commands a developer runs: `make conformance` and `make generate`."""

import re
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.fixture import ROOT
from bench.stats import Summary, summarize


@dataclass(frozen=True)
class CommandTime:
    command: str
    seconds: Summary
    exit_code: int
    output: str


def time_command(
    command: Sequence[str], runs: int, env: Mapping[str, str] | None = None, *, must_succeed: bool = True
) -> CommandTime:
    """Median wall time of ``runs`` runs of ``command`` in the repository root.

    With ``must_succeed`` a failing run raises; without it the last exit code is kept, for a command
    whose failure is a verdict rather than a breakdown (the conformance suite finding a bug).
    """
    samples: list[float] = []
    output = ""
    exit_code = 0
    for _ in range(runs):
        start = time.perf_counter()
        completed = subprocess.run(  # noqa: S603 - our own make targets
            list(command),
            cwd=ROOT,
            env=None if env is None else dict(env),
            capture_output=True,
            text=True,
            timeout=900,
        )
        samples.append(time.perf_counter() - start)
        output, exit_code = completed.stdout + completed.stderr, completed.returncode
        if must_succeed and exit_code != 0:
            tail = "\n".join(output.splitlines()[-20:])
            raise RuntimeError(f"`{' '.join(command)}` exited with {exit_code}:\n{tail}")
    # The end of the output holds the summaries a report needs; the rest stays out of results.json.
    return CommandTime(" ".join(command), summarize(samples), exit_code, "\n".join(output.splitlines()[-40:]))


def time_generate(runs: int, scratch: Path) -> CommandTime:
    """`make generate` into a scratch folder: the same work, without touching the committed package."""
    target = scratch / "twilio_stream_client"
    return time_command(["make", "-s", "generate", f"GENERATED={target}"], runs)


# The conformance runner's summary line: "  1234 API calls in 56.7 s (phases ...)".
_API_CALLS = re.compile(r"^\s*(\d+) API calls in ([0-9.]+) s", re.MULTILINE)


def api_calls_in(output: str) -> tuple[int, float] | None:
    """The API calls that `make conformance` reports and the seconds it says they took; None without a summary."""
    found = _API_CALLS.findall(output)
    return (int(found[-1][0]), float(found[-1][1])) if found else None


def time_conformance(runs: int, extra: Sequence[str] = ()) -> CommandTime:
    """The default `make conformance` run: the bundled emulator judged by openapi.yaml."""
    return time_command(["make", "-s", "conformance", *extra], runs, must_succeed=False)
