"""Files generated from code (docs, schemas): write only on change, compare for drift checks."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path


def write_if_changed(path: Path, content: str) -> bool:
    """Write ``content`` to ``path`` unless it is already there; returns whether it changed."""
    if is_current(path, content):
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content, encoding="utf-8")
    return True


def is_current(path: Path, content: str) -> bool:
    return path.exists() and path.read_text(encoding="utf-8") == content


def write_all(files: Mapping[Path, str]) -> list[Path]:
    """Write every file whose content differs; returns those that changed."""
    return [path for path, content in files.items() if write_if_changed(path, content)]


def drifted(files: Mapping[Path, str]) -> list[Path]:
    """Files that are missing or differ from ``files``' content."""
    return [path for path, content in files.items() if not is_current(path, content)]
