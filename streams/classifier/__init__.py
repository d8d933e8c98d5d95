"""Classifier of strategic space events: gazetteer evidence, decided by a learned model."""

from streams.classifier.classifier import RULES_VERSION, Classifier
from streams.classifier.gazetteer import GazetteerError, load_gazetteer
from streams.classifier.model import DEFAULT_MODEL_PATH, ModelError, load_model

__all__ = [
    "DEFAULT_MODEL_PATH",
    "RULES_VERSION",
    "Classifier",
    "GazetteerError",
    "ModelError",
    "load_gazetteer",
    "load_model",
]
