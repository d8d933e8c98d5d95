"""Fixtures of the fault-injection tests: private servers to break, figures to report.

Tests that stop Kafka or Elasticsearch get their own pair (``private_infra``): the shared
servers on the default ports serve other test runs and benchmarks at the same time. Figures
(lost, duplicated, seconds to recover) are printed as they are measured and listed again in
the terminal summary, so CI output shows them without ``-s``.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from orbitwatch.core.elastic import make_client
from orbitwatch.core.namespace import namespaced, wipe_namespace
from orbitwatch.core.settings import Settings
from tests.faults.private_infra import PrivateInfra

_FIGURES = pytest.StashKey[list[str]]()


@dataclass
class Figures:
    """One test's figures: ``figures.add("lost", 0)`` prints and keeps ``[fault] ...``."""

    test: str
    lines: list[str]
    values: dict[str, object] = field(default_factory=dict)

    def add(self, name: str, value: object, unit: str = "") -> None:
        shown = f"{value:.1f}" if isinstance(value, float) else str(value)
        self.values[name] = value
        line = f"[fault] {self.test}: {name} = {shown}{unit}"
        self.lines.append(line)
        print(line, flush=True)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    lines = terminalreporter.config.stash.get(_FIGURES, [])
    if lines:
        terminalreporter.section("fault-injection figures")
        for line in lines:
            terminalreporter.write_line(line)


@pytest.fixture
def figures(request: pytest.FixtureRequest) -> Figures:
    lines = request.config.stash.setdefault(_FIGURES, [])
    return Figures(request.node.name, lines)


@pytest.fixture(scope="session")
def private_infra(request: pytest.FixtureRequest) -> Iterator[PrivateInfra]:
    """A Kafka and an Elasticsearch of this session's own, on other ports, stopped at the end.

    Their run folders are kept when a test failed, for the servers' logs.
    """
    infra = PrivateInfra(Settings())
    print(
        f"\n[fault] private servers: Kafka {infra.settings.kafka_bootstrap_servers}, "
        f"Elasticsearch {infra.settings.es_url}, run folder {infra.run_root}"
    )
    try:
        infra.up()
        yield infra
    finally:
        failed = request.session.testsfailed > 0
        infra.down(keep_files=failed)
        if failed:
            print(f"[fault] private servers' logs kept in {infra.run_root}")


@pytest.fixture
def fault_settings(private_infra: PrivateInfra, tmp_path: Path) -> Iterator[Settings]:
    """A namespace of this test's own on the private servers, both running at the start.

    A test that stopped a server and failed before restarting it leaves it stopped: it is
    started again here, before and after, so the next test finds both up.
    """
    private_infra.up()
    name = f"fault-{uuid.uuid4().hex[:8]}"
    yield namespaced(private_infra.settings, name, data_dir=tmp_path / "worker", partitions=4)
    private_infra.up()
    es = make_client(private_infra.settings)
    try:
        asyncio.run(wipe_namespace(private_infra.settings, name, es))
    finally:
        es.close()
