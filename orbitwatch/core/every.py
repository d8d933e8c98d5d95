"""Housekeeping that runs inline once every N events: one counter instead of one per stage.

faust tables change only inside a stream, so expiring table entries cannot run on a timer;
the stages run it after every N-th event (or batch) instead, optionally counted per key
(a partition, say).
"""

from __future__ import annotations

from collections.abc import Hashable


class Every:
    """:meth:`due` is true on every ``n``-th call for the same ``key``."""

    def __init__(self, n: int) -> None:
        if n < 1:
            raise ValueError(f"n must be at least 1, not {n}")
        self.n = n
        self._counts: dict[Hashable, int] = {}

    def due(self, key: Hashable = None) -> bool:
        count = self._counts.get(key, 0) + 1
        if count >= self.n:
            self._counts[key] = 0
            return True
        self._counts[key] = count
        return False
