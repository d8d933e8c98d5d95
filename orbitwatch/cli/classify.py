"""``orbitwatch classify``: the classifier from the command line.

``classify`` reads JSON Lines (``id``, ``title``, ``text``, optional ``lang``) and writes one
JSON object per input line, in order. A line that cannot be read yields an error object on
stdout (``{"line": 7, "error": "...", "id": ...}``) and a message on stderr; the run goes on
and the exit code is 1 if any line failed.

``eval`` and ``train`` live in ``orbitwatch.cli.model``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import IO, Any

import typer
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from orbitwatch.core.errors import OrbitwatchError
from orbitwatch.core.settings import get_settings
from schemas.classification import Classification
from streams.classifier import Classifier


class ClassifyInput(BaseModel):
    """One input line of ``orbitwatch classify``."""

    model_config = ConfigDict(extra="ignore")

    id: str = Field(min_length=1)
    title: str
    text: str
    lang: str | None = None


class ClassifiedLine(Classification):
    """One output line: the classification, with the id of the article it is about."""

    id: str


class LineError(BaseModel):
    """The output line for an input line that could not be classified."""

    line: int
    error: str
    id: str | None = None


def _parse_line(raw: str) -> ClassifyInput:
    data: Any = json.loads(raw)
    if isinstance(data, dict) and isinstance(data.get("id"), int):
        data["id"] = str(data["id"])
    return ClassifyInput.model_validate(data)


def _recover_id(raw: str) -> str | None:
    try:
        data = json.loads(raw)
    except json.JSONDecodeError:
        return None
    if isinstance(data, dict) and isinstance(data.get("id"), str | int):
        return str(data["id"])
    return None


def _describe(exc: Exception) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"invalid JSON: {exc.msg} (column {exc.colno})"
    if isinstance(exc, ValidationError):
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ())) or "line"
        return f"{where}: {first.get('msg')}"
    return str(exc)


def classify_stream(classifier: Classifier, source: IO[str], sink: IO[str], errors: IO[str]) -> int:
    """Classify every line of ``source`` into ``sink``; return the number of bad lines."""
    failures = 0
    for number, raw in enumerate(source, start=1):
        if not raw.strip():
            continue
        output: BaseModel
        try:
            item = _parse_line(raw)
            result = classifier.classify_text(item.title, item.text, item.lang)
            output = ClassifiedLine(id=item.id, **result.model_dump())
        except (json.JSONDecodeError, ValidationError) as exc:
            failures += 1
            message = _describe(exc)
            output = LineError(line=number, error=message, id=_recover_id(raw))
            errors.write(f"line {number}: {message}\n")
        sink.write(
            json.dumps(output.model_dump(mode="json", exclude_none=True), ensure_ascii=False)
        )
        sink.write("\n")
    return failures


def _classifier() -> Classifier:
    settings = get_settings()
    return Classifier(watchlist=settings.watchlist, model_path=settings.classifier_model)


def classify_command(
    file: str = typer.Argument(
        "-", help="JSON Lines file with id, title, text[, lang]; - for stdin"
    ),
) -> None:
    """Classify articles: one JSON object per input line, in order."""
    try:
        classifier = _classifier()
        if file == "-":
            failures = classify_stream(classifier, sys.stdin, sys.stdout, sys.stderr)
        else:
            with Path(file).open(encoding="utf-8") as source:
                failures = classify_stream(classifier, source, sys.stdout, sys.stderr)
    except OSError as exc:
        typer.echo(f"error: cannot read {file}: {exc.strerror or exc}", err=True)
        raise typer.Exit(2) from exc
    except OrbitwatchError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    if failures:
        typer.echo(f"{failures} line(s) could not be classified", err=True)
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add the commands to the main application."""
    app.command("classify")(classify_command)
