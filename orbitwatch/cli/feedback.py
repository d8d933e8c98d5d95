"""``orbitwatch feedback``: record an analyst's verdict on an article or alert; export them.

``orbitwatch feedback ID --relevant ...`` is short for ``orbitwatch feedback record ID ...``.
The work is done by :mod:`orbitwatch.feedback` (the same code the analyst desk will call); this
module only turns options into a :class:`~orbitwatch.feedback.verdict.Judgement` and errors
into one line and an exit code: 2 for a bad id or label, 1 for a server that did not answer.
"""

from __future__ import annotations

import asyncio
import getpass
import sys
from pathlib import Path
from typing import Any, NoReturn

import typer
from typer.core import TyperGroup

from orbitwatch.core.settings import get_settings
from orbitwatch.feedback.errors import FeedbackError, FeedbackUnavailable
from orbitwatch.feedback.store import read_verdicts, record_verdict
from orbitwatch.feedback.verdict import Judgement, export_lines
from schemas.feedback import Verdict


class _RecordByDefault(TyperGroup):
    """A first argument that is not a subcommand is the id of ``record``."""

    # ``ctx`` is typer's own vendored click Context, which typer does not export.
    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            args = ["record", *args]
        return super().parse_args(ctx, args)


app = typer.Typer(
    cls=_RecordByDefault,
    help=(
        "Analysts' verdicts: `orbitwatch feedback ID --relevant|--not-relevant [...]` records "
        "one; `orbitwatch feedback export` writes them as labeled training data."
    ),
    no_args_is_help=True,
)


def _fail(exc: FeedbackError) -> NoReturn:
    typer.echo(f"error: {exc}", err=True)
    raise typer.Exit(1 if isinstance(exc, FeedbackUnavailable) else 2) from None


def _labels(relevant: bool, relation: str, actors: list[str], types: list[str]) -> str:
    if not relevant:
        return "not relevant"
    return f"relevant {relation} {','.join(actors) or '-'} {','.join(types) or '-'}"


def describe(verdict: Verdict) -> str:
    """One line: what the analyst said, what the classifier had said, and where it was wrong."""
    p = verdict.predicted
    said = _labels(
        verdict.relevant, verdict.relation, verdict.actors, [t.value for t in verdict.event_types]
    )
    predicted = _labels(p.relevant, p.relation, p.actors, [t.value for t in p.event_types])
    judged = (
        "classifier right"
        if verdict.classifier_correct
        else "classifier wrong on " + ", ".join(verdict.corrections)
    )
    via = f" via alert {verdict.alert_id}" if verdict.alert_id else ""
    return (
        f"recorded: article {verdict.article_id}{via}: {said} "
        f"(classifier {verdict.classifier_version} said {predicted}; {judged})"
    )


@app.command("record")
def record(
    target: str = typer.Argument(
        ..., metavar="ARTICLE_OR_ALERT_ID", help="An article id, or an alert id (al_...)."
    ),
    relevant: bool = typer.Option(
        ..., "--relevant/--not-relevant", help="Is it a strategic space event?"
    ),
    types: str | None = typer.Option(
        None, "--types", help="Corrected event types, e.g. lunar,nuclear (default: predicted)."
    ),
    actors: str | None = typer.Option(
        None, "--actors", help="Corrected actors, e.g. CN,RU (default: predicted)."
    ),
    relation: str | None = typer.Option(
        None, "--relation", help="Corrected relation: cooperation, competition, threat, neutral."
    ),
    note: str = typer.Option("", "--note", help="Why, in one line."),
    as_json: bool = typer.Option(False, "--json", help="Print the recorded verdict as JSON."),
) -> None:
    """Record a verdict on a classified article (the latest verdict per article counts)."""
    settings = get_settings()
    try:
        judgement = Judgement.from_options(
            relevant, types=types, actors=actors, relation=relation, note=note
        )
        verdict = asyncio.run(record_verdict(settings, target, judgement, recorded_by=_who()))
    except FeedbackError as exc:
        _fail(exc)
    typer.echo(verdict.model_dump_json() if as_json else describe(verdict))


@app.command("export")
def export(
    out: Path | None = typer.Option(
        None, "--out", help="Write here (default: standard output).", dir_okay=False
    ),
) -> None:
    """Write the latest verdict per article as labeled JSON Lines (the labeled files' format),
    read from the compacted topic, oldest first."""
    settings = get_settings()
    try:
        verdicts = asyncio.run(read_verdicts(settings))
    except FeedbackError as exc:
        _fail(exc)
    lines = export_lines(verdicts, settings.watchlist)
    text = "".join(line + "\n" for line in lines)
    if out is None:
        sys.stdout.write(text)
    else:
        try:
            out.write_text(text, encoding="utf-8")
        except OSError as exc:
            typer.echo(f"error: cannot write {out}: {exc.strerror or exc}", err=True)
            raise typer.Exit(1) from None
        typer.echo(f"wrote {len(lines)} labeled verdict(s) to {out}", err=True)


def _who() -> str:
    try:
        return getpass.getuser()
    except OSError:
        return ""
