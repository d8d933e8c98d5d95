"""The Classifier: an article in, a Classification out.

Everything expensive (reading the gazetteers, stemming aliases, building the automaton,
loading the model) happens once in the constructor; ``classify`` only normalizes the text,
runs the automaton over title and lead, adds up the signals and scores them.

Two decisions are available over the same signals and evidence: the learned model (the
default, ``streams.classifier.model``) and the hand-set rules (``decide.py``), kept as the
baseline every model is measured against (``Classifier(rules_only=True)``). Either way,
actors come from the gazetteers and severity is the ontology's policy over the decided
fields and the watchlist, so operators can change the watchlist without a new model.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from schemas.article import Article
from schemas.classification import Classification, Relation, Severity
from streams.classifier.decide import MIN_SPACE, Decision, decide, decide_severity
from streams.classifier.features import ArticleFeatures, article_features
from streams.classifier.gazetteer import Gazetteer, load_gazetteer
from streams.classifier.matcher import AliasMatcher
from streams.classifier.model import LearnedModel, load_model
from streams.classifier.normalize import NormalizedText, normalize
from streams.classifier.signals import Signals, collect_signals, entry_infos

# The version of the rule-only decision (the baseline).
RULES_VERSION = "rules-1.1"
DEFAULT_WATCHLIST = ("RU", "CN", "KP", "IR")
# Model probability from which an article without space words may still be relevant.
UNGATED_RELEVANCE = 0.9
# The lead is what the classifier reads; full texts are cut to keep throughput steady.
MAX_TEXT_CHARS = 2000
# Joins title and lead for one pass: not a word character, and not allowed inside an alias.
FIELD_SEPARATOR = "\x1f"


class Classifier:
    """Classifies articles against the gazetteers. Build once, call ``classify`` often."""

    def __init__(
        self,
        watchlist: Iterable[str] = DEFAULT_WATCHLIST,
        gazetteer: Gazetteer | None = None,
        gazetteer_dir: Path | None = None,
        model_path: Path | None = None,
        rules_only: bool = False,
        model: LearnedModel | None = None,
    ) -> None:
        """``model_path`` names a model file (default: the shipped model); ``model`` passes
        one already loaded (training does, per fold); ``rules_only`` uses no model at all."""
        self.watchlist = frozenset(code.upper() for code in watchlist)
        self.gazetteer = gazetteer if gazetteer is not None else load_gazetteer(gazetteer_dir)
        self._entries = self.gazetteer.entries
        self._matcher = AliasMatcher(self.gazetteer)
        self._infos = entry_infos(self._entries)
        if rules_only:
            self.model = None
        else:
            self.model = model if model is not None else load_model(model_path)
        self.version = self.model.version if self.model is not None else RULES_VERSION

    def classify(self, article: Article) -> Classification:
        lead = article.summary or (article.content or "")
        return self.classify_text(article.title, lead, article.language)

    def classify_text(self, title: str, text: str, lang: str | None = None) -> Classification:
        """Classify a title and its lead. Aliases of every language are always matched,
        since feeds mislabel languages and mix scripts; ``lang`` is one feature of the model."""
        signals, normalized, decision = self._rules(title, text)
        if self.model is not None:
            features = self._features(signals, decision, normalized, lang)
            decision = self._decide_learned(signals, features, self.model)
        evidence = signals.evidence
        for rule in decision.rules:
            evidence.append(
                {
                    "kind": "rule",
                    "value": rule,
                    "term": rule,
                    "field": "text",
                    "start": -1,
                    "end": -1,
                }
            )
        # Evidence goes in as plain dicts: pydantic validates the whole list at once.
        return Classification(
            relevant=decision.relevant,
            relation=decision.relation,
            actors=decision.actors,
            event_types=decision.event_types,
            severity=decision.severity,
            score=round(decision.score, 4),
            evidence=evidence,
            classifier_version=self.version,
        )

    def analyse(
        self, title: str, text: str, lang: str | None = None
    ) -> tuple[Signals, Decision, ArticleFeatures]:
        """The rule signals (with their evidence), the rules' decision and the model's
        features of an article."""
        signals, normalized, decision = self._rules(title, text)
        return signals, decision, self._features(signals, decision, normalized, lang)

    def _rules(self, title: str, text: str) -> tuple[Signals, NormalizedText, Decision]:
        """Gazetteer hits, the signals they add up to, and the hand-set rules' decision."""
        title = title or ""
        text = (text or "")[:MAX_TEXT_CHARS]
        # Title and lead are normalized and scanned as one string; the separator is neither
        # a word character nor a gap inside an alias, so no alias spans both fields.
        normalized = normalize(f"{title}{FIELD_SEPARATOR}{text}")
        hits = self._matcher.find(normalized.text, normalized.cased)
        signals = collect_signals(hits, normalized, title, text, self._entries, self._infos)
        return signals, normalized, decide(signals, self.watchlist)

    @staticmethod
    def _features(
        signals: Signals, decision: Decision, normalized: NormalizedText, lang: str | None
    ) -> ArticleFeatures:
        normalized_title, _, normalized_text = normalized.text.partition(FIELD_SEPARATOR)
        return article_features(signals, decision, normalized_title, normalized_text, lang)

    def _decide_learned(
        self, signals: Signals, features: ArticleFeatures, model: LearnedModel
    ) -> Decision:
        # Relevance alone first: most articles stop there, and it is the cheap head.
        relevance = model.relevance(features)
        rules = [f"model:{model.version}"]
        # The ontology's first condition: the story is about space. Without space words the
        # model would have to learn that from a few hundred items; general news feeds (where
        # nearly nothing is relevant) are where it would cost most. A very confident model
        # may still pass, for space words the gazetteers lack.
        if signals.space < MIN_SPACE and relevance < UNGATED_RELEVANCE:
            rules.append("no_space_context")
            return Decision(False, relevance, Relation.none, [], [], Severity.none, rules)
        if relevance < model.relevance_threshold:
            return Decision(False, relevance, Relation.none, [], [], Severity.none, rules)
        prediction = model.predict(features, relevance)
        actors = sorted(set(signals.parties) | signals.attributes)
        event_types = model.decide_types(prediction)
        relation = model.decide_relation(prediction)
        severity = decide_severity(relation, actors, event_types, self.watchlist)
        return Decision(True, prediction.relevance, relation, actors, event_types, severity, rules)
