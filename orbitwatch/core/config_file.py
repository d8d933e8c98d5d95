"""YAML configuration files (feed lists, alert rules, webhook endpoints): reading them and
reporting what is wrong, the same way for every one.

A file's errors are a :class:`ConfigFileError` subclass naming what the file holds; its
``problems`` list every problem found, one line each, so an operator fixes a file in one
pass instead of one error per run.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from orbitwatch.core.errors import ConfigError


class ConfigFileError(ConfigError):
    """A configuration file that cannot be read, is not YAML, or holds invalid entries."""

    what = "file"  # subclasses: what the file holds ("feed list", "alert rules")

    def __init__(self, path: Path | str, problems: list[str]) -> None:
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"{path}: {len(problems)} problem(s) in the {self.what}:\n{lines}")
        self.path = str(path)
        self.problems = problems


def load_yaml_file(path: Path, error: type[ConfigFileError]) -> Any:
    """The parsed content of ``path``; an unreadable file or bad YAML raises ``error``."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise error(path, [f"cannot read the file: {exc.strerror or exc}"]) from exc
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise error(path, [f"{where}not valid YAML: {exc}"]) from exc
