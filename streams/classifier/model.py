"""The learned decision: a model file read once, then scores for one article at a time.

A model is a set of linear heads over named features (``streams.classifier.features``):

- ``relevance``: logistic, relevant when its probability reaches the fitted threshold;
- ``type:<event type>``: one logistic head per event type (multi-label), each with its own
  threshold; the most probable type is kept when none reaches its threshold;
- ``relation:<relation>``: a multinomial (softmax) head over the relations of relevant
  articles.

Inference needs only numpy: the file holds, per known feature, its weight in every head.
Fitting lives in ``streams.classifier.training`` (scikit-learn, imported only there).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from orbitwatch.core.errors import ConfigError
from schemas.classification import EventType, Relation
from streams.classifier.features import TITLE_WORD, WORD, ArticleFeatures

MODEL_FORMAT = 1
# The model shipped with orbitwatch, produced by ``orbitwatch train`` from the labeled files.
DEFAULT_MODEL_PATH = Path(__file__).with_name("models") / "orbitwatch-classifier.json"
RELATIONS = (Relation.cooperation, Relation.competition, Relation.threat, Relation.neutral)
TYPES = tuple(EventType)


class ModelError(ConfigError):
    """A model file is missing, unreadable or not a model this version can use."""


class TrainingFile(BaseModel):
    name: str
    sha256: str
    items: int


class TrainingRecord(BaseModel):
    """Where a model came from: enough to refit it and to check it was not refit since."""

    files: list[TrainingFile]
    items: int
    sha256: str = Field(description="Hash of every training item, in order")
    seed: int
    params: dict[str, Any]
    library: str = Field(description="The fitting library and its version")
    gazetteer_sha256: str = Field("", description="Hash of the gazetteers the features read")
    features_version: int = Field(0, description="Version of the feature extraction code")


class ModelFile(BaseModel):
    """The JSON document of a model file."""

    model_config = ConfigDict(extra="forbid")

    format: int
    version: str
    training: TrainingRecord
    cross_validation: dict[str, Any] = Field(default_factory=dict)
    thresholds: dict[str, float]
    heads: list[str]
    intercepts: list[float]
    weights: dict[str, list[float]] = Field(description="feature -> weight in every head")
    training_ids: list[str] = Field(
        default_factory=list, description="Ids of the training items, to flag unfair tests"
    )


@dataclass(frozen=True, slots=True)
class Prediction:
    relevance: float
    types: dict[EventType, float]
    relation: dict[Relation, float]


def _sigmoid(value: float) -> float:
    return 1.0 / (1.0 + math.exp(-min(max(value, -30.0), 30.0)))


class LearnedModel:
    """Scores features with the heads of a model file. Build once, call ``predict`` often."""

    def __init__(self, document: ModelFile) -> None:
        if document.format != MODEL_FORMAT:
            raise ModelError(
                f"model format {document.format} is not supported (this version reads "
                f"format {MODEL_FORMAT}); retrain it with `orbitwatch train`"
            )
        expected = ["relevance"]
        expected += [f"type:{t.value}" for t in TYPES]
        expected += [f"relation:{r.value}" for r in RELATIONS]
        if document.heads != expected:
            raise ModelError(f"model heads {document.heads} are not {expected}")
        width = len(expected)
        bad = [name for name, row in document.weights.items() if len(row) != width]
        if bad or len(document.intercepts) != width:
            raise ModelError(f"model weights must have {width} values per feature ({bad[:3]})")
        self.document = document
        self.version = document.version
        # Feature rows by kind: named numbers, title words and words (prefixes stripped, so
        # an article's bare tokens are looked up without building strings).
        numeric_index: dict[str, int] = {}
        title_index: dict[str, int] = {}
        word_index: dict[str, int] = {}
        for row, name in enumerate(document.weights):
            if name.startswith(TITLE_WORD):
                title_index[name[len(TITLE_WORD) :]] = row
            elif name.startswith(WORD):
                word_index[name[len(WORD) :]] = row
            else:
                numeric_index[name] = row
        self._word_indices = (title_index, word_index)
        self._numeric_names = list(numeric_index)
        self._weights = np.array(list(document.weights.values()), dtype=np.float64).reshape(
            len(document.weights), width
        )
        self._intercepts = np.array(document.intercepts, dtype=np.float64)
        self._numeric_weights = self._weights[list(numeric_index.values())]
        # The relevance head's non-zero weights, per kind, for ``relevance``.
        self._relevance_weights = tuple(
            {key: document.weights[prefix + key][0] for key in index}
            for prefix, index in (
                ("", numeric_index),
                (TITLE_WORD, title_index),
                (WORD, word_index),
            )
        )
        self._relevance_intercept = document.intercepts[0]
        self.relevance_threshold = document.thresholds["relevance"]
        self.type_thresholds = {t: document.thresholds.get(f"type:{t.value}", 0.5) for t in TYPES}

    def relevance(self, features: ArticleFeatures) -> float:
        """The relevance head alone, in plain Python: one dictionary per kind of feature.

        ``math.fsum`` is exactly rounded, so the sum does not depend on set order.
        """
        numeric_weights, title_weights, word_weights = self._relevance_weights
        numeric = features.numeric
        terms = [numeric[k] * numeric_weights[k] for k in numeric.keys() & numeric_weights.keys()]
        terms += map(title_weights.__getitem__, features.title_words & title_weights.keys())
        terms += map(word_weights.__getitem__, features.words & word_weights.keys())
        terms.append(self._relevance_intercept)
        return _sigmoid(math.fsum(terms))

    def predict(self, features: ArticleFeatures, relevance: float | None = None) -> Prediction:
        """Every head; ``relevance`` saves recomputing a relevance already known."""
        # Named numbers: a short dense vector in the model's fixed order. Words: the rows of
        # the known ones, found by set intersections in C and summed in row order, so the
        # result does not depend on the order of the sets (refits stay identical).
        numeric = features.numeric
        dense = [numeric.get(name, 0.0) for name in self._numeric_names]
        title_index, word_index = self._word_indices
        rows = [title_index[t] for t in features.title_words & title_index.keys()]
        rows += [word_index[t] for t in features.words & word_index.keys()]
        rows.sort()
        scores = np.asarray(dense) @ self._numeric_weights + self._intercepts
        if rows:
            scores += self._weights[rows].sum(axis=0)
        logits: list[float] = scores.tolist()
        # Seventeen numbers: plain floats beat numpy's per-call overhead from here on.
        types_end = 1 + len(TYPES)
        relation_logits = logits[types_end:]
        top = max(relation_logits)
        exps = [math.exp(value - top) for value in relation_logits]
        total = sum(exps)
        return Prediction(
            self.relevance(features) if relevance is None else relevance,
            {t: _sigmoid(value) for t, value in zip(TYPES, logits[1:types_end], strict=True)},
            {r: e / total for r, e in zip(RELATIONS, exps, strict=True)},
        )

    def decide_types(self, prediction: Prediction) -> list[EventType]:
        kept = [t for t, p in prediction.types.items() if p >= self.type_thresholds[t]]
        if not kept:
            kept = [max(prediction.types, key=prediction.types.__getitem__)]
        return kept

    @staticmethod
    def decide_relation(prediction: Prediction) -> Relation:
        return max(prediction.relation, key=prediction.relation.__getitem__)


def read_model_file(path: Path) -> ModelFile:
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ModelError(f"{path}: no such model file") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ModelError(f"{path}: cannot read the model file: {exc}") from exc
    try:
        return ModelFile.model_validate(json.loads(raw))
    except json.JSONDecodeError as exc:
        raise ModelError(f"{path}: not JSON: {exc.msg} (line {exc.lineno})") from exc
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ())) or "document"
        raise ModelError(f"{path}: not a model file: {where}: {first.get('msg')}") from exc


def load_model(path: Path | None = None) -> LearnedModel:
    """The model at ``path``, or the one shipped with orbitwatch."""
    return LearnedModel(read_model_file(path or DEFAULT_MODEL_PATH))


def write_model_file(document: ModelFile, path: Path) -> None:
    """Write a model as stable JSON: one feature per line, so a retrain diffs readably."""
    data = document.model_dump(mode="json")
    weights = data.pop("weights")
    head = json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True)
    lines = [
        f"  {json.dumps(name, ensure_ascii=False)}: {json.dumps(row)}"
        for name, row in sorted(weights.items())
    ]
    body = head[:-1].rstrip() + ',\n "weights": {\n' + ",\n".join(lines) + "\n }\n}\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(body, encoding="utf-8")
