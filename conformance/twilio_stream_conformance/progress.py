"""What a run shows while it goes: in a terminal, one live line (rich's progress display) with the part
being judged, the schemathesis phase, the calls and failures so far, then the stream-effects step;
anywhere else (CI logs, a pipe) nothing, so that logs hold only the summary.

The schemathesis part runs in a process of its own; its NDJSON event log, which it writes as it goes,
is read as it grows (`EventTail`) into the same `RunSummary` the final verdict is read into.
"""

from __future__ import annotations

import json
from pathlib import Path
from types import TracebackType
from typing import Any

from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn

from twilio_stream_conformance.summary import RunSummary, record_event

# How often the display looks at the log while schemathesis runs.
TICK_S = 0.25
# At most this much of the log is read per tick; the rest waits for the next one.
MAX_READ_BYTES = 16 * 1024 * 1024


class EventTail:
    """The events appended to an NDJSON log since the last read; a line still being written waits."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._offset = 0
        self._partial = b""

    def read(self) -> list[dict[str, Any]]:
        try:
            with self._path.open("rb") as log:
                log.seek(self._offset)
                data = log.read(MAX_READ_BYTES)
        except FileNotFoundError:
            return []
        self._offset += len(data)
        *lines, self._partial = (self._partial + data).split(b"\n")
        events = []
        for line in lines:
            try:
                event = json.loads(line)
            except ValueError:
                continue
            if isinstance(event, dict):
                events.append(event)
        return events


class RunProgress:
    """The live line of a run; does nothing unless ``enabled`` (stdout is a terminal)."""

    def __init__(self, enabled: bool, console: Console | None = None) -> None:
        self.enabled = enabled
        self._console = console
        self._display: Progress | None = None
        self._task: TaskID | None = None
        self._summary = RunSummary()
        self._phase: str | None = None

    def __enter__(self) -> RunProgress:
        if self.enabled:
            self._display = Progress(
                SpinnerColumn(),
                TextColumn("{task.description}"),
                TimeElapsedColumn(),
                console=self._console,
                transient=True,
            )
            self._display.start()
            self._task = self._display.add_task("starting")
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        if self._display is not None:
            self._display.stop()
            self._display = None

    def _show(self, text: str) -> None:
        if self._display is not None and self._task is not None:
            self._display.update(self._task, description=text, refresh=True)

    def schemathesis_started(self) -> None:
        self._summary, self._phase = RunSummary(), None
        self._show("openapi.yaml (schemathesis): starting")

    def schemathesis_events(self, events: list[dict[str, Any]]) -> None:
        """Count the new events of schemathesis' log and show where the run is."""
        for event in events:
            started = event.get("PhaseStarted")
            if isinstance(started, dict):
                self._phase = str((started.get("phase") or {}).get("name", self._phase))
            record_event(self._summary, event)
        if self._phase is None:
            return
        failures = sum(self._summary.failed_by_check.values())
        self._show(
            f"openapi.yaml (schemathesis): {self._phase} phase, {self._summary.calls:,} calls, {failures} failures"
        )

    def stream_effects(self, step: str) -> None:
        self._show(f"stream effects: {step}")
