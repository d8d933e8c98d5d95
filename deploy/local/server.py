"""What Kafka and Elasticsearch have in common as local servers: start, wait, stop, status."""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from deploy.local.errors import PortInUse, StartupFailed
from deploy.local.java import Jdk
from deploy.local.process import port_is_free, running_pid, stop_process, tail


class State(StrEnum):
    running = "running"  # started by orbitwatch and ready
    external = "external"  # something else answers at the configured address
    starting = "starting"  # our process is alive but not ready (yet)
    stopped = "stopped"


@dataclass(frozen=True)
class ServerStatus:
    name: str
    state: State
    address: str
    pid: int | None
    version: str | None
    log: Path


class LocalServer(ABC):
    name: str
    start_timeout: float

    @property
    @abstractmethod
    def host_port(self) -> tuple[str, int]: ...

    @property
    @abstractmethod
    def pidfile(self) -> Path: ...

    @property
    @abstractmethod
    def log(self) -> Path:
        """The log a person should read first when something goes wrong."""

    @property
    @abstractmethod
    def extra_ports(self) -> list[int]:
        """Ports besides the client port the server binds (controller, transport)."""

    @abstractmethod
    def fetch(self) -> bool:
        """Make sure the distribution is cached; True when something was downloaded."""

    @abstractmethod
    def is_ready(self) -> bool: ...

    @abstractmethod
    def version(self) -> str | None: ...

    @abstractmethod
    def _launch(self, jdk: Jdk) -> None:
        """Start the process and write ``self.pidfile``."""

    @property
    def address(self) -> str:
        host, port = self.host_port
        return f"{host}:{port}"

    def status(self) -> ServerStatus:
        pid = running_pid(self.pidfile)
        if pid is not None:
            state = State.running if self.is_ready() else State.starting
        else:
            state = State.external if self.is_ready() else State.stopped
        version = self.version() if state in (State.running, State.external) else None
        return ServerStatus(self.name, state, self.address, pid, version, self.log)

    def start(self, jdk: Jdk) -> State:
        """Start unless it already runs; returns the resulting state. Idempotent."""
        if running_pid(self.pidfile) is not None:
            self._wait_ready()
            return State.running
        if self.is_ready():
            return State.external
        self.check_ports()
        self._launch(jdk)
        self._wait_ready()
        return State.running

    def check_ports(self) -> None:
        """Raise :class:`PortInUse` if any port this server needs is taken."""
        host, port = self.host_port
        for p in [port, *self.extra_ports]:
            if not port_is_free(host, p):
                raise PortInUse(
                    f"{self.name}: port {host}:{p} is already in use by another process "
                    f"that is not a ready {self.name}; stop it or change the port in settings"
                )

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self.is_ready():
                return
            if running_pid(self.pidfile) is None:
                raise StartupFailed(
                    f"{self.name} exited during start-up; its log is {self.log}",
                    tail(self.log),
                )
            time.sleep(1.0)
        raise StartupFailed(
            f"{self.name} was not ready after {self.start_timeout:.0f} s; its log is {self.log}",
            tail(self.log),
        )

    def stop(self) -> bool:
        """Stop our process if it runs; True when something was stopped."""
        pid = running_pid(self.pidfile)
        if pid is None:
            self.pidfile.unlink(missing_ok=True)
            return False
        stop_process(pid, timeout=60)
        self.pidfile.unlink(missing_ok=True)
        return True
