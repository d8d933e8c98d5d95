"""Shared fixtures: the real Kafka and Elasticsearch, and per-test isolation on them.

Servers already answering at the configured addresses are reused; otherwise the local ones
are started (and stopped again at the end unless ``--keep-infra`` is given). Every test that
asks for ``isolated_settings`` gets its own topic names, index prefix and consumer group, all
removed afterwards, so tests never see each other's data.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from elasticsearch import Elasticsearch

from deploy.local.manager import LocalInfra
from deploy.local.process import tail
from deploy.local.server import State
from orbitwatch.core.elastic import make_client
from orbitwatch.core.namespace import namespaced, wipe_namespace
from orbitwatch.core.settings import Settings

TESTS_DIR = Path(__file__).resolve().parent
SHARED_DATA = TESTS_DIR.parent.parent / "shared" / "data"

_VERSIONS = pytest.StashKey[dict[str, str]]()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--keep-infra",
        action="store_true",
        help="leave the local Kafka and Elasticsearch running after the session",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # The folder decides the marker, so `-m unit` can never pull in a server test by mistake.
    for item in items:
        parts = Path(str(item.fspath)).relative_to(TESTS_DIR).parts
        if parts[0] == "unit":
            item.add_marker(pytest.mark.unit)
        elif parts[0] == "integration":
            item.add_marker(pytest.mark.integration)
        elif parts[0] == "faults":
            item.add_marker(pytest.mark.integration)
            item.add_marker(pytest.mark.faults)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    # Show a failure as it happens: if a later test hangs until CI's time limit, the
    # summary that would have listed it is never printed.
    if report.failed:
        print(
            f"\n[failed] {report.nodeid} ({report.when})\n{report.longreprtext[-4000:]}", flush=True
        )


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    versions = terminalreporter.config.stash.get(_VERSIONS, None)
    if versions:
        terminalreporter.section("servers used")
        for name, version in versions.items():
            terminalreporter.write_line(f"{name}: {version}")


@pytest.fixture(scope="session")
def shared_infra(pytestconfig: pytest.Config) -> Iterator[LocalInfra]:
    """A ready Kafka and Elasticsearch on the configured addresses (reused or started here)."""
    infra = LocalInfra(Settings())
    results = infra.up(report=lambda line: print(f"[infra] {line}"))
    started = [r.name for r in results if r.started]
    statuses = {s.name: s for s in infra.status()}
    pytestconfig.stash[_VERSIONS] = {
        f"{name} ({s.address}, {s.state.value})": s.version or "unknown"
        for name, s in statuses.items()
    }
    yield infra
    if started and not pytestconfig.getoption("--keep-infra"):
        infra.down(report=lambda line: print(f"[infra] {line}"))


@pytest.fixture(scope="session")
def infra_settings(shared_infra: LocalInfra) -> Settings:
    """Settings pointing at the shared servers."""
    return shared_infra.settings


@pytest.fixture(autouse=True)
def _shared_servers_alive(request: pytest.FixtureRequest) -> None:
    """Fail fast, and start the server again, when a shared server died since the last test.

    Without this, one dead server turns every later server test into a wait for its
    timeout, and the cause (the server's own log) is never shown.
    """
    if "infra_settings" not in request.fixturenames:
        return
    infra: LocalInfra = request.getfixturevalue("shared_infra")
    # One readiness probe per server; the fuller status only for one that does not answer.
    dead = [s for s in infra.servers if not s.is_ready() and s.status().state is State.stopped]
    if not dead:
        return
    logs = {s.name: tail(s.log, lines=40) for s in dead}
    infra.up(report=lambda line: print(f"[infra] {line}"))
    pytest.fail(
        "shared server(s) had stopped before this test and were started again: "
        + "; ".join(f"{name}, last lines of its log:\n{text}" for name, text in logs.items()),
        pytrace=False,
    )


@pytest.fixture(scope="session")
def es_client(infra_settings: Settings) -> Iterator[Elasticsearch]:
    client = make_client(infra_settings)
    yield client
    client.close()


@pytest.fixture
def isolated_settings(
    infra_settings: Settings, tmp_path: Path, es_client: Elasticsearch
) -> Iterator[Settings]:
    """A copy of the settings with topics, indices and group id private to this test."""
    name = f"test-{uuid.uuid4().hex[:10]}"
    yield namespaced(infra_settings, name, data_dir=tmp_path / "worker", partitions=2)
    asyncio.run(wipe_namespace(infra_settings, name, es_client))
