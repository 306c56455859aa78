"""Timing that a noisy machine cannot fool: sides run interleaved, reported as median and spread.

Each round runs every side once, in an order that rotates from round to round (A B, B A,
...), so a slow spell of the machine hits both sides alike. A ratio is taken within each
round and then summarised, never from two medians measured at different times.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def timed(run: Callable[[], object]) -> float:
    """Seconds ``run()`` takes."""
    started = time.perf_counter()
    run()
    return time.perf_counter() - started


def interleaved(sides: dict[str, Callable[[int], float]], rounds: int) -> dict[str, list[float]]:
    """``{side: [seconds per round]}``; each side is called with the round number and
    returns the seconds its measured part took."""
    names = list(sides)
    samples: dict[str, list[float]] = {name: [] for name in names}
    for round_number in range(rounds):
        shift = round_number % len(names)
        for name in names[shift:] + names[:shift]:
            samples[name].append(sides[name](round_number))
    return samples


def spread(values: list[float]) -> str:
    """``median [min-max]``."""
    return f"{statistics.median(values):.3f} [{min(values):.3f}-{max(values):.3f}]"


def ratios(ours: list[float], theirs: list[float]) -> list[float]:
    """Per-round ratios ``ours / theirs``."""
    return [a / b for a, b in zip(ours, theirs, strict=True)]
