"""A benchmark run's own topics, indices and consumer group on the real servers.

Every name starts with ``<prefix>-<random>`` (see ``orbitwatch.core.namespace``), so a run
never reads or writes a deployment's or another run's data on the same servers, and all of
it (faust's internal topics and extra indices named ``<run>-*`` included) is removed at the
end, whatever way the run ends.
"""

from __future__ import annotations

import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from elasticsearch import Elasticsearch

from orbitwatch.core.elastic import make_client
from orbitwatch.core.kafka import TopicSpec, ensure_topics
from orbitwatch.core.namespace import namespaced, wipe_namespace
from orbitwatch.core.settings import Settings
from schemas.topics import topic_specs


def run_name(prefix: str = "bench") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


@dataclass
class BenchRun:
    name: str
    work: Path  # a temporary folder, removed at the end
    settings: Settings  # namespaced; the worker's data dir is ``work / "worker"``
    es: Elasticsearch


@asynccontextmanager
async def bench_namespace(
    base: Settings,
    prefix: str = "bench",
    extra_topics: Sequence[str] = (),
    **updates: Any,
) -> AsyncIterator[BenchRun]:
    """A namespace with the pipeline's topics created, and ``<run>.<topic>`` for each of
    ``extra_topics``; ``updates`` are further settings of the run."""
    name = run_name(prefix)
    work = Path(tempfile.mkdtemp(prefix=f"{name}-"))
    settings = namespaced(base, name, work / "worker").model_copy(update=updates)
    es = make_client(settings)
    try:
        extra = [TopicSpec(f"{name}.{t}", settings.topic_partitions) for t in extra_topics]
        await ensure_topics(settings, [*topic_specs(settings), *extra])
        yield BenchRun(name, work, settings, es)
    finally:
        await wipe_namespace(settings, name, es)
        es.close()
        shutil.rmtree(work, ignore_errors=True)
