"""The local Kafka server's set-up (deploy/local/kafka_server.py)."""

from __future__ import annotations

import uuid

import pytest

from deploy.local import kafka_server


def test_cluster_id_never_starts_with_a_dash(monkeypatch: pytest.MonkeyPatch) -> None:
    # 0xF8 encodes to "-" in URL-safe base64: the storage tool took such an id for an option
    # and refused to format (a 1-in-64 start-up failure seen in CI).
    draws = iter([uuid.UUID(bytes=b"\xf8" + b"\x01" * 15), uuid.UUID(bytes=b"\x10" * 16)])
    monkeypatch.setattr(kafka_server.uuid, "uuid4", lambda: next(draws))
    cluster_id = kafka_server.new_cluster_id()
    assert cluster_id == "EBAQEBAQEBAQEBAQEBAQEA"
    assert len(cluster_id) == 22 and not cluster_id.startswith("-")
