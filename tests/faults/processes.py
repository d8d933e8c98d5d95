"""orbitwatch commands run as real processes, as operators run them, configured by environment.

Each runs from its own folder (no project ``.env`` can override the variables) and logs to a
file there, which a failing test names.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from orbitwatch.core.namespace import topic_fields
from orbitwatch.core.settings import Settings

# What each test's namespace changes, plus the servers: everything else keeps its default.
_FORWARDED = ("index_prefix", "app_id", "kafka_bootstrap_servers", "es_url", "topic_partitions")

# Worker settings the fault tests change, each one an operator could set too:
WORKER_TUNING = {
    # Shorter than the gap between relevant articles' times (see articles.py): each is a
    # story of its own, so many alerts are in flight when a fault strikes.
    "ORBITWATCH_STORY_WINDOW": "PT60S",
    # Retries against a failing Elasticsearch at most 2 s apart (default 30 s), so the time
    # to recover after an outage measures the worker, not the tail of its back-off.
    "ORBITWATCH_ES_RETRY_MAX": "PT2S",
}
WEBHOOK_SECRET = "fault-injection-secret"


def notifier_tuning(webhook_url: str) -> dict[str, str]:
    return {
        "ORBITWATCH_WEBHOOK_URLS": json.dumps([webhook_url]),
        "ORBITWATCH_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "ORBITWATCH_WEBHOOK_ALLOW_PRIVATE": "true",  # the receiver is on 127.0.0.1
    }


def orbitwatch_env(settings: Settings, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORBITWATCH_")}
    for name in [*topic_fields(), *_FORWARDED]:
        env[f"ORBITWATCH_{name.upper()}"] = str(getattr(settings, name))
    env["ORBITWATCH_DATA_DIR"] = str(settings.data_dir)
    env["ORBITWATCH_LOG_FORMAT"] = "json"
    env.update(extra or {})
    return env


@dataclass
class Process:
    """One ``orbitwatch`` command; :meth:`start` may be called again after it ended."""

    name: str
    args: list[str]
    env: dict[str, str]
    folder: Path
    popen: subprocess.Popen[bytes] | None = field(default=None, init=False)
    starts: int = field(default=0, init=False)

    @property
    def log(self) -> Path:
        return self.folder / f"{self.name}.log"

    def start(self) -> None:
        assert self.popen is None or self.popen.poll() is not None, f"{self.name} still runs"
        self.folder.mkdir(parents=True, exist_ok=True)
        self.starts += 1
        with self.log.open("ab") as log:
            log.write(f"--- start #{self.starts} ---\n".encode())
            log.flush()
            self.popen = subprocess.Popen(
                [sys.executable, "-m", "orbitwatch.cli", *self.args],
                env=self.env,
                cwd=self.folder,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )

    @property
    def returncode(self) -> int | None:
        return None if self.popen is None else self.popen.poll()

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def kill_hard(self) -> None:
        """SIGKILL: no shutdown code runs, nothing is flushed or committed."""
        assert self.popen is not None
        self.popen.send_signal(signal.SIGKILL)
        self.popen.wait(timeout=30)

    def stop(self, timeout: float = 60.0) -> float | None:
        """SIGTERM, then SIGKILL after ``timeout``: the normal way out, used at teardown.

        Returns the seconds it took to exit on its own; None if it had to be killed or was
        not running.
        """
        if not self.alive():
            return None
        assert self.popen is not None
        started = time.monotonic()
        self.popen.send_signal(signal.SIGTERM)
        try:
            self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait(timeout=30)
            return None
        return time.monotonic() - started

    def tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return f"(no log at {self.log})"
