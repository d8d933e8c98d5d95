"""Fitting and cross-validation, and the train/eval commands, on small labeled files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from orbitwatch.cli.main import app
from streams.classifier import training
from streams.classifier.model import read_model_file

pytestmark = pytest.mark.unit

# Hand-written, not from the labeled data: enough of each kind for 3 folds.
POSITIVES = [
    ("Russia and China sign a lunar station agreement", "Roscosmos and CNSA will build it.", "ru"),
    ("Россия испытала противоспутниковую ракету", "Обломки спутника остались на орбите.", "ru"),
    ("中俄签署月球科研站合作协议", "两国航天局将共同建设月球站。", "zh"),
    ("Iran launches a military satellite", "The IRGC said the satellite reached orbit.", "en"),
    ("North Korea orders a new spaceport", "Kim Jong Un inspected the launch site.", "en"),
    ("GPS jamming over the Baltic grows", "Officials blame Russian electronic warfare.", "en"),
]
NEGATIVES = [
    ("Central bank raises rates", "Inflation stays high.", "en"),
    ("Full moon festival draws crowds", "Families gathered to watch the moon.", "en"),
    ("Россия и Китай подписали газовый контракт", "Поставки начнутся в следующем году.", "ru"),
    ("足球联赛今晚开幕", "球迷聚集在体育场。", "zh"),
    ("Startup launches a new phone", "The rocket-fast device ships next week.", "en"),
    ("Eclipse visible across Europe", "Astronomers advise eye protection.", "en"),
]


def _write(path: Path) -> Path:
    rows = []
    for number, (title, text, lang) in enumerate(POSITIVES):
        rows.append(
            {
                "id": f"p{number}",
                "lang": lang,
                "title": title,
                "text": text,
                "label": {
                    "relevant": True,
                    "relation": "threat" if number % 2 else "cooperation",
                    "actors": ["RU"],
                    "event_types": ["military"] if number % 2 else ["lunar"],
                    "severity": "high",
                },
            }
        )
    for number, (title, text, lang) in enumerate(NEGATIVES):
        rows.append(
            {
                "id": f"n{number}",
                "lang": lang,
                "title": title,
                "text": text,
                "label": {"relevant": False},
            }
        )
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", "utf-8")
    return path


def test_training_is_reproducible_and_records_where_it_came_from(tmp_path: Path) -> None:
    labeled = _write(tmp_path / "small.jsonl")
    first, validation = training.train([labeled], ["RU", "CN"], seed=3, folds=3)
    second, _ = training.train([labeled], ["RU", "CN"], seed=3, folds=3)
    assert first == second
    assert first.training.items == 12 and first.training.files[0].name == "small.jsonl"
    assert first.training.seed == 3 and "scikit-learn" in first.training.library
    assert sorted(first.training_ids) == sorted(
        [f"p{i}" for i in range(6)] + [f"n{i}" for i in range(6)]
    )
    # Every item got exactly one out-of-fold prediction.
    assert len(validation.predictions) == 12
    assert first.cross_validation["overall"]["items"] == 12
    assert "(other)" not in first.cross_validation["by_language"]  # only en, ru, zh here
    other_seed, _ = training.train([labeled], ["RU", "CN"], seed=4, folds=3)
    assert other_seed.version != first.version


def test_a_later_file_overrides_an_item_with_the_same_id(tmp_path: Path) -> None:
    labeled = _write(tmp_path / "small.jsonl")
    verdict = tmp_path / "verdicts.jsonl"
    row = json.loads(labeled.read_text("utf-8").splitlines()[0])
    row["label"] = {"relevant": False}
    verdict.write_text(json.dumps(row, ensure_ascii=False) + "\n", "utf-8")
    rules = training.Classifier(rules_only=True)
    dataset = training.load_dataset([labeled, verdict], rules)
    assert len(dataset.items) == 12
    assert not next(i for i in dataset.items if i.id == "p0").label.relevant


def test_best_threshold_prefers_recall_on_ties() -> None:
    probabilities = [0.9, 0.7, 0.3, 0.1]
    gold = [True, True, False, False]
    assert training.best_threshold(probabilities, gold, 0.5) == pytest.approx(0.32)
    assert training.best_threshold([0.2, 0.4], [False, False], 0.5) == 0.5


def test_train_and_eval_commands(tmp_path: Path) -> None:
    labeled = _write(tmp_path / "small.jsonl")
    out = tmp_path / "model.json"
    runner = CliRunner()
    result = runner.invoke(app, ["train", str(labeled), "--out", str(out), "--folds", "3"])
    assert result.exit_code == 0, result.output
    assert "cross-validation" in result.stdout and "high R" in result.stdout
    version = read_model_file(out).version

    result = runner.invoke(app, ["eval", str(labeled), "--model", str(out)])
    assert result.exit_code == 0, result.output
    assert "were in the training set" in result.stdout  # scored on its own items: flagged

    result = runner.invoke(app, ["eval", str(labeled), "--compare", "rules", str(out), "--json"])
    assert result.exit_code == 0, result.output
    comparison = json.loads(result.stdout)
    assert comparison["old"]["version"] == "rules-1.1"
    assert comparison["new"]["version"] == version
    for change in comparison["changes"]:
        assert change["verdict"] in {"fixed", "broken", "still wrong"}

    result = runner.invoke(app, ["eval", str(labeled), "--compare", "rules", "shipped"])
    assert result.exit_code == 0, result.output
    assert "rules-1.1 -> learned-" in result.stdout


def test_train_and_eval_errors_are_one_line(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["train", str(tmp_path / "absent.jsonl")])
    assert result.exit_code == 2
    assert result.stderr.startswith("error: ") and "absent.jsonl" in result.stderr
    labeled = _write(tmp_path / "small.jsonl")
    result = runner.invoke(app, ["eval", str(labeled), "--model", str(tmp_path / "nope.json")])
    assert result.exit_code == 2
    assert result.stderr.strip().count("\n") == 0 and "nope.json" in result.stderr
