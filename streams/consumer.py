"""faust's Kafka consumer, corrected where partitions the group never committed are concerned.

After every rebalance (a start is one) faust rebuilds the tables, then "seeks the stream
partitions to their committed offsets" and resumes the flow. Resuming *clears every channel
queue* (``FlowControlEvent.resume``): records fetched meanwhile but not yet taken by an
agent's stream are dropped, without being acknowledged. That is safe only because of the
seek just before it, which makes the fetcher read them again.

aiokafka's ``seek_to_committed`` seeks only partitions whose committed offset is above 0.
On a partition the group never committed (a new deployment, a new topic, or, the case that
showed it, a restart after a worker stopped while the index stage held an unacknowledged
batch) the seek does nothing: the fetcher stays past the dropped records and they are
never delivered again. Two agents read ``events.classified`` (index and alerting); when
the index agent had taken its copy and the alerting agent (still waiting for the silences
to load) had not, the alerting copy was cleared. Its offset was never acknowledged, so faust
(which commits only up to the first offset not acknowledged) committed nothing on that
partition for as long as the worker ran: the consumer lag stayed high and the next restart
read the tail again. A record fetched and dropped the same way before any later offset was
committed could also have been skipped by a stage for good.

:class:`Consumer` makes the seek complete: a partition without a committed offset (or with
0) is sought to its earliest offset, which is where ``auto_offset_reset="earliest"`` starts
anyway. Records read twice this way are harmless: every write downstream is idempotent.
Changelog partitions are left alone: table recovery positions them.
"""

from __future__ import annotations

from collections.abc import Mapping

from faust.transport.drivers import aiokafka as faust_kafka
from faust.types import TP


class Consumer(faust_kafka.Consumer):
    """faust's aiokafka consumer whose seek to committed offsets also rewinds the partitions
    the group never committed (see the module docstring)."""

    async def seek_to_committed(self) -> Mapping[TP, int]:
        committed = await super().seek_to_committed()
        if self.app.conf.consumer_auto_offset_reset != "earliest":
            return committed  # "latest" starts at the end: there is nothing to read again
        fresh = [
            tp for tp, offset in committed.items() if not offset and not self._is_changelog_tp(tp)
        ]
        if fresh:
            earliest = await self.earliest_offsets(*fresh)
            for tp in fresh:
                # _seek, not seek: the caller (perform_seek) sets the read offsets itself.
                await self._seek(tp, earliest.get(tp, 0))
            self.log.info(
                "no committed offset: %d partitions start at their first record", len(fresh)
            )
        return committed


class Transport(faust_kafka.Transport):
    """The ``kafka://`` transport with :class:`Consumer`."""

    Consumer = Consumer
