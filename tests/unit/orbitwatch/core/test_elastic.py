"""Security settings reach the Elasticsearch client as configured (orbitwatch/core/elastic.py)."""

from __future__ import annotations

from pathlib import Path

import certifi
from pydantic import SecretStr

from orbitwatch.core.elastic import client_options
from orbitwatch.core.settings import Settings

CA = Path(certifi.where())


def test_elasticsearch_api_key_wins_over_basic_auth_and_tls_uses_the_ca() -> None:
    settings = Settings(
        es_url="https://es.internal:9200",
        es_username="elastic",
        es_password=SecretStr("pw"),
        es_api_key=SecretStr("a2V5OnNlY3JldA=="),
        es_ca_file=CA,
    )
    options = client_options(settings)
    assert options["api_key"] == "a2V5OnNlY3JldA=="
    assert "basic_auth" not in options
    assert options["ca_certs"] == str(CA)
    assert options["verify_certs"] is True


def test_elasticsearch_basic_auth_over_http() -> None:
    settings = Settings(es_username="elastic", es_password=SecretStr("pw"))
    options = client_options(settings)
    assert options["basic_auth"] == ("elastic", "pw")
    assert "ca_certs" not in options
