"""Index templates and the lifecycle policy (schemas/indices/templates.py), and the committed
files in deploy/elasticsearch match what the code generates. Mappings: test_mapping.py."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from schemas.indices.names import IndexNames
from schemas.indices.templates import (
    DEPLOY_DIR,
    drifted_files,
    export_files,
    index_templates,
    lifecycle_policy,
)

pytestmark = pytest.mark.unit

AT = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def test_templates_cover_patterns_and_aliases_of_the_names() -> None:
    names = IndexNames("ow")
    specs = {spec.kind: spec for spec in index_templates(names)}
    assert set(specs) == {"events", "stories", "alerts", "feedback"}
    events = specs["events"].body
    assert events["index_patterns"] == ["ow-events-*"]
    assert events["template"]["aliases"] == {"ow-events": {}}
    assert specs["stories"].body["index_patterns"] == [names.stories_pattern]
    assert names.stories_index.startswith("ow-stories-")
    assert "index.lifecycle.name" not in events["template"]["settings"]
    with_policy = index_templates(names, lifecycle_policy="ow-events")[0]
    assert with_policy.body["template"]["settings"]["index.lifecycle.name"] == "ow-events"
    assert with_policy.fingerprint != specs["events"].fingerprint
    assert index_templates(names)[0].fingerprint == specs["events"].fingerprint  # stable


def test_lifecycle_policy_deletes_only_with_a_retention() -> None:
    assert "delete" not in lifecycle_policy(None)["policy"]["phases"]
    assert lifecycle_policy(400)["policy"]["phases"]["delete"]["min_age"] == "400d"


def test_committed_files_match_the_models() -> None:
    drifted = drifted_files()
    assert drifted == [], (
        f"{[p.name for p in drifted]} differ from the models; run `orbitwatch es export`"
    )
    assert (DEPLOY_DIR / "events-template.json").exists()


def test_drift_is_detected_and_fixed(tmp_path: Path) -> None:
    export_files(tmp_path)
    assert drifted_files(tmp_path) == []
    (tmp_path / "events-template.json").write_text("{}\n")
    assert drifted_files(tmp_path) == [tmp_path / "events-template.json"]
    assert export_files(tmp_path) == [tmp_path / "events-template.json"]
