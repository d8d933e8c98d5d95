"""Alerting: rules over classified events -> alerts on Kafka and in Elasticsearch.

``rules`` (file format), ``query`` (Lucene-style queries), ``engine``/``aggregates``/
``digest``/``flatline`` (pure decisions), ``build`` (alert messages and ids), ``silences``,
``signals`` (internal records), ``agent`` (faust wiring) and ``index`` (alerts index).
"""
