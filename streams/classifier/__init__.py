"""Rule- and gazetteer-based classifier of strategic space events (pure Python)."""

from streams.classifier.classifier import CLASSIFIER_VERSION, Classifier
from streams.classifier.gazetteer import GazetteerError, load_gazetteer

__all__ = ["CLASSIFIER_VERSION", "Classifier", "GazetteerError", "load_gazetteer"]
