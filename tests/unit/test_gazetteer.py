"""Gazetteer loading and validation: clear errors naming the file, the entry and the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from orbitwatch.errors import ConfigError
from streams.classifier import Classifier
from streams.classifier.gazetteer import GazetteerError, load_gazetteer, parse_file

pytestmark = pytest.mark.unit


def test_bundled_gazetteers_load() -> None:
    gazetteer = load_gazetteer()
    ids = [entry.id for entry in gazetteer.entries]
    assert len(ids) == len(set(ids))
    assert "agency-roscosmos" in ids
    assert all(entry.aliases for entry in gazetteer.entries)


def test_defaults_apply_and_entries_override() -> None:
    entries = parse_file(
        "demo.yaml",
        """
defaults: {space: 2}
entries:
  - id: a
    aliases: {en: [alpha]}
  - id: b
    space: 0
    aliases: {en: [beta]}
""",
    )
    assert [e.space for e in entries] == [2, 0]


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ("entries: [", "not valid YAML"),
        ("- just a list", "expected a mapping"),
        ("entries: []", "entries"),
        ("entries:\n  - id: x\n    actors: [XX1]\n    aliases: {en: [x]}", "'x'"),
        ("entries:\n  - id: x\n    actors: [XX1]\n    aliases: {en: [x]}", "actors"),
        ("entries:\n  - id: x\n    aliases: {klingon: [x]}", "unknown language 'klingon'"),
        ("entries:\n  - id: x\n    aliases: {en: []}", "non-empty"),
        ("entries:\n  - id: x\n    event_types: [picnic]\n    aliases: {en: [x]}", "event_types"),
        ("entries:\n  - id: x\n    colour: red\n    aliases: {en: [x]}", "colour"),
        ("entries:\n  - id: x\n    space: 99\n    aliases: {en: [x]}", "space"),
    ],
)
def test_invalid_documents_name_the_problem(content: str, fragment: str) -> None:
    with pytest.raises(GazetteerError) as raised:
        parse_file("bad.yaml", content)
    message = str(raised.value)
    assert message.startswith("bad.yaml")
    assert fragment in message


def test_gazetteer_error_is_a_config_error() -> None:
    assert issubclass(GazetteerError, ConfigError)


def test_duplicate_ids_across_files(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("entries:\n  - id: same\n    aliases: {en: [x]}\n")
    (tmp_path / "b.yaml").write_text("entries:\n  - id: same\n    aliases: {en: [y]}\n")
    with pytest.raises(GazetteerError, match=r"'same' is already defined in a\.yaml"):
        load_gazetteer(tmp_path)


def test_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(GazetteerError, match="not found"):
        load_gazetteer(tmp_path / "nowhere")


def test_an_analyst_can_add_knowledge_without_code(tmp_path: Path) -> None:
    """A new state and cue in YAML change the classifier's output, no Python involved."""
    (tmp_path / "mini.yaml").write_text(
        """
entries:
  - id: state-freedonia
    actors: [FD]
    aliases: {en: [Freedonia]}
  - id: state-sylvania
    actors: [SY]
    aliases: {en: [Sylvania]}
  - id: space
    space: 2
    aliases: {en: [satellite*]}
  - id: together
    relation: cooperation
    weight: 2
    aliases: {en: [jointly]}
""",
        encoding="utf-8",
    )
    classifier = Classifier(gazetteer_dir=tmp_path)
    result = classifier.classify_text("Freedonia and Sylvania jointly build a satellite", "")
    assert result.relevant
    assert result.actors == ["FD", "SY"]
