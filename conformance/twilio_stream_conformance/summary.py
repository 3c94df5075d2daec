"""Read a schemathesis NDJSON event log into a verdict: the calls made, every check's tally, the failures.

The terminal summary and the Markdown report are both rendered from it. Each failure names the check,
the operation and a curl line that reproduces the request (credentials left to the environment).
"""

from __future__ import annotations

import base64
import json
import re
import shlex
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Request headers a curl line needs; the rest (User-Agent, test case ids, ...) is schemathesis' own.
_KEPT_HEADERS = ("content-type", "accept")


@dataclass(frozen=True)
class Failure:
    check: str
    operation: str
    phase: str
    message: str
    curl: str
    status_code: int | None


@dataclass
class RunSummary:
    calls: int = 0
    calls_by_phase: Counter[str] = field(default_factory=Counter)
    statuses: Counter[int] = field(default_factory=Counter)
    passed_by_check: Counter[str] = field(default_factory=Counter)
    failed_by_check: Counter[str] = field(default_factory=Counter)
    # One failure per (check, operation): the first seen, with its reproduction.
    failures: dict[tuple[str, str], Failure] = field(default_factory=dict)
    # Errors that are not check failures (the server unreachable, a timeout...): message -> count.
    errors: Counter[str] = field(default_factory=Counter)

    @property
    def failed_checks(self) -> set[str]:
        return {check for check, _ in self.failures}

    @property
    def conforms(self) -> bool:
        return self.calls > 0 and not self.failures and not self.errors


def _decoded(payload: dict[str, Any] | None) -> str:
    if not payload:
        return ""
    if "$base64" in payload:
        return base64.b64decode(payload["$base64"]).decode("utf-8", errors="replace")
    return str(payload.get("body", ""))


def curl_line(request: dict[str, Any]) -> str:
    """A curl command for a recorded request; basic auth comes from the environment, never the log."""
    parts = ["curl", "-X", request.get("method", "GET")]
    headers: dict[str, list[str]] = request.get("headers") or {}
    if any(name.lower() == "authorization" for name in headers):
        parts += ["-u", "$TWILIO_ACCOUNT_SID:$TWILIO_AUTH_TOKEN"]
    for name, values in headers.items():
        if name.lower() in _KEPT_HEADERS:
            parts += ["-H", f"{name}: {values[0]}"]
    body = _decoded(request.get("body"))
    if body:
        parts += ["--data-raw", body]
    parts.append(request.get("uri", ""))
    # The credentials must expand in the user's shell; everything else is quoted verbatim.
    return " ".join(f'"{part}"' if part.startswith("$TWILIO_ACCOUNT_SID") else shlex.quote(part) for part in parts)


def _first_line_block(message: str) -> str:
    return " ".join(line.strip() for line in message.strip().splitlines()[:3] if line.strip())


def _failure_message(check: dict[str, Any]) -> str:
    failure = (check.get("failure_info") or {}).get("failure") or {}
    title = failure.get("title", "")
    message = failure.get("message", "")
    return _first_line_block(f"{title}: {message}" if title and message else title or message)


def _record_scenario(summary: RunSummary, scenario: dict[str, Any]) -> None:
    recorder = scenario.get("recorder") or {}
    phase = scenario.get("phase", "?")
    interactions: dict[str, Any] = recorder.get("interactions") or {}
    # A call counts when it was answered; requests that failed on the network are errors.
    answered = [interaction for interaction in interactions.values() if interaction.get("response")]
    summary.calls += len(answered)
    summary.calls_by_phase[phase] += len(answered)
    for interaction in answered:
        summary.statuses[interaction["response"]["status_code"]] += 1
    label = recorder.get("label", "?")
    for case_id, checks in (recorder.get("checks") or {}).items():
        for check in checks:
            name = check["name"]
            if check["status"] == "success":
                summary.passed_by_check[name] += 1
                continue
            summary.failed_by_check[name] += 1
            failure = (check.get("failure_info") or {}).get("failure") or {}
            operation = failure.get("operation") or label
            if (name, operation) in summary.failures:
                continue
            interaction = interactions.get(case_id) or {}
            response = interaction.get("response") or {}
            summary.failures[(name, operation)] = Failure(
                check=name,
                operation=operation,
                phase=phase,
                message=_failure_message(check),
                curl=curl_line(interaction["request"]) if "request" in interaction else "",
                status_code=response.get("status_code"),
            )


