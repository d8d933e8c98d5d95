"""Fitting a model from labeled items, and measuring it by cross-validation.

Used by ``orbitwatch train`` only: scikit-learn is imported here and nowhere on the worker's
path. Everything is seeded, so the same files give the same model file byte for byte on the
same library versions.

The rule signals of every item are computed once by a rule-only classifier; each fit then
only learns weights. Cross-validation folds are stratified by language group and label, so
every fold holds its share of Russian, Chinese and the smaller languages; a fold's items are
never scored by a fit that saw them.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import sklearn
from sklearn.feature_extraction import DictVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

from schemas.classification import Classification
from streams.classifier.classifier import Classifier
from streams.classifier.decide import ARMED_TYPES
from streams.classifier.eval import LabeledItem, Report, evaluate, load_labeled
from streams.classifier.features import FEATURES_VERSION, ArticleFeatures, Features
from streams.classifier.model import (
    MODEL_FORMAT,
    RELATIONS,
    TYPES,
    LearnedModel,
    ModelFile,
    TrainingFile,
    TrainingRecord,
)

DEFAULT_SEED = 20261203
DEFAULT_FOLDS = 5
# Languages with enough items to be their own stratum; the rest form one group.
MAIN_LANGUAGES = ("en", "ru", "zh")
# Weights below this are dropped from the model file: they change no decision.
MIN_WEIGHT = 1e-4
# Digits kept of each weight: enough for identical decisions, few enough for a small file.
WEIGHT_DIGITS = 4


@dataclass(frozen=True)
class TrainingParams:
    """What a fit depends on besides the data. Recorded in the model file."""

    # Inverse regularization strength of each head (higher: fits the data more closely).
    relevance_c: float = 0.5
    types_c: float = 0.5
    relation_c: float = 0.5
    # A word must occur in this many training items to become a feature.
    min_word_count: int = 2
    # Relevance threshold used when the cross-validation cannot pick one (no positives).
    default_threshold: float = 0.5
    # The types that make an event with a watched state a high alert (nuclear, military,
    # counterspace) get thresholds chosen by F-beta with this beta: recall weighs more,
    # since a missed type is a missed page.
    armed_beta: float = 1.0


@dataclass
class Dataset:
    items: list[LabeledItem]
    features: list[ArticleFeatures]
    files: list[TrainingFile]
    sha256: str


def _item_digest(item: LabeledItem) -> str:
    data = item.model_dump(mode="json", include={"id", "lang", "title", "text", "label"})
    return json.dumps(data, ensure_ascii=False, sort_keys=True)


def load_dataset(paths: Sequence[Path], rules: Classifier) -> Dataset:
    """Read the labeled files (later files win on a repeated id) and compute features."""
    by_id: dict[str, LabeledItem] = {}
    files = []
    for path in paths:
        items = load_labeled(path)
        files.append(
            TrainingFile(
                name=path.name,
                sha256=hashlib.sha256(path.read_bytes()).hexdigest(),
                items=len(items),
            )
        )
        for item in items:
            # A verdict exported for an article overrides an older label of the same id.
            by_id.pop(item.id, None)
            by_id[item.id] = item
    items = list(by_id.values())
    digest = hashlib.sha256()
    for item in items:
        digest.update(_item_digest(item).encode("utf-8"))
        digest.update(b"\n")
    features = [rules.analyse(i.title, i.text, i.lang)[2] for i in items]
    return Dataset(items, features, files, digest.hexdigest())


def _stratum(item: LabeledItem) -> str:
    group = item.lang if item.lang in MAIN_LANGUAGES else "other"
    return f"{group}:{int(item.label.relevant)}"


def _frequent(features: Sequence[Features], minimum: int) -> set[str]:
    """Features kept for a fit: every signal, and the words seen in ``minimum`` items."""
    counts: Counter[str] = Counter()
    for item in features:
        counts.update(item.keys())
    return {
        name
        for name, count in counts.items()
        if count >= minimum or not name.startswith(("w:", "tw:"))
    }


def _logistic(
    c: float, seed: int, balanced: bool = False, multiclass: bool = False
) -> LogisticRegression:
    # liblinear is exact and fast for one binary head; the relation head is one softmax
    # over four classes, which needs lbfgs.
    return LogisticRegression(
        C=c,
        class_weight="balanced" if balanced else None,
        solver="lbfgs" if multiclass else "liblinear",
        max_iter=5000,
        random_state=seed,
    )


def fit(
    items: Sequence[LabeledItem],
    article_features: Sequence[ArticleFeatures],
    params: TrainingParams,
    seed: int,
) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Fit every head; returns (feature names, weights [features x heads], intercepts)."""
    # Sorted by name: word features come out of sets, whose order varies between processes;
    # one fixed order keeps a refit identical to the last digit.
    features = [dict(sorted(f.as_dict().items())) for f in article_features]
    keep = _frequent(features, params.min_word_count)
    vectorizer = DictVectorizer(sort=True)
    matrix = vectorizer.fit_transform([{k: v for k, v in f.items() if k in keep} for f in features])
    # liblinear takes 32-bit sparse indices only.
    matrix = matrix.tocsr()
    matrix.indices = matrix.indices.astype(np.int32)
    matrix.indptr = matrix.indptr.astype(np.int32)
    names = list(vectorizer.get_feature_names_out())
    heads = 1 + len(TYPES) + len(RELATIONS)
    weights = np.zeros((len(names), heads))
    intercepts = np.zeros(heads)

    relevant = np.array([item.label.relevant for item in items])
    model = _logistic(params.relevance_c, seed).fit(matrix, relevant)
    weights[:, 0] = model.coef_[0]
    intercepts[0] = model.intercept_[0]

    # Types and relation are learned from relevant items only: at inference they are asked
    # only of articles the relevance head let through.
    positives = [int(i) for i in np.flatnonzero(relevant)]
    sub = matrix[positives]
    for column, event_type in enumerate(TYPES, start=1):
        target = np.array([event_type in items[i].label.event_types for i in positives])
        if target.all() or not target.any():
            # Nothing to learn: a constant head (always or never).
            intercepts[column] = 10.0 if target.all() else -10.0
            continue
        head = _logistic(params.types_c, seed, balanced=True).fit(sub, target)
        weights[:, column] = head.coef_[0]
        intercepts[column] = head.intercept_[0]

    relation_labels = [items[i].label.relation.value for i in positives]
    start = 1 + len(TYPES)
    if len(set(relation_labels)) < 2:
        # One relation only (a small or one-sided training set): a constant head.
        for offset, relation in enumerate(RELATIONS):
            intercepts[start + offset] = 10.0 if relation.value in relation_labels else -30.0
        return names, weights, intercepts
    head = _logistic(params.relation_c, seed, balanced=True, multiclass=True).fit(
        sub, relation_labels
    )
    classes = list(head.classes_)
    for offset, relation in enumerate(RELATIONS):
        column = start + offset
        if relation.value not in classes:
            intercepts[column] = -30.0
            continue
        if len(classes) == 2:
            # scikit-learn stores one row for two classes: the second class's logit.
            sign = 1.0 if classes.index(relation.value) == 1 else -1.0
            weights[:, column] = sign * head.coef_[0] / 2
            intercepts[column] = sign * head.intercept_[0] / 2
        else:
            row = classes.index(relation.value)
            weights[:, column] = head.coef_[row]
            intercepts[column] = head.intercept_[row]
    return names, weights, intercepts


