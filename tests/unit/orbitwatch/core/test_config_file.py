"""Reading YAML configuration files and reporting their problems
(orbitwatch/core/config_file.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from orbitwatch.core.config_file import ConfigFileError, load_yaml_file
from orbitwatch.core.errors import ConfigError

pytestmark = pytest.mark.unit


class ThingsError(ConfigFileError):
    what = "things"


def test_content_is_parsed(tmp_path: Path) -> None:
    path = tmp_path / "things.yaml"
    path.write_text("things: [a, b]\n", encoding="utf-8")
    assert load_yaml_file(path, ThingsError) == {"things": ["a", "b"]}


def test_a_missing_file_is_one_problem(tmp_path: Path) -> None:
    with pytest.raises(ThingsError) as info:
        load_yaml_file(tmp_path / "absent.yaml", ThingsError)
    assert isinstance(info.value, ConfigError)
    assert info.value.problems == ["cannot read the file: No such file or directory"]
    assert str(info.value).startswith(f"{tmp_path / 'absent.yaml'}: 1 problem(s) in the things:")


def test_bad_yaml_says_where(tmp_path: Path) -> None:
    path = tmp_path / "things.yaml"
    path.write_text("things:\n  - a\n  - [b\n", encoding="utf-8")
    with pytest.raises(ThingsError) as info:
        load_yaml_file(path, ThingsError)
    (problem,) = info.value.problems
    assert problem.startswith("line 4, column 1: not valid YAML")
    assert info.value.path == str(path)
