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
from aiokafka.admin import AIOKafkaAdminClient
from elasticsearch import Elasticsearch

from orbitwatch.elastic import make_client
from orbitwatch.kafka import kafka_client_options
from orbitwatch.settings import Settings

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


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    versions = terminalreporter.config.stash.get(_VERSIONS, None)
    if versions:
        terminalreporter.section("servers used")
        for name, version in versions.items():
            terminalreporter.write_line(f"{name}: {version}")


@pytest.fixture(scope="session")
def infra_settings(pytestconfig: pytest.Config) -> Iterator[Settings]:
    """Settings pointing at a ready Kafka and Elasticsearch (reused or started here)."""
    from deploy.local.manager import LocalInfra

    settings = Settings()
    infra = LocalInfra(settings)
    results = infra.up(report=lambda line: print(f"[infra] {line}"))
    started = [r.name for r in results if r.started]
    statuses = {s.name: s for s in infra.status()}
    pytestconfig.stash[_VERSIONS] = {
        f"{name} ({s.address}, {s.state.value})": s.version or "unknown"
        for name, s in statuses.items()
    }
    yield settings
    if started and not pytestconfig.getoption("--keep-infra"):
        infra.down(report=lambda line: print(f"[infra] {line}"))


@pytest.fixture(scope="session")
def es_client(infra_settings: Settings) -> Iterator[Elasticsearch]:
    client = make_client(infra_settings)
    yield client
    client.close()


def _unique_suffix() -> str:
    return uuid.uuid4().hex[:10]


@pytest.fixture
def isolated_settings(
    infra_settings: Settings, tmp_path: Path, es_client: Elasticsearch
) -> Iterator[Settings]:
    """A copy of the settings with topics, indices and group id private to this test."""
    suffix = _unique_suffix()
    topic_fields = [name for name in Settings.model_fields if name.startswith("topic_")]
    topic_fields.remove("topic_partitions")
    updates: dict[str, object] = {
        name: f"test-{suffix}.{getattr(infra_settings, name)}" for name in topic_fields
    }
    updates |= {
        "index_prefix": f"test-{suffix}",
        "app_id": f"orbitwatch-test-{suffix}",
        "data_dir": tmp_path / "worker",
        "topic_partitions": 2,
    }
    settings = infra_settings.model_copy(update=updates)
    yield settings
    asyncio.run(_delete_topics(settings, prefix=f"test-{suffix}"))
    # Any topic faust created for this app id (changelogs, repartitions) goes too.
    asyncio.run(_delete_topics(settings, prefix=settings.app_id))
    es_client.options(ignore_status=404).indices.delete(
        index=f"test-{suffix}*", expand_wildcards="all"
    )
    es_client.options(ignore_status=404).indices.delete_index_template(name=f"test-{suffix}*")


async def _delete_topics(settings: Settings, prefix: str) -> None:
    admin = AIOKafkaAdminClient(**kafka_client_options(settings))
    await admin.start()
    try:
        doomed = [t for t in await admin.list_topics() if t.startswith(prefix)]
        if doomed:
            await admin.delete_topics(doomed)
    finally:
        await admin.close()
