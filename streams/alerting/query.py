"""Lucene/Kibana-style query strings in alert rules, evaluated against one event in memory.

A query is parsed with luqum when the rule file is loaded and compiled into a tree of small
predicates, so a bad query fails at load time with a clear message, and evaluating it per
event costs a few set and tuple lookups. No search engine is involved (no percolator).

Supported:

- terms and ``"phrases"`` over the title and summary (case- and accent-insensitive, whole
  words; phrases match consecutive words); ``title:``/``summary:``/``text:`` to pick a field;
- ``AND``, ``OR``, ``NOT``, ``+required``, ``-excluded``, parentheses, ``field:(a OR b)``;
  terms side by side without an operator must **all** match (as in a search box, and the
  cautious choice for alerting; write ``OR`` when either is enough);
- ``*`` and ``?`` wildcards inside terms (``lunar*``, ``chang?e``);
- keyword fields matched exactly (case-insensitive, wildcards allowed): ``actor:RU``,
  ``pair:CN-RU`` (either order), ``event_type:lunar``, ``relation:threat``,
  ``severity:high``, ``feed:tass-en``, ``language:ru``, ``source:TASS``, ``relevant:true``;
- text in Chinese, Japanese or Korean, which has no spaces between words, matches as a
  substring.

Not supported (an error at load time): ranges, fuzzy ``~``, proximity, regular expressions.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from luqum import tree
from luqum.exceptions import ParseError
from luqum.parser import parser

from orbitwatch.core.errors import ConfigError
from schemas import ClassifiedEvent


class QueryError(ConfigError):
    """A rule's query string cannot be parsed or uses something not supported."""


TEXT_FIELDS: dict[str, tuple[str, ...]] = {
    "title": ("title",),
    "summary": ("summary",),
    "text": ("title", "summary"),
}
# Query field name -> document keyword field (several spellings for convenience).
KEYWORD_FIELDS: dict[str, str] = {
    "actor": "actors",
    "actors": "actors",
    "pair": "pairs",
    "pairs": "pairs",
    "actor_pair": "pairs",
    "actor_pairs": "pairs",
    "type": "event_types",
    "event_type": "event_types",
    "event_types": "event_types",
    "relation": "relation",
    "severity": "severity",
    "feed": "feed",
    "feed_id": "feed",
    "language": "language",
    "lang": "language",
    "source": "source",
    "relevant": "relevant",
}
DEFAULT_TEXT_FIELDS = TEXT_FIELDS["text"]

_WORD = re.compile(r"\w+")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")
_ESCAPED = re.compile(r"\\(.)")
_WILDCARD_PIECE = re.compile(r"(?:\w|\\.|[*?])+")