def _document(
    names: list[str],
    weights: np.ndarray,
    intercepts: np.ndarray,
    thresholds: dict[str, float],
    training: TrainingRecord,
    cross_validation: dict[str, Any],
    training_ids: list[str],
) -> ModelFile:
    rounded = np.round(weights, WEIGHT_DIGITS)
    kept = {
        name: [float(w) for w in row]
        for name, row in zip(names, rounded, strict=True)
        if np.abs(row).max() >= MIN_WEIGHT
    }
    heads = ["relevance"] + [f"type:{t.value}" for t in TYPES]
    heads += [f"relation:{r.value}" for r in RELATIONS]
    version = f"learned-{training.sha256[:8]}-{_params_digest(training)}"
    return ModelFile(
        format=MODEL_FORMAT,
        version=version,
        training=training,
        cross_validation=cross_validation,
        thresholds={k: round(v, 4) for k, v in sorted(thresholds.items())},
        heads=heads,
        intercepts=[round(float(b), WEIGHT_DIGITS) for b in intercepts],
        weights=kept,
        training_ids=sorted(training_ids),
    )


def _params_digest(training: TrainingRecord) -> str:
    """What the fit depended on besides the items: parameters, seed, lexicons, feature code."""
    inputs = {
        "params": training.params,
        "seed": training.seed,
        "gazetteer": training.gazetteer_sha256,
        "features": training.features_version,
    }
    text = json.dumps(inputs, sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:6]


