"""What the learned model sees of an article: rule signals plus the words themselves.

Three kinds of features, all named strings so a model file stays readable and a feature that
a model does not know is simply ignored:

- **signals** (``s:…``): the gazetteer evidence the rules add up (space, strategy, off-topic
  senses, per event type and per relation, parties and watched states, cues in the title).
  They carry what the lexicons know, in every language the lexicons cover.
- **rules** (``r:…``): what the hand-set rules (``decide.py``) concluded from those signals:
  their relevance score, relation and types. They encode structure a few hundred labeled
  items cannot teach (a report title makes a story neutral; a veto is a diplomatic contest);
  the model learns how far to trust each.
- **words** (``w:…``, title words also as ``tw:…``): lexical coverage beyond the gazetteers.
  Latin, Cyrillic, Arabic and similar scripts are cut to their first ``PREFIX_LENGTH``
  letters, a crude stemmer that works the same for every inflecting language (Russian
  ``спутника``/``спутники``, Ukrainian, Turkish suffixes); Chinese and Japanese runs give
  character bigrams, since those scripts have no spaces.

Numeric signals are squashed with ``log1p`` so one long article full of cues cannot
outweigh everything else.

The watchlist is deliberately absent: severity applies it after the model, so operators can
change it without a new model.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from schemas.classification import ORGANISATIONS
from streams.classifier.decide import Decision
from streams.classifier.gazetteer import CueRelation
from streams.classifier.signals import Signals

# Raise when the features an article yields change: models record it (see training.py).
FEATURES_VERSION = 3
# Letters kept of a word: long enough to tell words apart, short enough to fold inflections.
PREFIX_LENGTH = 6
# Words are read from this much of the lead: leads in the labeled data are shorter, so words
# further on were never seen in training, and tokenizing them costs time for nothing.
MAX_WORD_CHARS = 1000
# Words shorter than this are mostly function words; CJK bigrams are exempt.
MIN_WORD_LENGTH = 2
# Great powers and the watched states most strategic stories name: their presence is a
# signal of its own (which state, not how many).
NAMED_STATES = ("US", "RU", "CN", "KP", "IR", "UA", "IN", "JP", "EU", "NATO", "UN")

_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_RUN = re.compile(f"[{_CJK}]+")
# A word of any other script, of at least MIN_WORD_LENGTH letters (shorter ones are mostly
# function words).
_WORD = re.compile(f"[^\\W\\d_{_CJK}]{{{MIN_WORD_LENGTH},}}")

Features = dict[str, float]


def _squash(value: float) -> float:
    return math.log1p(max(value, 0.0))


def rule_features(decision: Decision) -> Features:
    """What the hand-set rules decided, as features: the model learns where to trust them."""
    features: Features = {"r:score": decision.score}
    if decision.relevant:
        features["r:relevant"] = 1.0
        features[f"r:rel:{decision.relation.value}"] = 1.0
        for event_type in decision.event_types:
            features[f"r:type:{event_type.value}"] = 1.0
    return features


def signal_features(signals: Signals, lang: str | None) -> Features:
    """Numeric features from the rule signals (and the declared language)."""
    features: Features = {
        "s:space": _squash(signals.space),
        "s:strategic": _squash(signals.strategic),
        "s:international": _squash(signals.international),
        "s:negative": _squash(signals.negative),
        "s:no_space": 1.0 if signals.space < 2.0 else 0.0,
        "s:neutral_title": 1.0 if signals.neutral_title else 0.0,
    }
    parties = signals.parties
    states = [actor for actor in parties if actor not in ORGANISATIONS]
    features["s:parties"] = float(min(len(parties), 4))
    features["s:states"] = float(min(len(states), 4))
    features["s:one_party"] = 1.0 if len(parties) == 1 else 0.0
    features["s:no_party"] = 1.0 if not parties and not signals.attributes else 0.0
    features["s:title_actors"] = float(min(len(signals.title_actors), 3))
    for actor in NAMED_STATES:
        if actor in parties or actor in signals.attributes:
            features[f"s:actor:{actor}"] = 1.0
    for event_type, score in signals.types.items():
        features[f"s:type:{event_type.value}"] = _squash(score)
    for relation in CueRelation:
        score = signals.relations.get(relation, 0.0)
        if score:
            features[f"s:rel:{relation.value}"] = _squash(score)
    if lang:
        features[f"lang:{lang.lower()}"] = 1.0
    return features


# Devanagari vowel signs and viramas are combining marks, not letters to ``re``, which would
# cut Hindi words at each of them. Dropped instead: a word's consonant skeleton is a stable
# token, much as a prefix is for the inflecting languages.
_DEVANAGARI = re.compile("[\u0900-\u097f]")
_DEVANAGARI_MARKS = dict.fromkeys(
    [*range(0x0900, 0x0904), *range(0x093A, 0x0950), *range(0x0951, 0x0958), 0x0962, 0x0963]
)


def _tokens(source: str) -> set[str]:
    """Word prefixes and CJK character bigrams of a text (the hot path: C-level scans)."""
    if _DEVANAGARI.search(source):
        source = source.translate(_DEVANAGARI_MARKS)
    tokens = {word[:PREFIX_LENGTH] for word in _WORD.findall(source)}
    for run in _CJK_RUN.findall(source):
        if len(run) == 1:
            tokens.add(run)
        else:
            tokens.update(run[i : i + 2] for i in range(len(run) - 1))
    return tokens


TITLE_WORD = "tw:"
WORD = "w:"


@dataclass(frozen=True, slots=True)
class ArticleFeatures:
    """The features of one article: named numbers, and two sets of binary word features.

    Words stay bare tokens (no ``w:`` strings built per article): the model looks them up
    in per-kind vocabularies, which is most of what makes inference cheap.
    """

    numeric: Features
    title_words: frozenset[str]
    words: frozenset[str]  # title and lead: the title is part of the text too

    def as_dict(self) -> Features:
        """Every feature by its full name, as training and model files spell them."""
        named = dict(self.numeric)
        named.update(dict.fromkeys((TITLE_WORD + t for t in self.title_words), 1.0))
        named.update(dict.fromkeys((WORD + t for t in self.words), 1.0))
        return named


def word_features(
    normalized_title: str, normalized_text: str
) -> tuple[frozenset[str], frozenset[str]]:
    """Title words, and words of title and lead, of the (already normalized) texts."""
    title = _tokens(normalized_title)
    return frozenset(title), frozenset(title | _tokens(normalized_text[:MAX_WORD_CHARS]))


def article_features(
    signals: Signals,
    decision: Decision,
    normalized_title: str,
    normalized_text: str,
    lang: str | None,
) -> ArticleFeatures:
    """Every feature of one article."""
    numeric = signal_features(signals, lang)
    numeric.update(rule_features(decision))
    title_words, words = word_features(normalized_title, normalized_text)
    return ArticleFeatures(numeric, title_words, words)
