"""A private Kafka and Elasticsearch for tests that stop servers.

The shared servers (``orbitwatch infra up``) serve other test runs and benchmarks at the same
time, so a test that stops a broker or a cluster must do it to servers of its own: the same
cached distributions, run folders in a temporary directory, other ports.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from deploy.local.java import Jdk, find_jdk
from deploy.local.manager import LocalInfra
from deploy.local.process import port_is_free
from deploy.local.server import LocalServer, State
from orbitwatch.core.settings import Settings

HOST = "127.0.0.1"
# Kafka binds its port, +1 (controller) and +2 (SASL); Elasticsearch its port and +100
# (transport). Candidates step by 10 so that no two candidates' ports overlap.
KAFKA_BASE, ES_BASE, STEP, CANDIDATES = 29092, 29200, 10, 9


def _free(*ports: int) -> bool:
    return all(port_is_free(HOST, port) for port in ports)


def pick_ports() -> tuple[int, int]:
    """The first candidate pair whose every port is free (another run may hold the first)."""
    for k in range(CANDIDATES):
        kafka, es = KAFKA_BASE + STEP * k, ES_BASE + STEP * k
        if _free(kafka, kafka + 1, kafka + 2, es, es + 100):
            return kafka, es
    raise RuntimeError(f"no free port pair for private servers near {KAFKA_BASE}/{ES_BASE}")


@dataclass
class PrivateInfra:
    """Both servers, started on :meth:`up`, each stoppable and restartable on its own."""

    base: Settings  # where the download cache is (``infra_home``)
    run_root: Path = field(
        default_factory=lambda: Path(tempfile.mkdtemp(prefix="orbitwatch-faults-"))
    )
    settings: Settings = field(init=False)
    infra: LocalInfra = field(init=False)
    _jdk: Jdk | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        kafka_port, es_port = pick_ports()
        self.settings = self.base.model_copy(
            update={
                "kafka_bootstrap_servers": f"{HOST}:{kafka_port}",
                "es_url": f"http://{HOST}:{es_port}",
            }
        )
        # mkdtemp makes the folder 0700; Elasticsearch's user must cross it to its run folder.
        self.run_root.chmod(0o755)
        self.infra = LocalInfra(self.settings, run_root=self.run_root)

    @property
    def jdk(self) -> Jdk:
        if self._jdk is None:
            self._jdk = find_jdk(self.settings.java_home)
        return self._jdk

    def up(self) -> None:
        for server in self.infra.servers:
            self._start(server)

    def down(self, *, keep_files: bool = False) -> None:
        self.infra.down()
        if not keep_files:
            shutil.rmtree(self.run_root, ignore_errors=True)

    # -- one server at a time ------------------------------------------------------------

    def stop_kafka(self) -> None:
        self.infra.kafka.stop()

    def start_kafka(self) -> None:
        self._start(self.infra.kafka)

    def stop_elasticsearch(self) -> None:
        self.infra.elasticsearch.stop()

    def start_elasticsearch(self) -> None:
        self._start(self.infra.elasticsearch)

    def _start(self, server: LocalServer) -> None:
        if server.fetch():
            # Not an error, but the suite's time budget assumes a warm cache.
            print(f"[fault] {server.name} had to be downloaded first")
        if server.start(self.jdk) is not State.running:
            # Something else answers on the port: stopping "our" server would not stop it.
            raise RuntimeError(f"{server.name} at {server.address} is not the private one")
