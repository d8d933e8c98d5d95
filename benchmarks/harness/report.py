"""Where every benchmark leaves its figures: one JSON file per benchmark in benchmarks/out/,
plus the small command-line and path conventions the reports share."""

from __future__ import annotations

import argparse
import json
import os
import re
import time
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


def add_rate_options(
    parser: argparse.ArgumentParser, rates: str, seconds: float, drain: float, out: Path
) -> None:
    """The options of the benchmarks that send at a series of rates."""
    parser.add_argument("--rates", default=rates, help="comma-separated articles/s")
    parser.add_argument("--seconds", type=float, default=seconds, help="sending time per rate")
    parser.add_argument("--drain", type=float, default=drain, help="longest wait after sending (s)")
    parser.add_argument("--out", type=Path, default=out)


def finish(report: dict[str, Any], out: Path | None, started: float) -> None:
    """Write the report (unless ``out`` is None) and say how long the whole run took."""
    if out is not None:
        write_report(out, report)
    print(f"({time.perf_counter() - started:.0f}s in all)")
