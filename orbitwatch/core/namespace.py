"""Namespaces: a set of topics, indices and consumer group that belong together.

The tests run each case in a namespace of its own, and the demo runs in one that it wipes
first, so neither ever reads or writes the data of a real deployment on the same servers.
"""

from __future__ import annotations

from pathlib import Path

from aiokafka.admin import AIOKafkaAdminClient
from elasticsearch import Elasticsearch

from orbitwatch.core.kafka import kafka_client_options
from orbitwatch.core.settings import Settings


def topic_fields() -> list[str]:
    """The settings that name a topic (not topic_partitions or topic_replication_factor)."""
    return [
        name
        for name, field in Settings.model_fields.items()
        if name.startswith("topic_") and field.annotation is str
    ]


def namespaced(
    settings: Settings, name: str, data_dir: Path, partitions: int | None = None
) -> Settings:
    """A copy of ``settings`` whose every topic, index and group id starts with ``name``."""
    updates: dict[str, object] = {
        field: f"{name}.{getattr(settings, field)}" for field in topic_fields()
    }
    updates |= {"index_prefix": name, "app_id": name, "data_dir": data_dir}
    if partitions is not None:
        updates["topic_partitions"] = partitions
    return settings.model_copy(update=updates)


async def delete_topics(settings: Settings, prefixes: tuple[str, ...]) -> list[str]:
    admin = AIOKafkaAdminClient(**kafka_client_options(settings))
    await admin.start()
    try:
        doomed = [t for t in await admin.list_topics() if t.startswith(prefixes)]
        if doomed:
            await admin.delete_topics(doomed)
        return doomed
    finally:
        await admin.close()


async def wipe_namespace(settings: Settings, name: str, client: Elasticsearch) -> None:
    """Delete the namespace's topics (ours and faust's internal ones), indices and templates."""
    # faust names its changelogs and internal topics "<app id>-..."
    await delete_topics(settings, (f"{name}.", f"{name}-"))
    client.options(ignore_status=404).indices.delete(index=f"{name}-*", expand_wildcards="all")
    client.options(ignore_status=404).indices.delete_index_template(name=f"{name}-*")
