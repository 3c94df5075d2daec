"""The pieces every section of BENCHMARKS.md is written with: a figure with its spread, a verdict, a table."""

from collections.abc import Iterable

from bench.results import Results
from bench.stats import Summary


def cell(summary: Summary, digits: int = 1) -> str:
    """The median, then the lowest and highest repeat in brackets."""
    return f"{summary.median:,.{digits}f} ({summary.low:,.{digits}f}-{summary.high:,.{digits}f})"


def verdict(met: bool) -> str:
    return "met" if met else "**missed**"


def table(header: Iterable[str], rows: Iterable[Iterable[str]]) -> list[str]:
    header = list(header)
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def notes(results: Results, section: str) -> list[str]:
    """What the run noted about a section, as quoted lines."""
    return [f"> {text}" for text in results.notes.get(section, [])]
