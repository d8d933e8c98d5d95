"""Starting and stopping the orbitwatch processes a benchmark measures (worker, connector).

They run as separate processes, as in production, so a benchmark's own producers and
pollers do not share their CPU or event loop. Their whole configuration comes from the
settings object the benchmark built (``Settings.environment()``), never from the
benchmark's own environment or a ``.env`` file.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import psutil

from orbitwatch.core.settings import Settings


def child_env(settings: Settings) -> dict[str, str]:
    """The environment of a child process: ours without any ``ORBITWATCH_*`` variable (an
    exported one would otherwise leak into a namespaced run), plus ``settings``."""
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("ORBITWATCH_")}
    return inherited | settings.environment()


def start_orbitwatch(
    args: Sequence[str], settings: Settings, log_path: Path
) -> subprocess.Popen[bytes]:
    """``orbitwatch <args>`` with its output in ``log_path`` (overwritten)."""
    # No /metrics endpoint: a worker and a connector of one run would both want the port
    # a configured one names, and the benchmarks do not scrape it.
    quiet = settings.model_copy(update={"metrics_port": 0})
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("wb") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "orbitwatch.cli", *args],
            env=child_env(quiet),
            cwd=tempfile.gettempdir(),  # no project .env file filling in unset fields
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def start_worker(settings: Settings, log_path: Path) -> subprocess.Popen[bytes]:
    return start_orbitwatch(["worker"], settings, log_path)


def start_connector(
    settings: Settings, feeds_file: Path, log_path: Path
) -> subprocess.Popen[bytes]:
    return start_orbitwatch(["connector", "run", "--feeds", str(feeds_file)], settings, log_path)


def stop_process(process: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    """SIGTERM (both commands shut down gracefully on it), then SIGKILL after ``timeout``."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def check_alive(processes: Mapping[str, subprocess.Popen[bytes]]) -> None:
    for label, process in processes.items():
        if process.poll() is not None:
            raise SystemExit(f"{label} exited with {process.returncode} (see its log)")


def live_pid(process: subprocess.Popen[bytes]) -> Callable[[], int | None]:
    """For :class:`benchmarks.memory.PeakMemory`: the pid while the process runs."""
    return lambda: process.pid if process.poll() is None else None


def tree_cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of a process and its live descendants; 0 once it is gone.
    The connector's feed parsers are child processes and count as its own."""
    try:
        root = psutil.Process(pid)
        procs = [root, *root.children(recursive=True)]
    except psutil.Error:
        return 0.0
    total = 0.0
    for proc in procs:
        try:
            times = proc.cpu_times()
        except psutil.Error:
            continue
        total += times.user + times.system
    return total
