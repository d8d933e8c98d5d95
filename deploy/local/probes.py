"""Readiness probes: an open port is not readiness, so ask each server a real question."""

from __future__ import annotations

import asyncio
import logging
import warnings

from aiokafka.admin import AIOKafkaAdminClient

from orbitwatch.core.elastic import make_client, server_version
from orbitwatch.core.kafka import kafka_client_options
from orbitwatch.core.settings import Settings


async def _kafka_topics(settings: Settings, timeout_ms: int) -> list[str]:
    admin = AIOKafkaAdminClient(**kafka_client_options(settings), request_timeout_ms=timeout_ms)
    try:
        await admin.start()
        return list(await admin.list_topics())
    finally:
        await admin.close()


def kafka_ready(settings: Settings, timeout_ms: int = 3000) -> bool:
    """True when the broker answers a metadata request (lists topics)."""
    # aiokafka logs every refused connection at ERROR; while polling for readiness those are
    # expected, so they are muted for the duration of the probe.
    quiet = logging.getLogger("aiokafka")
    previous = quiet.level
    quiet.setLevel(logging.CRITICAL)
    try:
        asyncio.run(asyncio.wait_for(_kafka_topics(settings, timeout_ms), timeout_ms / 1000 + 2))
    except Exception:
        return False
    finally:
        quiet.setLevel(previous)
    return True


def elasticsearch_ready(settings: Settings, timeout_s: int = 3) -> bool:
    """True when the cluster reports yellow or green health."""
    client = make_client(settings, request_timeout=timeout_s + 2, max_retries=0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            # An int: Elasticsearch rejects fractional time values such as "3.0s".
            health = client.cluster.health(wait_for_status="yellow", timeout=f"{timeout_s}s")
        return health.get("status") in ("yellow", "green") and not health.get("timed_out")
    except Exception:
        return False
    finally:
        client.close()


def elasticsearch_version(settings: Settings) -> str:
    client = make_client(settings, max_retries=0)
    try:
        return server_version(client)
    finally:
        client.close()
