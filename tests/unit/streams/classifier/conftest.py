"""Fixtures shared by the classifier's tests."""

from __future__ import annotations

import pytest

from streams.classifier import Classifier


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    """The classifier as shipped: rules and the learned model (one per test module)."""
    return Classifier()
