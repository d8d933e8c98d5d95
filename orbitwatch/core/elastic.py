"""Elasticsearch clients built from the settings model (auth, TLS) in one place."""

from __future__ import annotations

from typing import Any

from elasticsearch import AsyncElasticsearch, Elasticsearch

from orbitwatch.core.settings import Settings


def client_options(settings: Settings) -> dict[str, Any]:
    opts: dict[str, Any] = {"hosts": [settings.es_url], "request_timeout": 30}
    if settings.es_api_key:
        opts["api_key"] = settings.es_api_key.get_secret_value()
    elif settings.es_username and settings.es_password:
        opts["basic_auth"] = (settings.es_username, settings.es_password.get_secret_value())
    if settings.es_url.startswith("https"):
        opts["verify_certs"] = settings.es_verify_certs
        if settings.es_ca_file:
            opts["ca_certs"] = str(settings.es_ca_file)
    return opts


def make_client(settings: Settings, **overrides: Any) -> Elasticsearch:
    return Elasticsearch(**{**client_options(settings), **overrides})


def make_async_client(settings: Settings, **overrides: Any) -> AsyncElasticsearch:
    return AsyncElasticsearch(**{**client_options(settings), **overrides})


def server_version(client: Elasticsearch) -> str:
    """The version of the node we talk to. ``GET /`` is absent on the minimal distribution."""
    nodes = client.nodes.info(node_id="_local", metric="_none", filter_path="nodes.*.version")
    versions = {node["version"] for node in nodes.body.get("nodes", {}).values()}
    return ", ".join(sorted(versions)) or "unknown"
