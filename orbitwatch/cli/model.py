"""``orbitwatch train`` and ``orbitwatch eval``: fit a classifier model, measure one, compare two.

A model is named on the command line by a path to a model file, ``shipped`` (the model that
comes with orbitwatch) or ``rules`` (the hand-set rule decision, the baseline). ``eval``
warns when labeled items were in the model's own training set: those figures flatter it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from orbitwatch.core.errors import OrbitwatchError
from orbitwatch.core.settings import get_settings
from schemas.classification import Classification, Severity
from streams.classifier import DEFAULT_MODEL_PATH, Classifier
from streams.classifier.eval import Figures, LabeledItem, Report, evaluate, load_labeled

RULES = "rules"
SHIPPED = "shipped"
# Figures shown per language, with their column headers.
COLUMNS = (
    ("items", "n"),
    ("relevance_precision", "rel P"),
    ("relevance_recall", "rel R"),
    ("relevance_f1", "rel F1"),
    ("actors_f1", "actors F1"),
    ("event_types_f1", "types F1"),
    ("relation_accuracy", "relation"),
    ("severity_accuracy", "severity"),
    ("high_alert_precision", "high P"),
    ("high_alert_recall", "high R"),
    ("high_alert_items", "high n"),
)
CHANGE_COLUMNS = ("id", "lang", "labeled", "old", "new", "verdict", "title")
# Languages with enough items to be read alone; the others are also shown together.
MAIN_LANGUAGES = ("en", "ru", "zh")


def _console() -> Console:
    """A console wide enough for the figure tables, even when output is piped."""
    console = Console()
    return console if console.is_terminal else Console(width=200)


def build_classifier(name: str | None) -> Classifier:
    """The classifier a model argument names (``None``: what settings say)."""
    settings = get_settings()
    if name == RULES:
        return Classifier(watchlist=settings.watchlist, rules_only=True)
    if name == SHIPPED:
        return Classifier(watchlist=settings.watchlist, model_path=DEFAULT_MODEL_PATH)
    path = Path(name) if name else settings.classifier_model
    return Classifier(watchlist=settings.watchlist, model_path=path)


def _fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(2)


def _load_items(files: list[Path]) -> list[LabeledItem]:
    items: list[LabeledItem] = []
    for path in files:
        items.extend(load_labeled(path))
    return items


def with_other_languages(
    items: list[LabeledItem], report: Report, predictions: list[Any]
) -> dict[str, Figures]:
    """Per-language figures plus one row for every language outside the main three."""
    rows = dict(report.by_language)
    others = [
        (i, p) for i, p in zip(items, predictions, strict=True) if i.lang not in MAIN_LANGUAGES
    ]
    if others:
        rows["(other)"] = evaluate([i for i, _ in others], [p for _, p in others]).overall
    return rows


def figures_table(title: str, rows: dict[str, Figures], overall: Figures) -> Table:
    table = Table(title=title)
    table.add_column("language")
    for _, header in COLUMNS:
        table.add_column(header, justify="right")

    def cells(figures: Figures) -> list[str]:
        values = figures.model_dump()
        return [
            str(values[key]) if isinstance(values[key], int) else f"{values[key]:.3f}"
            for key, _ in COLUMNS
        ]

    for language, figures in rows.items():
        table.add_row(language, *cells(figures))
    table.add_row("overall", *cells(overall), style="bold")
    return table


def _training_overlap(classifier: Classifier, items: list[LabeledItem]) -> int:
    if classifier.model is None:
        return 0
    seen = set(classifier.model.document.training_ids)
    return sum(item.id in seen for item in items)


def _warn_overlap(console: Console, classifier: Classifier, items: list[LabeledItem]) -> None:
    overlap = _training_overlap(classifier, items)
    if overlap:
        console.print(
            f"[yellow]warning: {overlap} of {len(items)} items were in the training set of "
            f"{classifier.version}; their figures flatter it (its cross-validated figures "
            f"are in the model file: orbitwatch train prints them)[/yellow]"
        )


def eval_command(
    labeled: list[Path] = typer.Argument(..., help="Labeled JSON Lines files"),
    model: str | None = typer.Option(
        None, "--model", help="Model file, 'shipped' or 'rules' (default: from settings)"
    ),
    compare: tuple[str, str] | None = typer.Option(
        None, "--compare", help="Compare two models: OLD NEW (paths, 'shipped' or 'rules')"
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the report(s) as JSON."),
    show_misses: bool = typer.Option(False, "--misses/--no-misses", help="List the misses."),
) -> None:
    """Figures of a model on labeled files per language and field, with high-alert P/R."""
    console = _console()
    try:
        items = _load_items(labeled)
        if compare:
            old, new = (build_classifier(name) for name in compare)
        else:
            old, new = None, build_classifier(model)
    except OrbitwatchError as exc:
        raise _fail(str(exc)) from exc
    new_predictions = [new.classify_text(i.title, i.text, i.lang) for i in items]
    new_report = evaluate(items, new_predictions)
    if old is None:
        if as_json:
            typer.echo(new_report.model_dump_json(indent=2))
            return
        _warn_overlap(console, new, items)
        rows = with_other_languages(items, new_report, new_predictions)
        console.print(
            figures_table(f"{new.version} on {len(items)} items", rows, new_report.overall)
        )
        if show_misses and new_report.misses:
            console.print(_misses_table(new_report))
        return
    old_predictions = [old.classify_text(i.title, i.text, i.lang) for i in items]
    old_report = evaluate(items, old_predictions)
    changes = compare_predictions(items, old_predictions, new_predictions)
    if as_json:
        typer.echo(_json_comparison(old.version, new.version, old_report, new_report, changes))
        return
    for classifier in (old, new):
        _warn_overlap(console, classifier, items)
    console.print(
        comparison_table(
            old.version,
            new.version,
            old_report,
            new_report,
            items,
            old_predictions,
            new_predictions,
        )
    )
    console.print(changes_table(changes))


def _json_comparison(
    old: str, new: str, old_report: Report, new_report: Report, changes: list[dict[str, str]]
) -> str:
    import json

    return json.dumps(
        {
            "old": {"version": old, "report": old_report.model_dump(mode="json")},
            "new": {"version": new, "report": new_report.model_dump(mode="json")},
            "changes": changes,
        },
        ensure_ascii=False,
        indent=2,
    )


def compare_predictions(
    items: list[LabeledItem],
    old: list[Classification],
    new: list[Classification],
) -> list[dict[str, str]]:
    """The items whose relevance or severity a switch from ``old`` to ``new`` changes."""
    changes = []
    for item, before, after in zip(items, old, new, strict=True):
        if before.relevant == after.relevant and before.severity == after.severity:
            continue
        gold = item.label.severity
        if after.severity == gold and before.severity != gold:
            verdict = "fixed"
        elif before.severity == gold and after.severity != gold:
            verdict = "broken"
        else:
            verdict = "still wrong"
        changes.append(
            {
                "id": item.id,
                "lang": item.lang,
                "labeled": gold.value,
                "old": before.severity.value,
                "new": after.severity.value,
                "verdict": verdict,
                "title": item.title,
            }
        )
    return changes


def comparison_table(
    old: str,
    new: str,
    old_report: Report,
    new_report: Report,
    items: list[LabeledItem],
    old_predictions: list[Classification],
    new_predictions: list[Classification],
) -> Table:
    """One row per slice (overall, the main languages, the others together): old -> new."""
    table = Table(title=f"{old} -> {new} on {len(items)} items")
    table.add_column("slice")
    table.add_column("n", justify="right")
    figures = COLUMNS[3:10]
    for _, header in figures:
        table.add_column(header, justify="right")
    old_rows = with_other_languages(items, old_report, old_predictions)
    new_rows = with_other_languages(items, new_report, new_predictions)
    shown = [name for name in (*MAIN_LANGUAGES, "(other)") if name in new_rows]
    slices = [("overall", old_report.overall, new_report.overall)]
    slices += [(name, old_rows[name], new_rows[name]) for name in shown]
    for name, before, after in slices:
        b, a = before.model_dump(), after.model_dump()
        cells = []
        for key, _ in figures:
            delta = a[key] - b[key]
            colour = "green" if delta > 0.0005 else "red" if delta < -0.0005 else "default"
            cells.append(f"{b[key]:.3f} -> [{colour}]{a[key]:.3f}[/{colour}]")
        table.add_row(name, str(after.items), *cells)
    return table


def changes_table(changes: list[dict[str, str]]) -> Table:
    counts = {
        v: sum(c["verdict"] == v for c in changes) for v in ("fixed", "broken", "still wrong")
    }
    newly_high = sum(c["new"] == Severity.high.value != c["old"] for c in changes)
    no_longer_high = sum(c["old"] == Severity.high.value != c["new"] for c in changes)
    table = Table(
        title=(
            f"{len(changes)} items change relevance or severity: {counts['fixed']} fixed, "
            f"{counts['broken']} broken, {counts['still wrong']} still wrong; "
            f"{newly_high} newly high, {no_longer_high} no longer high"
        ),
        show_lines=False,
    )
    for header in CHANGE_COLUMNS:
        table.add_column(header, overflow="fold")
    for change in changes:
        table.add_row(*(change[k] for k in CHANGE_COLUMNS))
    return table


def _misses_table(report: Report) -> Table:
    table = Table(title=f"Misses ({len(report.misses)})", show_lines=True)
    for header in ("id", "lang", "kind", "score", "title", "evidence"):
        table.add_column(header, overflow="fold")
    for miss in report.misses:
        evidence = ", ".join(e for e in miss.evidence[:12])
        table.add_row(miss.id, miss.lang, miss.kind, f"{miss.score:.2f}", miss.title, evidence)
    return table


def train_command(
    labeled: list[Path] = typer.Argument(..., help="Labeled JSON Lines files (later win on id)"),
    out: Path = typer.Option(DEFAULT_MODEL_PATH, "--out", help="Where to write the model file"),
    seed: int | None = typer.Option(None, "--seed", help="Seed of folds and fits"),
    folds: int | None = typer.Option(None, "--folds", min=2, max=20, help="Cross-validation folds"),
) -> None:
    """Fit the classifier model on labeled files; print its cross-validated figures."""
    # scikit-learn is needed here only: imported late so the rest of the CLI never loads it.
    try:
        from streams.classifier import training
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise _fail(
            f"training needs scikit-learn ({exc.name} is missing): pip install 'orbitwatch[dev]'"
        ) from exc
    from streams.classifier.model import write_model_file

    console = _console()
    settings = get_settings()
    try:
        document, validation = training.train(
            labeled,
            settings.watchlist,
            seed=seed if seed is not None else training.DEFAULT_SEED,
            folds=folds or training.DEFAULT_FOLDS,
        )
        write_model_file(document, out)
    except OrbitwatchError as exc:
        raise _fail(str(exc)) from exc
    except OSError as exc:
        raise _fail(f"cannot write {out}: {exc.strerror or exc}") from exc
    rows = with_other_languages(validation.items, validation.report, validation.predictions)
    console.print(
        figures_table(
            f"{document.version}: {folds or training.DEFAULT_FOLDS}-fold cross-validation "
            f"on {document.training.items} items",
            rows,
            validation.report.overall,
        )
    )
    console.print(
        f"wrote {out} ({len(document.weights)} features, thresholds {document.thresholds})"
    )


def register(app: typer.Typer) -> None:
    app.command("train")(train_command)
    app.command("eval")(eval_command)
