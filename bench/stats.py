"""Medians and spread over repeats: on a shared, noisy machine one sample says little."""

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Summary:
    """Median of the samples, with the lowest and the highest as the spread."""

    median: float
    low: float
    high: float
    samples: int

    def spread_percent(self) -> float:
        """Half the range as a share of the median: 5.0 means the samples lie within about +-5 %."""
        if self.median == 0:
            return 0.0
        return 100.0 * (self.high - self.low) / 2 / self.median


def summarize(samples: Sequence[float]) -> Summary:
    if not samples:
        raise ValueError("no samples to summarize")
    return Summary(median=statistics.median(samples), low=min(samples), high=max(samples), samples=len(samples))


def ratio(value: float, reference: float) -> float:
    """value / reference, with 0 for a missing reference rather than a ZeroDivisionError in a report."""
    return value / reference if reference else 0.0


def percentile(ordered: Sequence[float], percent: float) -> float:
    """The nearest-rank percentile of values sorted in ascending order (0 when there are none)."""
    if not ordered:
        return 0.0
    rank = math.ceil(len(ordered) * percent / 100)
    return ordered[min(len(ordered), max(1, rank)) - 1]
