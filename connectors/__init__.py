"""The RSS/Atom connector: feeds in, new articles out to Kafka, each exactly once.

One concern per module, in the order a poll runs through them:

* ``feedlist`` / ``opml``: which feeds to poll (validated YAML; OPML import).
* ``fetch`` (+ ``addresses``): HTTP with conditional GET, limits, address checks.
* ``parse`` (+ ``xmlguard``, ``mojibake``): documents -> raw entries, off the event loop.
* ``normalize`` (+ ``textclean``): raw entries -> :class:`schemas.Article`.
* ``poll``: the three steps above for one feed.
* ``schedule``: back-off, politeness, outage detection.
* ``state``: per-feed validators, seen ids and health; the compacted topic.
* ``producer``: the idempotent Kafka producer.
* ``runner``: the loop that ties it together.
* ``errors``: every way a feed can fail, by name.
* ``demo``: sample feeds and a local server for the demo, tests and benchmark.
"""
