"""Percentiles, medians of rounds and ratios to a baseline measured in the same run.

Figures are only comparable within one run (same machine, same servers, same moment), so
every benchmark reports its baselines beside its own figures and the ratio of the two.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Iterable, Mapping


def percentile(values: list[float], q: float) -> float | None:
    """Nearest-rank percentile; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def _rounded(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)


def summary(values: list[float]) -> dict[str, float | int | None]:
    """``n``, ``p50``, ``p95``, ``p99`` and ``max`` of latencies (the reports' shape)."""
    return {
        "n": len(values),
        "p50": _rounded(percentile(values, 50)),
        "p95": _rounded(percentile(values, 95)),
        "p99": _rounded(percentile(values, 99)),
        "max": _rounded(max(values)) if values else None,
    }


def elapsed_ms(spans: Iterable[tuple[float, float | None]]) -> list[float]:
    """Milliseconds from start to end of each ``(start, end)``; spans never ended are left out
    (the benchmarks count them as missed)."""
    return [(end - start) * 1000 for start, end in spans if end is not None]


def ratio(numerator: float | None, denominator: float | None, digits: int = 3) -> float | None:
    if numerator is None or not denominator:
        return None
    return round(numerator / denominator, digits)


def per_second(count: int, seconds: float) -> float:
    return round(count / seconds, 1) if seconds > 0 else 0.0


def alternating_rounds(
    measures: Mapping[str, Callable[[], float]], rounds: int
) -> dict[str, list[float]]:
    """Each measure once per round, in turn: a machine that slows down for a while then
    costs every contender alike, and the medians of the rounds stay comparable."""
    results: dict[str, list[float]] = {name: [] for name in measures}
    for _ in range(rounds):
        for name, measure in measures.items():
            results[name].append(measure())
    return results


def median(values: list[float]) -> float:
    return float(statistics.median(values))
