"""The progress line of a run: read from schemathesis' log as it grows, shown only in a terminal."""

import io
import json
import re
from pathlib import Path

from rich.console import Console
from twilio_stream_conformance.progress import EventTail, RunProgress


def scenario_finished(phase: str, calls: int, failed: bool = False) -> dict[str, object]:
    interactions = {f"c{n}": {"response": {"status_code": 200}} for n in range(calls)}
    checks = {"c0": [{"name": "a_check", "status": "failure" if failed else "success"}]}
    return {
        "ScenarioFinished": {
            "phase": phase,
            "recorder": {"label": "op", "interactions": interactions, "checks": checks},
        }
    }


def test_the_tail_reads_only_whole_new_lines(tmp_path: Path) -> None:
    log = tmp_path / "events.ndjson"
    tail = EventTail(log)

    assert tail.read() == []  # not written yet
    log.write_text('{"a": 1}\n{"b": ')
    assert tail.read() == [{"a": 1}]
    with log.open("a") as more:
        more.write('2}\nnot json\n[1]\n{"c": 3}\n')
    assert tail.read() == [{"b": 2}, {"c": 3}]
    assert tail.read() == []


def test_a_terminal_sees_the_phase_the_calls_and_the_failures() -> None:
    screen = io.StringIO()
    console = Console(file=screen, force_terminal=True, no_color=True, highlight=False, width=120)
    with RunProgress(enabled=True, console=console) as progress:
        progress.schemathesis_started()
        progress.schemathesis_events(
            [
                {"PhaseStarted": {"phase": {"name": "coverage"}}},
                scenario_finished("coverage", 400),
                {"PhaseStarted": {"phase": {"name": "stateful"}}},
                scenario_finished("stateful", 1234, failed=True),
            ]
        )
        progress.stream_effects("stopping the Streams")

    shown = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", screen.getvalue())
    assert "openapi.yaml (schemathesis): stateful phase, 1,634 calls, 1 failures" in shown
    assert "stream effects: stopping the Streams" in shown


def test_anywhere_else_nothing_is_shown() -> None:
    screen = io.StringIO()
    with RunProgress(enabled=False, console=Console(file=screen)) as progress:
        progress.schemathesis_started()
        progress.schemathesis_events([{"PhaseStarted": {"phase": {"name": "coverage"}}}])
        progress.stream_effects("creating 5 Streams")

    assert screen.getvalue() == ""


def test_events_are_json_lines(tmp_path: Path) -> None:
    # What EventTail reads is what schemathesis writes: one JSON object a line.
    log = tmp_path / "events.ndjson"
    log.write_text("\n".join(json.dumps(scenario_finished("fuzzing", 1)) for _ in range(3)) + "\n")

    assert len(EventTail(log).read()) == 3
