"""Analysts' verdicts on classified articles, and their way back into training data.

- :mod:`orbitwatch.feedback.verdict`: the pure part. Parsing and checking the analyst's labels
  against the ontology, building a :class:`schemas.feedback.Verdict` from the judged event,
  folding the topic into the latest verdict per article, turning a verdict into a labeled
  training item.
- :mod:`orbitwatch.feedback.store`: the I/O. :func:`~orbitwatch.feedback.store.record_verdict`
  (look the id up in Elasticsearch, publish on the compacted topic, index for Kibana) is the
  one path every front end takes, the CLI today and the analyst desk later;
  :func:`~orbitwatch.feedback.store.read_verdicts` reads the topic back for export.
"""
