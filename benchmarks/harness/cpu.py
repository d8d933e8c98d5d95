"""CPU time used while a benchmark measures: of this process, of the processes it started,
of the local servers and of the whole machine; and how late this process's event loop wakes.

CPU time per article does not depend on what else the machine is running, so it compares
phases and systems even on a busy host where wall-clock rates do not.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from typing import Any

import psutil

from benchmarks.harness.memory import process_tree
from benchmarks.harness.processes import PidSource
from benchmarks.harness.stats import summary


def own_cpu_seconds() -> float:
    """User + system time of this process alone (not the tree: started processes are in it)."""
    times = psutil.Process().cpu_times()
    return float(times.user + times.system)


def tree_cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of a process and its live descendants; 0 once it is gone.
    The connector's feed parsers are child processes and count as its own."""
    total = 0.0
    for proc in process_tree(pid):
        try:
            times = proc.cpu_times()
        except psutil.Error:
            continue
        total += times.user + times.system
    return total


def machine_busy_seconds() -> float:
    times = psutil.cpu_times()
    return float(sum(times) - times.idle - getattr(times, "iowait", 0.0))


class CpuMeter:
    """CPU used over a stretch of the run, in cores (1.0: one core busy), by this process
    (``benchmark``), each watched process tree, everything else on the machine (``other``);
    and how late this process's event loop woke up: every time stamp is taken on that loop,
    so it can be late by as much. faust runs the worker's agents on one event loop, so a
    worker near 1.0 is saturated; one well below 1.0 with a queue building is waiting, or
    starved by the rest."""

    def __init__(self, sources: Mapping[str, PidSource], every: float = 0.05) -> None:
        self.sources = dict(sources)
        self.every = every
        self.loop_lag_ms: list[float] = []
        self.task: asyncio.Task[None] | None = None
        self._cpu: dict[str, float] = {}
        self._machine = 0.0
        self._since = 0.0

    def _cpu_seconds(self) -> dict[str, float]:
        cpu = {"benchmark": own_cpu_seconds()}
        for label, pid_of in self.sources.items():
            pid = pid_of()
            if pid is not None:
                cpu[label] = tree_cpu_seconds(pid)
        return cpu

    def reset(self) -> None:
        self.loop_lag_ms.clear()
        self._cpu = self._cpu_seconds()
        self._machine = machine_busy_seconds()
        self._since = time.perf_counter()

    def read(self) -> dict[str, Any]:
        wall = max(time.perf_counter() - self._since, 1e-9)
        now = self._cpu_seconds()
        cores = {k: round((v - self._cpu.get(k, v)) / wall, 2) for k, v in now.items()}
        machine = (machine_busy_seconds() - self._machine) / wall
        cores["other"] = round(max(0.0, machine - sum(cores.values())), 2)
        cores["machine"] = round(machine, 2)
        return {
            "cpu_cores": cores,
            "machine_cores": psutil.cpu_count(),
            "benchmark_loop_lag_ms": summary(self.loop_lag_ms),
        }

    def start(self) -> None:
        self.reset()
        self.task = asyncio.create_task(self._watch_loop())

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
            await asyncio.gather(self.task, return_exceptions=True)

    async def _watch_loop(self) -> None:
        while True:
            before = time.perf_counter()
            await asyncio.sleep(self.every)
            self.loop_lag_ms.append((time.perf_counter() - before - self.every) * 1000)