def gazetteer_digest(rules: Classifier) -> str:
    """A hash of every gazetteer entry: the features depend on them as much as on the data."""
    entries = [entry.model_dump(mode="json") for entry in rules.gazetteer.entries]
    text = json.dumps(entries, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def build_model(
    dataset: Dataset,
    params: TrainingParams,
    seed: int,
    thresholds: dict[str, float],
    cross_validation: dict[str, Any],
    gazetteer_sha256: str,
) -> ModelFile:
    names, weights, intercepts = fit(dataset.items, dataset.features, params, seed)
    record = TrainingRecord(
        files=dataset.files,
        items=len(dataset.items),
        sha256=dataset.sha256,
        seed=seed,
        params=asdict(params),
        library=f"scikit-learn {sklearn.__version__}",
        gazetteer_sha256=gazetteer_sha256,
        features_version=FEATURES_VERSION,
    )
    return _document(
        names,
        weights,
        intercepts,
        thresholds,
        record,
        cross_validation,
        [i.id for i in dataset.items],
    )


@dataclass
class CrossValidation:
    items: list[LabeledItem]
    predictions: list[Classification]
    relevance_probabilities: list[float]
    report: Report
    thresholds: dict[str, float]


def best_threshold(
    probabilities: Sequence[float], gold: Sequence[bool], default: float, beta: float = 1.0
) -> float:
    """The threshold with the best F-beta on out-of-fold probabilities.

    Ties go to the lower threshold: a missed strategic event costs more than a dismissed one.
    """
    if not any(gold):
        return default
    best, best_score = default, -1.0
    weight = beta * beta
    for threshold in (step / 100 for step in range(10, 90, 2)):
        predicted = [p >= threshold for p in probabilities]
        tp = sum(p and g for p, g in zip(predicted, gold, strict=True))
        fp = sum(p and not g for p, g in zip(predicted, gold, strict=True))
        fn = sum(g and not p for p, g in zip(predicted, gold, strict=True))
        score = (1 + weight) * tp / ((1 + weight) * tp + weight * fn + fp) if tp else 0.0
        if score > best_score + 1e-9:
            best, best_score = threshold, score
    return best


def cross_validate(
    dataset: Dataset,
    rules: Classifier,
    params: TrainingParams,
    seed: int,
    folds: int = DEFAULT_FOLDS,
) -> CrossValidation:
    """Out-of-fold predictions for every item, and their figures."""
    items, features = dataset.items, dataset.features
    strata = [_stratum(item) for item in items]
    # A stratum smaller than the fold count cannot be spread; merge it into its language's
    # group label only (scikit-learn would warn and place it unevenly anyway).
    counts = Counter(strata)
    strata = [s if counts[s] >= folds else s.split(":")[0] for s in strata]
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    fold_models: list[tuple[np.ndarray, LearnedModel]] = []
    for train_rows, test_rows in splitter.split(np.zeros(len(items)), strata):
        train_items = [items[i] for i in train_rows]
        train_features = [features[i] for i in train_rows]
        names, weights, intercepts = fit(train_items, train_features, params, seed)
        record = TrainingRecord(
            files=[], items=len(train_items), sha256="fold", seed=seed, params={}, library=""
        )
        document = _document(names, weights, intercepts, {"relevance": 0.5}, record, {}, [])
        fold_models.append((test_rows, LearnedModel(document)))

    # Probabilities first, to choose the thresholds on out-of-fold scores only.
    scored = [model.predict(features[row]) for rows, model in fold_models for row in rows]
    order = [row for rows, _ in fold_models for row in rows]
    by_row = dict(zip(order, scored, strict=True))
    probabilities = [by_row[row].relevance for row in range(len(items))]
    gold = [item.label.relevant for item in items]
    thresholds = {"relevance": best_threshold(probabilities, gold, params.default_threshold)}
    # Type thresholds: over the relevant items, the population the type heads are asked of.
    positives = [row for row, item in enumerate(items) if item.label.relevant]
    for event_type in TYPES:
        type_gold = [event_type in items[row].label.event_types for row in positives]
        type_probabilities = [by_row[row].types[event_type] for row in positives]
        beta = params.armed_beta if event_type in ARMED_TYPES else 1.0
        thresholds[f"type:{event_type.value}"] = best_threshold(
            type_probabilities, type_gold, 0.5, beta
        )

    predictions: list[Classification | None] = [None] * len(items)
    for test_rows, model in fold_models:
        model.relevance_threshold = thresholds["relevance"]
        model.type_thresholds = {t: thresholds[f"type:{t.value}"] for t in TYPES}
        fold_classifier = Classifier(
            watchlist=rules.watchlist, gazetteer=rules.gazetteer, model=model
        )
        for row in test_rows:
            item = items[row]
            predictions[row] = fold_classifier.classify_text(item.title, item.text, item.lang)
    done = [p for p in predictions if p is not None]
    return CrossValidation(items, done, probabilities, evaluate(items, done), thresholds)


OTHER_LANGUAGES = "(other)"


def summary(items: Sequence[LabeledItem], predictions: Sequence[Classification]) -> dict[str, Any]:
    """The figures a model file records: overall, per language, and every language outside
    the main three together (each small alone)."""
    report = evaluate(items, predictions)
    by_language = {k: v.model_dump() for k, v in report.by_language.items()}
    pairs = [
        (i, p) for i, p in zip(items, predictions, strict=True) if i.lang not in MAIN_LANGUAGES
    ]
    if pairs:
        others = evaluate([i for i, _ in pairs], [p for _, p in pairs]).overall
        by_language[OTHER_LANGUAGES] = others.model_dump()
    return {"overall": report.overall.model_dump(), "by_language": by_language}


def train(
    paths: Sequence[Path],
    watchlist: Sequence[str],
    params: TrainingParams | None = None,
    seed: int = DEFAULT_SEED,
    folds: int = DEFAULT_FOLDS,
) -> tuple[ModelFile, CrossValidation]:
    """Cross-validate, then fit the final model on every item."""
    params = params or TrainingParams()
    rules = Classifier(watchlist=watchlist, rules_only=True)
    dataset = load_dataset(paths, rules)
    validation = cross_validate(dataset, rules, params, seed, folds)
    figures = summary(validation.items, validation.predictions)
    model = build_model(
        dataset, params, seed, validation.thresholds, figures, gazetteer_digest(rules)
    )
    return model, validation


__all__ = [
    "DEFAULT_FOLDS",
    "DEFAULT_SEED",
    "CrossValidation",
    "Dataset",
    "TrainingParams",
    "cross_validate",
    "train",
]
