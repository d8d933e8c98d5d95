"""Word and article features of the learned model (streams/classifier/features.py)."""

from __future__ import annotations

import pytest

from streams.classifier.features import PREFIX_LENGTH, ArticleFeatures, word_features

pytestmark = pytest.mark.unit


def test_word_features_cut_words_and_pair_cjk_characters() -> None:
    title, words = word_features("запуск спутников", "中国卫星 launched")
    assert "запуск" in title and "запуск" in words  # title words count in both
    assert "спутников"[:PREFIX_LENGTH] in words
    assert {"中国", "国卫", "卫星"} <= words
    assert "launch" not in title and "launch" in words


def test_hindi_words_are_kept_whole_without_their_vowel_signs() -> None:
    # Vowel signs dropped: the consonant skeleton stands for the word.
    assert word_features("", "उपग्रह उपग्रहों")[1] == {"उपगरह", "उपगरह"[:PREFIX_LENGTH]}


def test_features_by_full_name() -> None:
    features = ArticleFeatures({"s:space": 1.5}, frozenset({"moon"}), frozenset({"moon", "base"}))
    assert features.as_dict() == {"s:space": 1.5, "tw:moon": 1.0, "w:moon": 1.0, "w:base": 1.0}
