"""The Classifier: an article in, a Classification out.

Everything expensive (reading the gazetteers, stemming aliases, building the automaton)
happens once in the constructor; ``classify`` only normalizes the text, runs the automaton
over title and lead, and adds up the signals.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from schemas.article import Article
from schemas.classification import Classification
from streams.classifier.decide import decide
from streams.classifier.gazetteer import Gazetteer, load_gazetteer
from streams.classifier.matcher import AliasMatcher
from streams.classifier.normalize import normalize
from streams.classifier.signals import collect_signals, entry_infos

CLASSIFIER_VERSION = "rules-1.1"
DEFAULT_WATCHLIST = ("RU", "CN", "KP", "IR")
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
    ) -> None:
        self.watchlist = frozenset(code.upper() for code in watchlist)
        self.gazetteer = gazetteer if gazetteer is not None else load_gazetteer(gazetteer_dir)
        self._entries = self.gazetteer.entries
        self._matcher = AliasMatcher(self.gazetteer)
        self._infos = entry_infos(self._entries)

    def classify(self, article: Article) -> Classification:
        lead = article.summary or (article.content or "")
        return self.classify_text(article.title, lead, article.language)

    def classify_text(self, title: str, text: str, lang: str | None = None) -> Classification:
        """Classify a title and its lead. ``lang`` is accepted for the record: aliases of
        every language are always matched, since feeds mislabel languages and mix scripts."""
        del lang
        title = title or ""
        text = (text or "")[:MAX_TEXT_CHARS]
        # Title and lead are normalized and scanned as one string; the separator is neither
        # a word character nor a gap inside an alias, so no alias spans both fields.
        normalized = normalize(f"{title}{FIELD_SEPARATOR}{text}")
        hits = self._matcher.find(normalized.text, normalized.cased)
        signals = collect_signals(hits, normalized, title, text, self._entries, self._infos)
        decision = decide(signals, self.watchlist)
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
            classifier_version=CLASSIFIER_VERSION,
        )
