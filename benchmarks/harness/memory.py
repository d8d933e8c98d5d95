"""Peak resident memory of named processes (and their children), sampled in a thread.

A process tree counts as one: the worker's and connector's helper processes (feed parser
pool) belong to them. The stack total is the peak of the *sum* at one instant, which is what
a machine has to hold, not the sum of each process's own peak.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import psutil

MIB = 1024 * 1024


def process_tree(pid: int) -> list[psutil.Process]:
    """A process and its descendants; empty once it is gone."""
    try:
        root = psutil.Process(pid)
        return [root, *root.children(recursive=True)]
    except psutil.Error:
        return []


def tree_rss(pid: int) -> int:
    """Resident bytes of a process and its descendants; 0 once it is gone."""
    total = 0
    for proc in process_tree(pid):
        try:
            total += proc.memory_info().rss
        except psutil.Error:
            continue
    return total


def pid_from_file(path: Path) -> int | None:
    try:
        return int(path.read_text().strip())
    except (OSError, ValueError):
        return None


class PeakMemory:
    """Samples every ``interval`` seconds until stopped; pids are looked up on each sample so
    processes can come and go (a worker started later, a restarted server)."""

    def __init__(self, interval: float = 0.25) -> None:
        self.interval = interval
        self.sources: dict[str, Callable[[], int | None]] = {}
        self.peaks: dict[str, int] = {}
        self.stack_peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="peak-memory", daemon=True)

    def watch(self, name: str, pid: Callable[[], int | None]) -> None:
        self.sources[name] = pid

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> dict[str, float]:
        """Stop sampling (if it ever started) and return the peaks."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()
        return self.report()

    def sample(self) -> None:
        total = 0
        for name, pid_of in list(self.sources.items()):
            pid = pid_of()
            rss = tree_rss(pid) if pid else 0
            self.peaks[name] = max(self.peaks.get(name, 0), rss)
            total += rss
        self.stack_peak = max(self.stack_peak, total)

    def report(self) -> dict[str, float]:
        figures = {f"{name}_peak_mib": round(rss / MIB, 1) for name, rss in self.peaks.items()}
        figures["stack_peak_mib"] = round(self.stack_peak / MIB, 1)
        return figures

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.sample()
