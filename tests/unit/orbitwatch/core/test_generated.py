"""Generated files: written only on change, drift listed (orbitwatch/core/generated.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from orbitwatch.core import generated

pytestmark = pytest.mark.unit


def test_write_all_writes_only_what_changed_and_creates_folders(tmp_path: Path) -> None:
    same, other, new = tmp_path / "same.json", tmp_path / "other.json", tmp_path / "sub/new.json"
    same.write_text("a\n", encoding="utf-8")
    other.write_text("old\n", encoding="utf-8")
    files = {same: "a\n", other: "b\n", new: "c\n"}
    assert generated.drifted(files) == [other, new]
    assert generated.write_all(files) == [other, new]
    assert new.read_text(encoding="utf-8") == "c\n"
    assert generated.drifted(files) == [] and generated.write_all(files) == []
