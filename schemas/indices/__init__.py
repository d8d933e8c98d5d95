"""Elasticsearch indices generated from the messages: names, mappings, templates, setup."""
