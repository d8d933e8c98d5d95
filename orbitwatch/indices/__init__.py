"""orbitwatch's Elasticsearch indices: names, mappings from the document models, templates,
and the idempotent setup that installs them (``orbitwatch es setup``)."""
