"""docs/configuration.md is generated from the settings model and must stay current."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Literal

import pytest
from pydantic import SecretStr
from pydantic.fields import FieldInfo
from typer.testing import CliRunner

from orbitwatch.cli import app
from orbitwatch.core.settings import PROJECT_ROOT, KafkaSecurityProtocol, Settings
from orbitwatch.settings_docs import (
    CONFIGURATION_DOC,
    README_END,
    README_START,
    describe_default,
    describe_type,
    env_name,
    is_current,
    render,
    sections,
    write,
)

pytestmark = pytest.mark.unit


def test_committed_page_matches_the_settings_model() -> None:
    assert is_current(), (
        "docs/configuration.md differs from the settings model; "
        "run `orbitwatch settings docs` and commit the result"
    )


def test_every_field_is_documented_exactly_once() -> None:
    text = CONFIGURATION_DOC.read_text(encoding="utf-8")
    rows = re.findall(r"^\| `(ORBITWATCH_[A-Z0-9_]+)` \|", text, flags=re.MULTILINE)
    assert sorted(rows) == sorted(env_name(name) for name in Settings.model_fields)
    assert len(rows) == len(set(rows))


def test_sections_follow_the_source_comments() -> None:
    grouped = dict(sections())
    assert "kafka_bootstrap_servers" in grouped["Kafka"]
    assert "es_url" in grouped["Elasticsearch"]
    placed = [name for names in grouped.values() for name in names]
    assert sorted(placed) == sorted(Settings.model_fields)


def test_env_names_use_the_model_prefix() -> None:
    assert env_name("es_url") == "ORBITWATCH_ES_URL"


@pytest.mark.parametrize(
    ("annotation", "expected"),
    [
        (str, "string"),
        (int, "integer"),
        (bool, "boolean"),
        (timedelta, "duration"),
        (Path | None, "path (optional)"),
        (SecretStr | None, "secret (optional)"),
        (list[str], "JSON list of strings"),
        (Literal["json", "console"], "one of `json`, `console`"),
        (KafkaSecurityProtocol, "one of `PLAINTEXT`, `SSL`, `SASL_PLAINTEXT`, `SASL_SSL`"),
    ],
)
def test_types_are_named_for_readers(annotation: object, expected: str) -> None:
    assert describe_type(annotation) == expected


def test_defaults_do_not_depend_on_the_checkout() -> None:
    assert describe_default(FieldInfo(default=PROJECT_ROOT / "x" / "y")) == "`<project>/x/y`"
    assert describe_default(FieldInfo(default=timedelta(hours=6))) == "`PT6H`"
    assert describe_default(FieldInfo(default=None)) == "unset"
    assert describe_default(FieldInfo(default=False)) == "`false`"
    assert describe_default(FieldInfo(default_factory=lambda: ["RU"])) == '`["RU"]`'
    assert str(PROJECT_ROOT) not in render()


def test_write_and_check_round_trip(tmp_path: Path) -> None:
    target = tmp_path / "configuration.md"
    readme = tmp_path / "README.md"
    readme.write_text(f"# x\n{README_START}\nstale\n{README_END}\nmore\n")
    assert not is_current(target, readme)
    assert write(target, readme) is True
    assert is_current(target, readme) and write(target, readme) is False
    assert "ORBITWATCH_ES_URL" in readme.read_text() and "stale" not in readme.read_text()
    target.write_text(render().replace("ORBITWATCH_ES_URL", "ORBITWATCH_ES_HOST"))
    assert not is_current(target, readme)


def test_cli_check_passes_on_the_committed_page() -> None:
    result = CliRunner().invoke(app, ["settings", "docs", "--check"])
    assert result.exit_code == 0, result.output
