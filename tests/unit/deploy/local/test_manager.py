"""Starting the local servers (deploy/local/manager.py) without a server: a taken port."""

from __future__ import annotations

from pathlib import Path

import pytest

from deploy.local.errors import PortInUse
from deploy.local.manager import LocalInfra
from orbitwatch.core.settings import Settings


def test_kafka_refuses_a_taken_port_before_downloading(busy_port: int, tmp_path: Path) -> None:
    settings = Settings(
        kafka_bootstrap_servers=f"127.0.0.1:{busy_port}", infra_home=tmp_path / "infra"
    )
    with pytest.raises(PortInUse, match=f"127.0.0.1:{busy_port} is already in use"):
        LocalInfra(settings).up()
    assert not (tmp_path / "infra" / "downloads").exists()