def _error_title(error: dict[str, Any]) -> str:
    """`ConnectionError on POST /...: <message>`, its URL-specific tail cut so that repeats group."""
    value = error.get("value") or {}
    message = re.sub(r"url: \S+", "url: ...", _first_line_block(str(value.get("message", ""))))[:300]
    return f"{value.get('type', 'Error')} on {error.get('label', '?')}: {message}"


def read_events(path: Path) -> RunSummary:
    """Summarise an NDJSON event log written by `schemathesis run --report ndjson`."""
    summary = RunSummary()
    if not path.exists():
        summary.errors[f"no event log at {path}: schemathesis did not run"] += 1
        return summary
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            record_event(summary, json.loads(line))
    return summary


def record_event(summary: RunSummary, event: dict[str, Any]) -> None:
    """Add one event of the log to the summary (the progress display reads the log as it grows)."""
    if "ScenarioFinished" in event:
        _record_scenario(summary, event["ScenarioFinished"])
    elif "NonFatalError" in event:
        summary.errors[_error_title(event["NonFatalError"])] += 1
    elif "FatalError" in event:
        summary.errors[_first_line_block(str(event["FatalError"].get("exception") or "fatal error"))] += 1


def render_terminal(summary: RunSummary, *, target: str, seed: int | None, seconds: float) -> str:
    verdict = "CONFORMS" if summary.conforms else "DOES NOT CONFORM"
    phases = ", ".join(f"{phase} {count}" for phase, count in sorted(summary.calls_by_phase.items()))
    lines = [
        f"{verdict}: {target}",
        f"  {summary.calls} API calls in {seconds:.1f} s ({phases})",
        f"  {len(set(summary.passed_by_check) | set(summary.failed_by_check))} checks run "
        f"{sum(summary.passed_by_check.values()) + sum(summary.failed_by_check.values())} times, "
        f"{sum(summary.failed_by_check.values())} failures",
    ]
    for failure in summary.failures.values():
        lines += [
            f"  FAILED {failure.check} on {failure.operation} ({failure.phase} phase)",
            f"    {failure.message}",
            f"    {failure.curl}",
        ]
    shown = summary.errors.most_common(5)
    lines += [f"  ERROR ({count}x) {error}" for error, count in shown]
    if len(summary.errors) > len(shown):
        lines.append(f"  ... and {len(summary.errors) - len(shown)} other errors (see conformance.md)")
    if seed is not None:
        lines.append(f"  Reproduce with SEED={seed}")
    return "\n".join(lines)


def render_markdown(summary: RunSummary, *, target: str, seed: int | None, seconds: float) -> str:
    verdict = "conforms" if summary.conforms else "does not conform"
    lines = [
        "# Conformance report",
        "",
        f"`{target}` **{verdict}** to `openapi.yaml`.",
        "",
        f"- API calls: {summary.calls} in {seconds:.1f} s",
        f"- Calls per phase: {', '.join(f'{p} {n}' for p, n in sorted(summary.calls_by_phase.items()))}",
        f"- Statuses: {', '.join(f'{s}: {n}' for s, n in sorted(summary.statuses.items()))}",
        f"- Seed: {seed if seed is not None else 'unknown'}",
        "",
        "## Checks",
        "",
        "| check | passed (or not applicable) | failed |",
        "|---|---:|---:|",
    ]
    for name in sorted(set(summary.passed_by_check) | set(summary.failed_by_check)):
        lines.append(f"| `{name}` | {summary.passed_by_check[name]} | {summary.failed_by_check[name]} |")
    if summary.failures:
        lines += ["", "## Failures", ""]
        for failure in summary.failures.values():
            lines += [
                f"### `{failure.check}` on `{failure.operation}`",
                "",
                f"{failure.message} (status {failure.status_code}, {failure.phase} phase)",
                "",
                "```sh",
                failure.curl,
                "```",
                "",
            ]
    if summary.errors:
        lines += ["", "## Errors", "", *(f"- {count}x {error}" for error, count in summary.errors.most_common())]
    return "\n".join(lines) + "\n"
