"""Where the local servers keep their downloads, data, logs and pid files.

Everything lives under one git-ignored folder (``Settings.infra_home``) so that
``rm -rf .local-infra`` is a complete reset.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from orbitwatch.core.settings import Settings

TEMPLATES = Path(__file__).resolve().parent / "templates"


@dataclass(frozen=True)
class _RunFolder:
    """A server's working folder: its data and logs live below ``run``."""

    version: str
    run: Path

    @property
    def data(self) -> Path:
        return self.run / "data"

    @property
    def logs(self) -> Path:
        return self.run / "logs"


@dataclass(frozen=True)
class KafkaLayout(_RunFolder):
    libs: Path

    @property
    def config(self) -> Path:
        return self.run / "server.properties"

    @property
    def log4j_config(self) -> Path:
        return self.run / "log4j.properties"

    @property
    def console_log(self) -> Path:
        return self.logs / "kafka-console.log"

    @property
    def pidfile(self) -> Path:
        return self.run / "kafka.pid"


@dataclass(frozen=True)
class ElasticsearchLayout(_RunFolder):
    home: Path

    @property
    def server_log(self) -> Path:
        return self.logs / "orbitwatch-local.log"

    @property
    def console_log(self) -> Path:
        return self.logs / "elasticsearch-console.log"

    @property
    def pidfile(self) -> Path:
        return self.run / "elasticsearch.pid"


@dataclass(frozen=True)
class InfraLayout:
    root: Path
    kafka: KafkaLayout
    elasticsearch: ElasticsearchLayout

    @classmethod
    def from_settings(cls, settings: Settings, run_root: Path | None = None) -> InfraLayout:
        """The layout under ``settings.infra_home``.

        ``run_root`` moves only the servers' run folders (data, logs, pid files) elsewhere
        while the downloads stay in the shared cache: a second, private pair of servers
        (the fault-injection tests) then needs no download and leaves the usual ones alone.
        """
        root = settings.infra_home.resolve()
        downloads = root / "downloads"
        runs = run_root.resolve() if run_root is not None else root
        return cls(
            root=root,
            kafka=KafkaLayout(
                version=settings.kafka_version,
                libs=downloads / f"kafka-{settings.kafka_version}" / "libs",
                run=runs / "kafka",
            ),
            elasticsearch=ElasticsearchLayout(
                version=settings.es_version,
                home=downloads / f"elasticsearch-{settings.es_version}",
                run=runs / "elasticsearch",
            ),
        )
