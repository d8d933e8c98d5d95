"""``orbitwatch web``: the analyst's desk, a small server-rendered web application.

Live alerts (newest from the alerts index, then pushed by Server-Sent Events from a consumer of
the alerts topic), story pages, verdicts and silences (through the same code as the CLI's
``feedback`` and ``alerts silence``), an overview of events over time, and search over the
events index (through :mod:`orbitwatch.query`, like ``orbitwatch search``).

Pure parts, each unit-tested: :mod:`.auth` (who may enter, exposure check), :mod:`.csrf`,
:mod:`.sse` (event framing, de-duplication by alert id, replay buffer), :mod:`.highlight`
(evidence marked in escaped text), :mod:`.charts` (SVG), :mod:`.views` (what a page shows of
an alert). I/O: :mod:`.store` (Elasticsearch reads), :mod:`.live` (the Kafka consumer),
:mod:`.app` (routes).
"""
