"""Finding a JDK for the local Kafka and Elasticsearch (deploy/local/java.py)."""

from __future__ import annotations

import pytest

from deploy.local.errors import JavaMissing
from deploy.local.java import find_jdk


def test_find_jdk_rejects_a_too_high_minimum() -> None:
    with pytest.raises(JavaMissing, match="Java 99\\+ is required"):
        find_jdk(minimum=99)


def test_find_jdk_finds_java_17_or_newer() -> None:
    jdk = find_jdk()
    assert jdk.major >= 17
    assert jdk.java.exists()