def fold(text: str) -> str:
    """Lower case without accents: ``Chang'e`` and ``CHANG'É`` compare equal."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def words(text: str) -> tuple[str, ...]:
    return tuple(_WORD.findall(fold(text)))


@dataclass(frozen=True)
class QueryDocument:
    """What a query can see of one event, prepared once per event."""

    text: dict[str, str]  # folded full text per text field
    tokens: dict[str, tuple[str, ...]]
    keywords: dict[str, frozenset[str]]

    @classmethod
    def from_event(cls, event: ClassifiedEvent) -> QueryDocument:
        article, c = event.article, event.classification
        raw = {"title": article.title, "summary": article.summary}
        source = article.source.name if article.source else ""
        keywords = {
            "actors": c.actors,
            "pairs": c.actor_pairs,
            "event_types": [t.value for t in c.event_types],
            "relation": [c.relation.value],
            "severity": [c.severity.value],
            "feed": [article.feed_id],
            "language": [article.language or ""],
            "source": [source],
            "relevant": [str(c.relevant).lower()],
        }
        return cls(
            text={name: fold(value) for name, value in raw.items()},
            tokens={name: words(value) for name, value in raw.items()},
            keywords={k: frozenset(fold(v) for v in vs if v) for k, vs in keywords.items()},
        )


Predicate = Callable[[QueryDocument], bool]


@dataclass(frozen=True)
class Query:
    """A compiled query. ``source`` is the text as written in the rule file."""

    source: str
    predicate: Predicate

    def matches(self, document: QueryDocument) -> bool:
        return self.predicate(document)


def compile_query(source: str) -> Query:
    """Parse and compile ``source``; raises :class:`QueryError` saying what is wrong."""
    if not source.strip():
        raise QueryError("empty query")
    try:
        parsed = parser.parse(source)
    except ParseError as exc:
        raise QueryError(f"cannot parse query {source!r}: {exc}") from exc
    return Query(source=source, predicate=_compile(parsed, field=None))


def _compile(node: tree.Item, field: str | None) -> Predicate:
    # Order matters: Phrase and Word are both Terms; FieldGroup and Group are both groups.
    if isinstance(node, tree.SearchField):
        return _compile_field(node, field)
    if isinstance(node, tree.Group | tree.FieldGroup):
        return _compile(node.expr, field)
    if isinstance(node, tree.AndOperation | tree.UnknownOperation):
        parts = [_compile(child, field) for child in node.children]
        return lambda doc: all(part(doc) for part in parts)
    if isinstance(node, tree.OrOperation):
        parts = [_compile(child, field) for child in node.children]
        return lambda doc: any(part(doc) for part in parts)
    if isinstance(node, tree.Not | tree.Prohibit):
        inner = _compile(node.a, field)
        return lambda doc: not inner(doc)
    if isinstance(node, tree.Plus):
        return _compile(node.a, field)
    if isinstance(node, tree.Boost):
        return _compile(node.expr, field)  # scoring does not matter for a yes/no match
    if isinstance(node, tree.Phrase):
        return _term(_unescape(node.value[1:-1]), field, wildcard=False, phrase=True)
    if isinstance(node, tree.Word):
        return _term(node.value, field, wildcard=node.has_wildcard(), phrase=False)
    raise QueryError(f"{_describe(node)} is not supported in alert rules: {node}")


def _describe(node: tree.Item) -> str:
    names = {
        tree.Range: "a range",
        tree.From: "an open range",
        tree.To: "an open range",
        tree.Fuzzy: "a fuzzy term (~)",
        tree.Proximity: "a proximity search (~)",
        tree.Regex: "a regular expression",
    }
    return names.get(type(node), type(node).__name__)


def _compile_field(node: tree.SearchField, outer: str | None) -> Predicate:
    if outer is not None:
        raise QueryError(f"a field inside a field is not allowed: {node}")
    name = node.name.lower()
    if name not in TEXT_FIELDS and name not in KEYWORD_FIELDS:
        known = ", ".join(sorted({*TEXT_FIELDS, *KEYWORD_FIELDS}))
        raise QueryError(f"unknown field {node.name!r} (known: {known})")
    return _compile(node.expr, name)


def _unescape(value: str) -> str:
    return _ESCAPED.sub(r"\1", value)


def _wildcard_regex(pattern: str) -> re.Pattern[str]:
    """``lun*r?`` -> a regex; escaped ``\\*`` stays a literal star."""
    out = []
    for piece in re.split(r"(\\.|[*?])", fold(pattern)):
        if piece == "*":
            out.append(".*")
        elif piece == "?":
            out.append(".")
        elif piece.startswith("\\") and len(piece) == 2:
            out.append(re.escape(piece[1]))
        else:
            out.append(re.escape(piece))
    return re.compile("".join(out), re.DOTALL)


def _term(value: str, field: str | None, *, wildcard: bool, phrase: bool) -> Predicate:
    if field in KEYWORD_FIELDS:
        return _keyword_term(value, KEYWORD_FIELDS[field], wildcard=wildcard)
    fields = TEXT_FIELDS[field] if field else DEFAULT_TEXT_FIELDS
    if wildcard:
        # ``anti-sat*`` spans two words, like a phrase: one pattern per word, consecutive.
        pieces = [_wildcard_regex(p) for p in _WILDCARD_PIECE.findall(value)]
        if not pieces:
            raise QueryError(f"term {value!r} has no letters or digits to match")
        return lambda doc: any(_matches_run(doc.tokens[f], pieces) for f in fields)
    text = value if phrase else _unescape(value)
    if _CJK.search(text):
        needle = fold(text)
        return lambda doc: any(needle in doc.text[f] for f in fields)
    wanted = words(text)
    if not wanted:
        raise QueryError(f"term {value!r} has no letters or digits to match")
    return lambda doc: any(_contains_run(doc.tokens[f], wanted) for f in fields)


def _contains_run(tokens: tuple[str, ...], run: tuple[str, ...]) -> bool:
    if len(run) == 1:
        return run[0] in tokens
    size = len(run)
    return any(tokens[i : i + size] == run for i in range(len(tokens) - size + 1))


def _matches_run(tokens: tuple[str, ...], patterns: list[re.Pattern[str]]) -> bool:
    size = len(patterns)
    return any(
        all(p.fullmatch(t) for p, t in zip(patterns, tokens[i : i + size], strict=True))
        for i in range(len(tokens) - size + 1)
    )


def _keyword_term(value: str, key: str, *, wildcard: bool) -> Predicate:
    if wildcard:
        regex = _wildcard_regex(value)
        return lambda doc: any(regex.fullmatch(v) for v in doc.keywords[key])
    wanted = fold(_unescape(value))
    if key == "pairs":
        wanted = normalise_pair(wanted)
    return lambda doc: wanted in doc.keywords[key]


def normalise_pair(pair: str) -> str:
    """``RU-CN`` and ``CN-RU`` name the same pair; pairs are stored sorted (``CN-RU``)."""
    sides = pair.split("-")
    return "-".join(sorted(sides)) if len(sides) == 2 else pair
