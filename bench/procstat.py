"""CPU time from /proc: of one process (utime + stime), and of the whole machine, over a window.

A process's CPU share over a window says whether it was the bottleneck (100% is one core); the machine's
share beside it says how much of the two cores other work took meanwhile on this shared machine, so a
noisy row can be told from a slow one. Linux only: elsewhere the figures are None.
"""

import os
from dataclasses import dataclass
from pathlib import Path

PROC = Path("/proc")


def process_cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds of a process so far (its threads included), None if unreadable."""
    try:
        stat = (PROC / str(pid) / "stat").read_text(encoding="ascii")
    except OSError:
        return None
    # The command name, in parentheses, may hold spaces: the fields that follow are counted from its end.
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_busy_seconds() -> float | None:
    """CPU seconds all cores spent on anything but idling since boot, None if unreadable."""
    try:
        first = (PROC / "stat").read_text(encoding="ascii").splitlines()[0]
    except OSError:
        return None
    ticks = [int(value) for value in first.split()[1:]]
    idle = ticks[3] + (ticks[4] if len(ticks) > 4 else 0)  # idle and iowait
    # guest and guest_nice (fields 9 and 10) are already counted in user and nice.
    return (sum(ticks[:8]) - idle) / os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class CpuSnapshot:
    """CPU seconds of some processes and of the machine, and the wall clock, at one moment."""

    wall: float
    processes: dict[int, float | None]
    machine: float | None

    @classmethod
    def take(cls, wall: float, pids: tuple[int, ...]) -> "CpuSnapshot":
        return cls(wall, {pid: process_cpu_seconds(pid) for pid in pids}, machine_busy_seconds())


def percent(before: float | None, after: float | None, seconds: float) -> float | None:
    """CPU seconds spent between two readings as a percentage of ``seconds`` of wall time (100 = one core)."""
    if before is None or after is None or seconds <= 0:
        return None
    return 100.0 * (after - before) / seconds


def shares(before: CpuSnapshot, after: CpuSnapshot) -> tuple[dict[int, float | None], float | None]:
    """Each process's CPU % over the window, and the CPU % every other process of the machine took."""
    seconds = after.wall - before.wall
    mine = {pid: percent(before.processes[pid], after.processes.get(pid), seconds) for pid in before.processes}
    machine = percent(before.machine, after.machine, seconds)
    known = [value for value in mine.values() if value is not None]
    others = None if machine is None else max(0.0, machine - sum(known))
    return mine, others
