"""Percentiles and the "median (min–max) over repeats" summary."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass


def percentile(values: Sequence[float], fraction: float) -> float:
    """The nearest-rank percentile (``fraction`` 0.99 is p99); NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


@dataclass(frozen=True)
class Summary:
    """One figure over repeats: the median, and the smallest and largest repeat."""

    median: float
    low: float
    high: float
    repeats: int

    @classmethod
    def of(cls, values: Sequence[float | None]) -> Summary | None:
        present = [v for v in values if v is not None and not math.isnan(v)]
        if not present:
            return None
        return cls(statistics.median(present), min(present), max(present), len(present))

    def to_json(self) -> dict[str, float]:
        return {"median": self.median, "min": self.low, "max": self.high, "repeats": self.repeats}
