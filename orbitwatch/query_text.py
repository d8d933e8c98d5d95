"""Free text of a search, rewritten so every word also looks in ``search_text``.

Events carry ``search_text`` (:mod:`schemas.indices.search_text`): their title and summary
stemmed, folded and cut into Chinese bigrams. A query must go through the same steps, and
since the query's language is unknown, each word becomes the union of what a document in any
language may hold for it: ``станции`` -> ``(title:станции OR summary:станции OR
search_text:(станц OR станции))``. The ``title``/``summary`` part keeps the plain matching
of the standard analyzer, so documents written before ``search_text`` existed are still
found, and the boolean structure (``AND``, ``NOT``, groups, field-qualified terms such as
``actors:RU``) is kept as written: the rewrite happens per word, on luqum's parse tree.

Wildcards are folded (lowercase, simplified Chinese) but not stemmed; fuzzy, proximity, regex
and range terms are left as written (they still search title and summary). A term qualified
with ``search_text:`` is normalized too; other field-qualified terms are left alone.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from luqum import tree
from luqum.auto_head_tail import auto_head_tail
from luqum.exceptions import ParseError
from luqum.parser import parser
from luqum.visitor import TreeTransformer

from schemas.indices.search_text import fold, query_alternatives

SEARCH_FIELD = "search_text"
# The fields plain words searched before ``search_text`` existed; still searched as written.
PLAIN_FIELDS = ("title", "summary")
_WILDCARDS = frozenset("*?")


def _alternative(tokens: Sequence[str]) -> tree.Item:
    if len(tokens) == 1:
        return tree.Word(tokens[0])
    return tree.Phrase('"' + " ".join(tokens) + '"')


def normalized_item(text: str) -> tree.Item | None:
    """What to look for in ``search_text`` for a word or phrase, or None when the text has
    nothing searchable (punctuation only)."""
    alternatives = [_alternative(tokens) for tokens in query_alternatives(text)]
    if not alternatives:
        return None
    if len(alternatives) == 1:
        return alternatives[0]
    return tree.FieldGroup(tree.OrOperation(*alternatives))


def _wildcard_item(value: str) -> tree.Item | None:
    folded = fold(value)
    return tree.Word(folded) if folded.strip() else None


def _bare(node: tree.Item) -> tree.Item:
    """A copy without the surrounding whitespace (it moves to the group replacing it)."""
    copy: tree.Item = node.clone_item()
    copy.head = copy.tail = ""
    return copy


class _Rewrite(TreeTransformer):
    def _expand(self, node: tree.Item, normalized: tree.Item | None) -> tree.Item:
        if normalized is None:
            return node
        plain = [tree.SearchField(name, _bare(node)) for name in PLAIN_FIELDS]
        group = tree.OrOperation(*plain, tree.SearchField(SEARCH_FIELD, normalized))
        # The group takes the word's place, with the spaces that surrounded it.
        return tree.Group(group, head=node.head, tail=node.tail)

    def visit_word(self, node: tree.Word, context: dict[str, Any]) -> Iterator[tree.Item]:
        if _WILDCARDS & set(node.value):
            yield self._expand(node, _wildcard_item(node.value))
        else:
            yield self._expand(node, normalized_item(node.value))

    def visit_phrase(self, node: tree.Phrase, context: dict[str, Any]) -> Iterator[tree.Item]:
        yield self._expand(node, normalized_item(node.value[1:-1]))

    def visit_search_field(
        self, node: tree.SearchField, context: dict[str, Any]
    ) -> Iterator[tree.Item]:
        if node.name == SEARCH_FIELD:
            yield tree.SearchField(SEARCH_FIELD, _normalize_inside(node.expr))
        else:
            yield node.clone_item(expr=node.expr)

    def _opaque(self, node: tree.Item, context: dict[str, Any]) -> Iterator[tree.Item]:
        yield node

    visit_fuzzy = visit_proximity = visit_regex = visit_range = _opaque
    visit_from = visit_to = _opaque


class _NormalizeOnly(TreeTransformer):
    """Inside ``search_text:(...)``: words become their normalized alternatives only."""

    def visit_word(self, node: tree.Word, context: dict[str, Any]) -> Iterator[tree.Item]:
        if _WILDCARDS & set(node.value):
            yield _wildcard_item(node.value) or node
        else:
            yield normalized_item(node.value) or node

    def visit_phrase(self, node: tree.Phrase, context: dict[str, Any]) -> Iterator[tree.Item]:
        yield normalized_item(node.value[1:-1]) or node


def _normalize_inside(expr: tree.Item) -> tree.Item:
    # A word with several alternatives comes back as a group: ``search_text:(станц OR ...)``.
    result: tree.Item = _NormalizeOnly().visit(expr)
    return result


def rewrite(text: str) -> str:
    """The query_string for ``text`` with every plain word and phrase expanded (see the
    module docstring). Raises :class:`luqum.exceptions.ParseError` for text luqum cannot
    parse; :func:`fallback_terms` serves then."""
    parsed = parser.parse(text)
    return str(auto_head_tail(_Rewrite().visit(parsed)))


def fallback_terms(text: str) -> str | None:
    """For text luqum cannot parse: every word of it, normalized, all required (a
    query_string over ``search_text``), or None when nothing is searchable."""
    items = [normalized_item(word) for word in text.split()]
    kept = [item for item in items if item is not None]
    if not kept:
        return None
    return str(auto_head_tail(tree.AndOperation(*kept) if len(kept) > 1 else kept[0]))


__all__ = ["ParseError", "fallback_terms", "normalized_item", "rewrite"]
