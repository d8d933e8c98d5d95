"""Keep the worker's producer informed about every topic it writes to.

aiokafka's client asks the broker for *all* topics while its list of tracked topics is
empty, and only for the tracked ones once anything is in that list. A topic enters the list
only when a send finds it missing from the cached metadata. The worker's producer starts with
an empty list and learns about the pipeline topics from an all-topics answer, so it never
tracks them; a moment later faust creates its changelog and internal topics, the first send to
one of those adds it to the list, and from the next refresh on the cached metadata holds only
the tracked topics. A batch already waiting for, say, ``events.classified`` then has no known
leader and waits for a refresh that never includes its topic: nothing is delivered until
another send to that topic happens to add it, and a stopping worker waits in its final flush
(seen in CI: ``app.stop()`` hung in ``producer.flush()``).

So after every rebalance (the first one follows start-up, when all topics exist) every topic
the worker may write to is added to the tracked list.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any, cast

import faust

from orbitwatch.core.settings import Settings
from schemas.topics import topic_names

log = logging.getLogger(__name__)


def output_topics(app: faust.App, settings: Settings) -> set[str]:
    """The registry's topics, the app's changelogs and every topic its agents read."""
    names = set(topic_names(settings))
    names.update(app.tables.changelog_topics)
    for channel in app.topics:  # the conductor: every topic an agent subscribes to
        names.update(getattr(channel, "topics", ()))
    return names


def track_output_topics(settings: Settings) -> Callable[..., Awaitable[None]]:
    """A handler for ``app.on_rebalance_complete`` that registers :func:`output_topics`."""

    async def register(sender: Any, *_: Any, **__: Any) -> None:
        app = cast(faust.App, sender)
        # faust keeps its aiokafka producer private; ``client`` is aiokafka's public API.
        producer = getattr(app.producer, "_producer", None)
        client = getattr(producer, "client", None)
        if client is None:  # not started, or a faust without this attribute
            log.warning("cannot register output topics with the producer")
            return
        for name in sorted(output_topics(app, settings)):
            client.add_topic(name)

    return register
