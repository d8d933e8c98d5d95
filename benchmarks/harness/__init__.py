"""What every benchmark repeats, one concept per module; each benchmark is a script on top.

- ``namespace``: a run's own topics, indices and consumer group on the real servers, wiped
  at the end;
- ``processes``: starting and stopping the orbitwatch processes a benchmark measures;
- ``produce``: articles onto Kafka, all at once or at a fixed rate;
- ``observe``: watching the pipeline's outputs (topics, search, consumer lag);
- ``cpu`` and ``memory``: what the processes used while being measured;
- ``stats``: percentiles, medians of rounds, ratios to a baseline of the same run;
- ``report``: the JSON report every benchmark leaves in ``benchmarks/out/``.
"""
