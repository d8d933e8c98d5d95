"""The committed JSON Schema files must match the models."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from typer.testing import CliRunner

from orbitwatch.cli import app
from schemas import Article, utc_now
from schemas.jsonschema_export import (
    SCHEMA_DIR,
    drifted_files,
    export_schemas,
    exported_models,
    schema_path,
)

pytestmark = pytest.mark.unit


def test_committed_schema_files_match_the_models() -> None:
    drifted = drifted_files()
    assert drifted == [], (
        f"schema files differ from the models: {[p.name for p in drifted]}; "
        "run `orbitwatch schemas export` and commit the result"
    )


def test_exported_models() -> None:
    names = [m.__name__ for m in exported_models()]
    assert names == [
        "Article",
        "FeedState",
        "Classification",
        "ClassifiedEvent",
        "Alert",
        "Silence",
        "Verdict",
        "Delivery",
    ]
    for model in exported_models():
        assert schema_path(model).parent == SCHEMA_DIR


def test_drift_is_detected_and_fixed(tmp_path: Path) -> None:
    assert len(drifted_files(tmp_path)) == len(exported_models())  # nothing there yet
    export_schemas(tmp_path)
    assert drifted_files(tmp_path) == []
    article = schema_path(Article, tmp_path)
    article.write_text(article.read_text().replace('"title"', '"headline"'))
    assert drifted_files(tmp_path) == [article]


def test_a_real_article_validates_against_its_schema() -> None:
    schema = json.loads(schema_path(Article).read_text())
    article = Article(id="a1", feed_id="f", title="t", fetched_at=utc_now(), published_at=utc_now())
    jsonschema.validate(json.loads(article.to_bytes()), schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"id": "x"}, schema)


def test_cli_check_exits_1_on_drift_and_0_when_clean() -> None:
    result = CliRunner().invoke(app, ["schemas", "export", "--check"])
    assert result.exit_code == 0, result.output
