"""A single-node KRaft Kafka (broker and controller in one JVM) on 127.0.0.1."""

from __future__ import annotations

import base64
import shutil
import subprocess
import uuid
from pathlib import Path

from deploy.local.errors import StartupFailed
from deploy.local.fetch import fetch_kafka
from deploy.local.java import Jdk
from deploy.local.layout import TEMPLATES, KafkaLayout
from deploy.local.probes import kafka_ready
from deploy.local.server import LocalServer
from orbitwatch.core.settings import Settings

# The local broker's SASL/PLAIN listener (port + 2) accepts this one user. Local-only
# credentials for tests of the clients' SASL path; never used outside 127.0.0.1.
LOCAL_SASL_USER = "orbitwatch"
LOCAL_SASL_PASSWORD = "orbitwatch-local-sasl"


def new_cluster_id() -> str:
    """A random KRaft cluster id: 16 bytes in URL-safe base64 without padding.

    One in 64 such strings starts with "-", which the storage tool reads as an option
    ("argument --cluster-id/-t: expected one argument"); like Kafka's own generator, draw
    again until it does not.
    """
    while True:
        candidate = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not candidate.startswith("-"):
            return candidate


class LocalKafka(LocalServer):
    name = "Kafka"
    start_timeout = 90.0

    def __init__(self, settings: Settings, layout: KafkaLayout) -> None:
        self.settings = settings
        self.layout = layout

    @property
    def host_port(self) -> tuple[str, int]:
        return self.settings.kafka_host_port

    @property
    def controller_port(self) -> int:
        return self.host_port[1] + 1

    @property
    def sasl_port(self) -> int:
        return self.host_port[1] + 2

    @property
    def extra_ports(self) -> list[int]:
        return [self.controller_port, self.sasl_port]

    @property
    def pidfile(self) -> Path:
        return self.layout.pidfile

    @property
    def log(self) -> Path:
        # The console log holds warnings, errors and JVM failures; server.log beside it has
        # everything at INFO.
        return self.layout.console_log

    def fetch(self) -> bool:
        return fetch_kafka(self.layout)

    def is_ready(self) -> bool:
        return kafka_ready(self.settings)

    def version(self) -> str | None:
        # The Kafka protocol does not report a release string; a broker we launched is the
        # version we fetched, an external one is reported as such.
        if self.pidfile.exists():
            return self.layout.version
        return "external broker"

    def _write_config(self) -> None:
        host, port = self.host_port
        self.layout.run.mkdir(parents=True, exist_ok=True)
        self.layout.logs.mkdir(parents=True, exist_ok=True)
        template = (TEMPLATES / "kafka-server.properties").read_text()
        self.layout.config.write_text(
            template.format(
                host=host,
                port=port,
                controller_port=self.controller_port,
                sasl_port=self.sasl_port,
                sasl_user=LOCAL_SASL_USER,
                sasl_password=LOCAL_SASL_PASSWORD,
                log_dirs=self.layout.data,
            )
        )
        shutil.copy(TEMPLATES / "kafka-log4j.properties", self.layout.log4j_config)

    def _java_command(self, jdk: Jdk, main: str, *args: str) -> list[str]:
        heap = self.settings.kafka_heap
        return [
            str(jdk.java),
            f"-Xms{heap}",
            f"-Xmx{heap}",
            "-XX:+UseG1GC",
            "-Djava.awt.headless=true",
            f"-Dkafka.logs.dir={self.layout.logs}",
            f"-Dlog4j.configuration=file:{self.layout.log4j_config}",
            "-cp",
            f"{self.layout.libs}/*",
            main,
            *args,
        ]

    def _format_storage(self, jdk: Jdk) -> None:
        if (self.layout.data / "meta.properties").exists():
            return
        cluster_id = new_cluster_id()
        proc = subprocess.run(
            self._java_command(
                jdk,
                "kafka.tools.StorageTool",
                "format",
                "-t",
                cluster_id,
                "-c",
                str(self.layout.config),
                "--ignore-formatted",
            ),
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode != 0:
            output = (proc.stdout + proc.stderr).strip()
            last = output.splitlines()[-1] if output else f"exit code {proc.returncode}"
            raise StartupFailed(f"Kafka storage format failed: {last}", output[-2000:])

    def _launch(self, jdk: Jdk) -> None:
        self._write_config()
        self._format_storage(jdk)
        with self.layout.console_log.open("ab") as console:
            proc = subprocess.Popen(
                self._java_command(jdk, "kafka.Kafka", str(self.layout.config)),
                stdout=console,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # survives the CLI; Ctrl-C on the CLI leaves it alone
            )
        self.pidfile.write_text(str(proc.pid))
