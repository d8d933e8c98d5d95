"""Starting and stopping the processes a benchmark measures (worker, connector, ElastAlert).

They run as separate processes, as in production, so a benchmark's own producers and
pollers do not share their CPU or event loop. The orbitwatch ones take their whole
configuration from the settings object the benchmark built (``Settings.environment()``),
never from the benchmark's own environment or a ``.env`` file.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from benchmarks.harness.memory import pid_from_file
from deploy.local.layout import InfraLayout
from orbitwatch.core.settings import Settings

Process = subprocess.Popen[bytes]
PidSource = Callable[[], int | None]


def child_env(settings: Settings) -> dict[str, str]:
    """The environment of a child process: ours without any ``ORBITWATCH_*`` variable (an
    exported one would otherwise leak into a namespaced run), plus ``settings``."""
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("ORBITWATCH_")}
    return inherited | settings.environment()


def start_logged(
    argv: Sequence[str], env: Mapping[str, str], log_path: Path, cwd: Path, append: bool = False
) -> Process:
    """``argv`` with stdout and stderr in ``log_path`` (overwritten unless ``append``)."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("ab" if append else "wb") as log:
        return subprocess.Popen(
            list(argv), env=dict(env), cwd=cwd, stdout=log, stderr=subprocess.STDOUT
        )


def start_orbitwatch(
    args: Sequence[str], settings: Settings, log_path: Path, metrics_port: int = 0
) -> Process:
    """``orbitwatch <args>`` with its output in ``log_path`` (overwritten)."""
    # No /metrics endpoint unless asked for: a worker and a connector of one run would both
    # want the port a configured one names, and the benchmarks do not scrape it.
    own = settings.model_copy(update={"metrics_port": metrics_port})
    return start_logged(
        [sys.executable, "-m", "orbitwatch.cli", *args],
        child_env(own),
        log_path,
        cwd=Path(tempfile.gettempdir()),  # no project .env file filling in unset fields
    )


def start_worker(settings: Settings, log_path: Path, metrics_port: int = 0) -> Process:
    return start_orbitwatch(["worker"], settings, log_path, metrics_port)


def start_connector(settings: Settings, feeds_file: Path, log_path: Path) -> Process:
    return start_orbitwatch(["connector", "run", "--feeds", str(feeds_file)], settings, log_path)


def stop_process(
    process: Process, timeout: float = 30.0, sig: signal.Signals = signal.SIGTERM
) -> None:
    """``sig`` (orbitwatch's commands shut down gracefully on SIGTERM), then SIGKILL after
    ``timeout``."""
    if process.poll() is not None:
        return
    process.send_signal(sig)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def check_alive(processes: Mapping[str, Process]) -> None:
    for label, process in processes.items():
        if process.poll() is not None:
            raise SystemExit(f"{label} exited with {process.returncode} (see its log)")


def live_pid(process: Process) -> PidSource:
    """For the CPU and memory samplers: the pid while the process runs."""
    return lambda: process.pid if process.poll() is None else None


def server_pids(settings: Settings) -> dict[str, PidSource]:
    """The local Kafka and Elasticsearch, when ``orbitwatch infra`` runs them (pid files)."""
    layout = InfraLayout.from_settings(settings)
    kafka, elasticsearch = layout.kafka.pidfile, layout.elasticsearch.pidfile
    return {
        "kafka": lambda: pid_from_file(kafka),
        "elasticsearch": lambda: pid_from_file(elasticsearch),
    }
