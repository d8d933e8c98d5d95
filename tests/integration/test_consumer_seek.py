"""faust's seek to committed offsets (run after every rebalance, just before it drops the
records fetched meanwhile) must bring back a partition the group never committed: otherwise
the dropped records are never read again (see streams/consumer.py).

The lowest level that shows it: a worker app reads records without acknowledging them (so
nothing is committed, as with a batch the index stage holds), then the seek runs. The
records must be delivered again, from the first one. With faust's own consumer the fetcher
stayed after them and they were never seen again.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import cast

import pytest
from faust.streams import Stream
from faust.types import StreamT

from orbitwatch.core.kafka import TopicSpec, ensure_topics
from orbitwatch.core.settings import Settings
from streams.app import create_app
from tests.kafka_io import committed_offsets, produce

pytestmark = pytest.mark.integration


async def test_the_seek_after_a_rebalance_rewinds_partitions_never_committed(
    isolated_settings: Settings,
) -> None:
    settings = isolated_settings
    topic_name = f"{settings.index_prefix}.seek-probe"
    await ensure_topics(settings, [TopicSpec(topic_name, 1)])
    await produce(settings, topic_name, [(b"k", f"r{i}".encode()) for i in range(3)])

    app = create_app(settings, topic_partitions=1)
    topic = app.topic(topic_name, key_serializer="raw", value_serializer="raw")
    offsets: list[int] = []
    seen = asyncio.Event()

    async def hold(stream: StreamT[bytes]) -> AsyncIterator[None]:
        # Never acknowledged, like a batch the index stage holds: nothing gets committed.
        async for event in cast(Stream[bytes], stream).noack().events():
            offsets.append(event.message.offset)
            if len(offsets) in (3, 4):  # all three; then the first one delivered again
                seen.set()
            yield None

    app.agent(topic, name="hold")(hold)
    await app.start()
    try:
        await asyncio.wait_for(seen.wait(), timeout=90)
        assert offsets == [0, 1, 2]
        seen.clear()

        await app.consumer.perform_seek()  # what faust runs after every rebalance

        try:
            await asyncio.wait_for(seen.wait(), timeout=30)
        except TimeoutError:
            pytest.fail("after the seek the records were not delivered again")
    finally:
        await app.stop()
    assert offsets[3] == 0, f"after the seek the records came back from {offsets[3:]}"
    assert await committed_offsets(settings, topic_name) == {}
