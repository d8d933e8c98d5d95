"""The index stage: classified events (and their stories) into Elasticsearch, in batches.

``agent.py`` wires it into the worker; ``elasticsearch.py`` is the batch sink that pins a
batch until Elasticsearch acknowledged every document; ``bulk.py`` the pure bulk-request
layer; ``errors.py`` its typed errors (each says whether it is ``retriable``).
"""
