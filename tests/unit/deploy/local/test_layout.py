"""Where the local servers' files go, including a private pair beside the usual one."""

from __future__ import annotations

from pathlib import Path

import pytest

from deploy.local.layout import InfraLayout
from deploy.local.manager import LocalInfra
from orbitwatch.core.settings import Settings

pytestmark = pytest.mark.unit


def test_everything_lives_under_infra_home_by_default(tmp_path: Path) -> None:
    settings = Settings(infra_home=tmp_path)
    layout = InfraLayout.from_settings(settings)
    downloads = tmp_path / "downloads"
    assert layout.kafka.run == tmp_path / "kafka"
    assert layout.elasticsearch.run == tmp_path / "elasticsearch"
    assert layout.kafka.libs == downloads / f"kafka-{settings.kafka_version}" / "libs"
    assert layout.elasticsearch.home == downloads / f"elasticsearch-{settings.es_version}"


def test_a_run_root_moves_data_logs_and_pids_but_not_the_downloads(tmp_path: Path) -> None:
    cache, private = tmp_path / "cache", tmp_path / "private"
    settings = Settings(
        infra_home=cache, kafka_bootstrap_servers="127.0.0.1:29092", es_url="http://127.0.0.1:29200"
    )
    usual = LocalInfra(settings)
    other = LocalInfra(settings, run_root=private)

    assert other.layout.kafka.libs == usual.layout.kafka.libs
    assert other.layout.elasticsearch.home == usual.layout.elasticsearch.home
    for server in other.servers:
        assert server.pidfile.is_relative_to(private)
        assert server.log.is_relative_to(private)
    assert other.layout.kafka.data == private / "kafka" / "data"
    assert other.layout.elasticsearch.data == private / "elasticsearch" / "data"
    # The ports all follow the configured ones, so a private pair can sit beside the usual.
    assert (other.kafka.host_port[1], other.kafka.extra_ports) == (29092, [29093, 29094])
    assert (other.elasticsearch.host_port[1], other.elasticsearch.extra_ports) == (29200, [29300])
