"""Brings the local Kafka and Elasticsearch up and down together."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from deploy.local.es_server import LocalElasticsearch
from deploy.local.java import find_jdk
from deploy.local.kafka_server import LocalKafka
from deploy.local.layout import InfraLayout
from deploy.local.server import LocalServer, ServerStatus, State
from orbitwatch.core.settings import Settings

Report = Callable[[str], None]


@dataclass(frozen=True)
class UpResult:
    name: str
    state: State
    started: bool  # False when it was already running (ours or external)
    fetched: bool
    seconds: float


class LocalInfra:
    def __init__(self, settings: Settings, run_root: Path | None = None) -> None:
        self.settings = settings
        self.layout = InfraLayout.from_settings(settings, run_root)
        self.kafka = LocalKafka(settings, self.layout.kafka)
        self.elasticsearch = LocalElasticsearch(settings, self.layout.elasticsearch)

    @property
    def servers(self) -> list[LocalServer]:
        return [self.kafka, self.elasticsearch]

    def up(self, report: Report = lambda _: None) -> list[UpResult]:
        results = []
        jdk = None
        for server in self.servers:
            began = time.monotonic()
            current = server.status().state
            if current in (State.running, State.external):
                results.append(
                    UpResult(server.name, current, False, False, time.monotonic() - began)
                )
                report(f"{server.name} already {current.value} at {server.address}")
                continue
            server.check_ports()  # before a possibly long download
            jdk = jdk or find_jdk(self.settings.java_home)
            report(f"{server.name}: checking the download cache ...")
            fetched = server.fetch()
            report(f"{server.name}: starting on {server.address} (Java {jdk.major}) ...")
            state = server.start(jdk)
            took = time.monotonic() - began
            results.append(UpResult(server.name, state, True, fetched, took))
            report(f"{server.name} {state.value} at {server.address} in {took:.1f} s")
            report(f"  log: {server.log}")
        return results

    def down(self, report: Report = lambda _: None) -> None:
        # Stop the consumers' dependency last: Elasticsearch first, then Kafka.
        for server in reversed(self.servers):
            if server.stop():
                report(f"{server.name} stopped")
            else:
                report(f"{server.name} was not running (under orbitwatch)")

    def fetch(self, report: Report = lambda _: None) -> None:
        for server in self.servers:
            began = time.monotonic()
            fetched = server.fetch()
            what = "fetched" if fetched else "already cached"
            report(f"{server.name}: {what} ({time.monotonic() - began:.1f} s)")

    def status(self) -> list[ServerStatus]:
        return [server.status() for server in self.servers]
