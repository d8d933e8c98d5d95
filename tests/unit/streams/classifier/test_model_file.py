"""The model file shipped in the repository is the one ``orbitwatch train`` makes.

Refits from ``../shared/data``'s labeled files with the recorded seed and compares: same
training data hash, same thresholds, same features, weights equal to the stored precision.
A drifted file (hand-edited, or trained on other data or code) fails here, and with it the
cross-validated figures the quality floor reads from it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from orbitwatch.core.settings import PROJECT_ROOT
from streams.classifier import DEFAULT_MODEL_PATH, load_model
from streams.classifier.model import LearnedModel, read_model_file

pytestmark = pytest.mark.unit

DATA = (PROJECT_ROOT / ".." / "shared" / "data").resolve()
TRAINING_FILES = ("labeled-dev.jsonl", "labeled-train.jsonl")


def test_the_shipped_model_loads_and_names_its_training() -> None:
    model = load_model()
    record = model.document.training
    assert model.version.startswith("learned-")
    assert [f.name for f in record.files] == list(TRAINING_FILES)
    assert record.items == len(model.document.training_ids) > 0
    assert model.document.cross_validation["overall"]["items"] == record.items


def test_the_shipped_model_is_what_train_produces(tmp_path: Path) -> None:
    paths = [DATA / name for name in TRAINING_FILES]
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        pytest.skip(f"labeled data not found ({', '.join(missing)}): ../shared is absent")
    from orbitwatch.core.settings import Settings
    from streams.classifier import training
    from streams.classifier.model import write_model_file

    shipped = read_model_file(DEFAULT_MODEL_PATH)
    refit, _ = training.train(
        paths, Settings().watchlist, seed=shipped.training.seed, folds=training.DEFAULT_FOLDS
    )
    assert refit.training.sha256 == shipped.training.sha256, (
        "the labeled data changed since the model was trained: run `orbitwatch train "
        "../shared/data/labeled-dev.jsonl ../shared/data/labeled-train.jsonl`"
    )
    assert refit.training.params == shipped.training.params
    assert refit.training.gazetteer_sha256 == shipped.training.gazetteer_sha256, (
        "the gazetteers changed since the model was trained: retrain it"
    )
    assert refit.training.features_version == shipped.training.features_version
    assert refit.version == shipped.version
    assert refit.thresholds == shipped.thresholds
    assert refit.heads == shipped.heads
    assert refit.weights.keys() == shipped.weights.keys(), (
        "the features differ: the gazetteers or the feature code changed since the model was "
        "trained; retrain it"
    )
    names = sorted(shipped.weights)
    stored = np.array([shipped.weights[n] for n in names])
    fitted = np.array([refit.weights[n] for n in names])
    # Weights are stored to 4 digits; a refit on the same library rounds the same way, but
    # allow one unit of the last digit for a float summed in another order.
    assert np.allclose(stored, fitted, atol=2e-4), "weights differ: retrain the model"
    assert refit.cross_validation == shipped.cross_validation

    # And the written form is stable: writing the refit gives a file that loads the same.
    out = tmp_path / "refit.json"
    write_model_file(refit, out)
    assert LearnedModel(read_model_file(out)).version == shipped.version
