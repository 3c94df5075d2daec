"""How the stream effects part of a run is reported: in the terminal summary, in conformance.md, and as
a test suite of its own in junit.xml (beside schemathesis' suite), like the REST part.

A failure says what was expected and what came (the check's message), and how to reproduce it: the
create and the stop as curl lines (credentials from the environment, never the token) and the
messages the WebSocket received, abridged to the first and last few.
"""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from pathlib import Path

from twilio_stream_conformance.stream_effects import EffectsVerdict, ScenarioResult

TITLE = "stream effects"


def headline(verdict: EffectsVerdict) -> str:
    """`STREAM EFFECTS CONFORM: ...`, `... DO NOT CONFORM: ...` or `... NOT JUDGED: <why>`."""
    if not verdict.judged:
        return f"STREAM EFFECTS NOT JUDGED: {verdict.reason}"
    checks = {check for result in verdict.scenarios for check, _ in result.results}
    runs = sum(len(result.results) for result in verdict.scenarios)
    state = "CONFORM" if verdict.conforms else "DO NOT CONFORM"
    return (
        f"STREAM EFFECTS {state}: {len(verdict.scenarios)} Streams in {verdict.seconds:.1f} s, "
        f"{len(checks)} checks run {runs} times, {len(verdict.failures)} failures"
    )


def _failed_scenarios(verdict: EffectsVerdict) -> list[ScenarioResult]:
    return [result for result in verdict.scenarios if result.failures]


def render_terminal(verdict: EffectsVerdict) -> str:
    lines = [headline(verdict)]
    for result in _failed_scenarios(verdict):
        lines.append(f"  FAILED on {result.scenario}:")
        lines += [f"    {check}: {message}" for check, message in result.failures]
        lines.append("    reproduce:")
        lines += [f"      {line}" for line in result.reproduce]
        lines.append(f"    received {result.received_count} WebSocket message(s)" + (":" if result.received else ""))
        lines += [f"      {line}" for line in result.received]
    return "\n".join(lines)


def render_markdown(verdict: EffectsVerdict) -> str:
    lines = ["## Stream effects", ""]
    if not verdict.judged:
        return "\n".join([*lines, f"**Not judged**: {verdict.reason}.", ""])
    state = "conform" if verdict.conforms else "do not conform"
    lines += [
        f"The Media Streams and status callbacks of {len(verdict.scenarios)} Streams **{state}** to "
        f"`media-stream.asyncapi.yaml` and Twilio's Media Streams ({verdict.seconds:.1f} s).",
        "",
        "| check | passed (or not applicable) | failed |",
        "|---|---:|---:|",
    ]
    failed = {check: sum(1 for _, c, _ in verdict.failures if c == check) for check in verdict.failed_checks}
    names = sorted(set(verdict.passed) | set(failed))
    lines += [f"| `{name}` | {verdict.passed[name]} | {failed.get(name, 0)} |" for name in names]
    for result in _failed_scenarios(verdict):
        lines += ["", f"### Failures of `{result.scenario}`", ""]
        lines += [f"- `{check}`: {message}" for check, message in result.failures]
        lines += ["", "```sh", *result.reproduce, "```", "", f"Received {result.received_count} WebSocket message(s):"]
        if result.received:
            lines += ["", "```", *result.received, "```"]
    return "\n".join(lines) + "\n"


def add_to_junit(path: Path, verdict: EffectsVerdict) -> None:
    """Add a `stream effects` test suite to the JUnit report (one test case per Stream; a skipped one
    when nothing was judged), updating the totals; start the report when schemathesis wrote none."""
    if path.exists():
        tree = ElementTree.parse(path)  # noqa: S314 (schemathesis wrote it, in this run)
        root = tree.getroot()
    else:
        root = ElementTree.Element("testsuites")
        tree = ElementTree.ElementTree(root)
    suite = ElementTree.SubElement(root, "testsuite", name=TITLE, time=f"{verdict.seconds:.6f}")
    failures = skipped = 0
    if not verdict.judged:
        case = ElementTree.SubElement(suite, "testcase", name=TITLE)
        ElementTree.SubElement(case, "skipped", message=f"not judged: {verdict.reason}")
        skipped = 1
    for result in verdict.scenarios:
        case = ElementTree.SubElement(suite, "testcase", name=f"{TITLE}: {result.scenario}")
        if result.failures:
            failures += 1
            text = "\n".join(
                [*(f"{check}: {message}" for check, message in result.failures), *result.reproduce, *result.received]
            )
            failure = ElementTree.SubElement(case, "failure", message="; ".join(c for c, _ in result.failures))
            failure.text = text
    totals = {"tests": max(1, len(verdict.scenarios)), "failures": failures, "skipped": skipped, "errors": 0}
    for name, added in totals.items():
        suite.set(name, str(added))
        root.set(name, str(int(root.get(name, "0")) + added))
    root.set("time", f"{float(root.get('time', '0')) + verdict.seconds:.6f}")
    ElementTree.indent(tree, space="  ")
    tree.write(path, encoding="utf-8", xml_declaration=True)
