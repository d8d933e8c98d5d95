"""The ``--check`` or write step every command that regenerates files shares (``schemas
export``, ``schemas asyncapi``, ``es export``, ``settings docs``)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import typer
from rich.console import Console

from orbitwatch.core import generated


def write_or_check(
    console: Console, files: Mapping[Path, str], *, check: bool, command: str, current: str
) -> None:
    """Write the files that changed, or with ``check`` list those that drifted and exit 1.

    ``command`` regenerates them; ``current`` is what to say when nothing drifted."""
    if check:
        drifted = generated.drifted(files)
        for path in drifted:
            console.print(f"drifted: {path}", highlight=False)
        if drifted:
            console.print(f"run `{command}` and commit the result", highlight=False)
            raise typer.Exit(1)
        console.print(current, highlight=False)
        return
    changed = generated.write_all(files)
    for path in changed:
        console.print(f"wrote {path}", highlight=False)
    if not changed:
        console.print("already up to date", highlight=False)
