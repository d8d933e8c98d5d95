"""Where every benchmark leaves its figures: one JSON file per benchmark in benchmarks/out/,
plus the small command-line and path conventions the reports share."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

from orbitwatch.core.settings import PROJECT_ROOT

OUT_DIR = PROJECT_ROOT / "benchmarks" / "out"


def out_path(name: str) -> Path:
    return OUT_DIR / f"{name}.json"


def write_report(path: Path, report: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"report: {display_path(path)}")


def display_path(path: Path | str, root: Path | str = PROJECT_ROOT) -> str:
    """``path`` relative to the project root when it lies beside or under it (``../shared/..``
    for the shared data), so that reports and the page never show one machine's layout."""
    text, base = os.path.abspath(path), os.path.abspath(root)
    if text == base or text.startswith(os.path.dirname(base) + os.sep):
        return os.path.relpath(text, base)
    return str(path)


# An absolute path in running text: up to whitespace or punctuation that ends a clause.
_ABSOLUTE = re.compile(r"(?<![\w./:])/[^\s,;()\[\]`'\"]+")


def relative_paths(text: str, root: Path | str = PROJECT_ROOT) -> str:
    """``text`` with every absolute path beside or under ``root`` made relative to it."""
    return _ABSOLUTE.sub(lambda match: display_path(match.group(0), root), text)


def parse_rates(text: str) -> list[int]:
    """``--rates 10,50,200`` as integers."""
    return [int(rate) for rate in text.split(",") if rate.strip()]
