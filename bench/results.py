"""What one `make bench` run measured, on which machine, with which counts: the input of the report."""

import os
import platform
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from bench.client_cost import CallCost
from bench.command_time import CommandTime
from bench.durable_writes import WriteRate
from bench.import_time import ImportCost
from bench.media_streams import MediaRow
from bench.throughput import Throughput


@dataclass(frozen=True)
class Plan:
    """Counts and durations of one run; QUICK is a smoke check, FULL gives the published figures."""

    mode: str
    client_calls: int
    client_repeats: int
    client_warmup: int
    import_runs: int
    wrk_seconds: int
    wrk_repeats: int
    wrk_warmup_seconds: int
    concurrencies: tuple[int, ...]
    command_runs: int
    # Concurrent Streams: the counts, the steady window and the settling before it, the stops timed one by one.
    media_counts: tuple[int, ...]
    media_window_s: float
    media_settle_s: float
    media_stop_sample: int
    # The durable write path: seconds per run, runs per writer and concurrency, the concurrencies.
    write_seconds: float
    write_repeats: int
    write_concurrencies: tuple[int, ...]


QUICK = Plan(
    "quick", 100, 3, 30, 3, 1, 1, 1, (1, 32), 1,
    media_counts=(10,), media_window_s=1.0, media_settle_s=0.5, media_stop_sample=3,
    write_seconds=0.5, write_repeats=1, write_concurrencies=(1, 32),
)  # fmt: skip
# Sized for under 10 minutes on 2 cores (BENCHMARKS.md's header gives the total and each measurement's
# seconds); wrk takes the most, then the media rows, whose 1,000-Stream row runs a worker past its cores.
FULL = Plan(
    "full", 1000, 7, 200, 21, 5, 3, 1, (1, 32), 3,
    media_counts=(100, 250, 500, 1000), media_window_s=5.0, media_settle_s=1.0, media_stop_sample=20,
    write_seconds=2.0, write_repeats=3, write_concurrencies=(1, 32),
)  # fmt: skip


@dataclass(frozen=True)
class Machine:
    cores: int
    cpu: str
    python: str
    system: str
    date: str
    load_average: str

    @classmethod
    def current(cls) -> "Machine":
        return cls(
            cores=os.cpu_count() or 0,
            cpu=_cpu_model(),
            python=f"{platform.python_implementation()} {platform.python_version()}",
            system=f"{platform.system()} {platform.release()} ({platform.machine()})",
            date=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            load_average=" ".join(f"{load:.2f}" for load in os.getloadavg()),
        )


def _cpu_model() -> str:
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


@dataclass(frozen=True)
class ConformanceRun:
    """Wall time of the default `make conformance` run, the API calls it made and the time it says they took.

    The suite's own time leaves out what the wall time includes: make, starting the emulator, loading
    the schema.
    """

    time: CommandTime
    api_calls: int | None
    suite_seconds: float | None

    def calls_per_second(self) -> float | None:
        return self.api_calls / self.time.seconds.median if self.api_calls is not None else None

    def calls_per_suite_second(self) -> float | None:
        return self.api_calls / self.suite_seconds if self.api_calls is not None and self.suite_seconds else None


@dataclass
class Results:
    plan: Plan
    machine: Machine
    command: str = ""
    client_cost: list[CallCost] | None = None
    import_time: list[ImportCost] | None = None
    throughput: list[Throughput] | None = None
    wrk_command: str = ""
    conformance: ConformanceRun | None = None
    generate: CommandTime | None = None
    media: list[MediaRow] | None = None
    writes: list[WriteRate] | None = None
    # How long each measurement took, start-ups included, by its --only name.
    seconds: dict[str, float] = field(default_factory=dict)
    # Why a measurement is missing or what to keep in mind when reading it, by section.
    notes: dict[str, list[str]] = field(default_factory=dict)

    def note(self, section: str, text: str) -> None:
        self.notes.setdefault(section, []).append(text)
